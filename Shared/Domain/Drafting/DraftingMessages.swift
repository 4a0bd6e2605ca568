import Foundation

/// Where a draft stands in SOP step 2.
public enum DraftState: Int32, Codable, Sendable, CaseIterable, Hashable {
    case unspecified = 0
    /// Being written; every change makes a new revision.
    case editing = 1
    /// The drafter's paraf locks the latest revision; it waits for the Sekretaris (step 3).
    case initialled = 2
    /// The Sekretaris returned it with notes; the next edit starts a new revision.
    case returned = 3
}

/// One immutable revision of a draft.
public struct DraftRevision: Codable, Sendable, Hashable {
    public var number: Int64 = 0
    /// `LetterContent.digest()` of `content`.
    public var digest: Data = Data()
    public var content: LetterContent = LetterContent()
    public var author: ActorIdentity = ActorIdentity()
    public var createdAt: Date = Date(timeIntervalSince1970: 0)
    /// The revision this one was edited from (0 for the first).
    public var basedOn: Int64 = 0

    public init(number: Int64 = 0, digest: Data = Data(), content: LetterContent = LetterContent(),
                author: ActorIdentity = ActorIdentity(), createdAt: Date = Date(timeIntervalSince1970: 0), basedOn: Int64 = 0) {
        self.number = number
        self.digest = digest
        self.content = content
        self.author = author
        self.createdAt = createdAt
        self.basedOn = basedOn
    }

    public enum CodingKeys: Int, CodingKey {
        case number = 1, digest = 2, content = 3, author = 4, createdAt = 5, basedOn = 6
    }
}

/// A return by the Sekretaris, as the drafter sees it in drafting.
public struct DraftReturn: Codable, Sendable, Hashable {
    public var revision: Int64 = 0
    public var revisionDigest: Data = Data()
    public var notes: String = ""
    public var returnedBy: ActorIdentity = ActorIdentity()
    public var returnedAt: Date = Date(timeIntervalSince1970: 0)

    public init(revision: Int64 = 0, revisionDigest: Data = Data(), notes: String = "",
                returnedBy: ActorIdentity = ActorIdentity(), returnedAt: Date = Date(timeIntervalSince1970: 0)) {
        self.revision = revision
        self.revisionDigest = revisionDigest
        self.notes = notes
        self.returnedBy = returnedBy
        self.returnedAt = returnedAt
    }

    public enum CodingKeys: Int, CodingKey {
        case revision = 1, revisionDigest = 2, notes = 3, returnedBy = 4, returnedAt = 5
    }
}

/// A draft with its whole history: every revision, paraf and return, oldest first. Only the latest
/// revision carries its `content` (so a draft with many large revisions still fits one message);
/// `GetRevision` returns any revision in full.
public struct Draft: Codable, Sendable, Hashable {
    public var id: String = ""
    public var state: DraftState = .unspecified
    public var latestRevision: Int64 = 0
    public var latestDigest: Data = Data()
    /// Who created the draft.
    public var drafter: ActorIdentity = ActorIdentity()
    public var draftingUnit: String = ""
    public var createdAt: Date = Date(timeIntervalSince1970: 0)
    public var updatedAt: Date = Date(timeIntervalSince1970: 0)
    public var revisions: [DraftRevision] = []
    public var parafs: [Paraf] = []
    public var returns: [DraftReturn] = []
    /// The caller's reference for the letter (the gateway's letter id), if given.
    public var letterID: String = ""
    public var subject: String = ""

    public init() {}

    /// The latest revision, when the history is present.
    public var latest: DraftRevision? { revisions.last }

    public enum CodingKeys: Int, CodingKey {
        case id = 1, state = 2, latestRevision = 3, latestDigest = 4, drafter = 5, draftingUnit = 6
        case createdAt = 7, updatedAt = 8, revisions = 9, parafs = 10, returns = 11, letterID = 12, subject = 13
    }
}

/// A draft without its revisions' contents, for lists.
public struct DraftSummary: Codable, Sendable, Hashable {
    public var id: String = ""
    public var state: DraftState = .unspecified
    public var latestRevision: Int64 = 0
    public var latestDigest: Data = Data()
    public var drafter: ActorIdentity = ActorIdentity()
    public var draftingUnit: String = ""
    public var subject: String = ""
    public var createdAt: Date = Date(timeIntervalSince1970: 0)
    public var updatedAt: Date = Date(timeIntervalSince1970: 0)
    public var letterID: String = ""

    public init() {}

    public enum CodingKeys: Int, CodingKey {
        case id = 1, state = 2, latestRevision = 3, latestDigest = 4, drafter = 5, draftingUnit = 6
        case subject = 7, createdAt = 8, updatedAt = 9, letterID = 10
    }
}

public struct CreateDraftRequest: Codable, Sendable, Hashable {
    public var requestID: String = ""
    public var content: LetterContent = LetterContent()
    public var letterID: String = ""

    public init(requestID: String = "", content: LetterContent = LetterContent(), letterID: String = "") {
        self.requestID = requestID
        self.content = content
        self.letterID = letterID
    }

    public enum CodingKeys: Int, CodingKey { case requestID = 1, content = 2, letterID = 3 }
}

public struct UpdateDraftRequest: Codable, Sendable, Hashable {
    public var requestID: String = ""
    public var draftID: String = ""
    /// The revision the edit started from; not the latest → ABORTED.
    public var baseRevision: Int64 = 0
    public var content: LetterContent = LetterContent()

    public init(requestID: String = "", draftID: String = "", baseRevision: Int64 = 0, content: LetterContent = LetterContent()) {
        self.requestID = requestID
        self.draftID = draftID
        self.baseRevision = baseRevision
        self.content = content
    }

    public enum CodingKeys: Int, CodingKey { case requestID = 1, draftID = 2, baseRevision = 3, content = 4 }
}

public struct ParafDraftRequest: Codable, Sendable, Hashable {
    public var requestID: String = ""
    public var draftID: String = ""
    /// The revision the drafter read and initials; not the latest → ABORTED.
    public var revision: Int64 = 0
    /// Required: the digest the drafter saw; it must match the revision's (ABORTED otherwise).
    public var revisionDigest: Data = Data()

    public init(requestID: String = "", draftID: String = "", revision: Int64 = 0, revisionDigest: Data = Data()) {
        self.requestID = requestID
        self.draftID = draftID
        self.revision = revision
        self.revisionDigest = revisionDigest
    }

    public enum CodingKeys: Int, CodingKey { case requestID = 1, draftID = 2, revision = 3, revisionDigest = 4 }
}

public struct ParafDraftResponse: Codable, Sendable, Hashable {
    public var draft: Draft = Draft()
    public var paraf: Paraf = Paraf()

    public init(draft: Draft = Draft(), paraf: Paraf = Paraf()) {
        self.draft = draft
        self.paraf = paraf
    }

    public enum CodingKeys: Int, CodingKey { case draft = 1, paraf = 2 }
}

public struct ReopenDraftRequest: Codable, Sendable, Hashable {
    public var requestID: String = ""
    public var draftID: String = ""
    /// The initialled revision the Sekretaris returned.
    public var revisionDigest: Data = Data()
    /// The Sekretaris' notes (required).
    public var notes: String = ""

    public init(requestID: String = "", draftID: String = "", revisionDigest: Data = Data(), notes: String = "") {
        self.requestID = requestID
        self.draftID = draftID
        self.revisionDigest = revisionDigest
        self.notes = notes
    }

    public enum CodingKeys: Int, CodingKey { case requestID = 1, draftID = 2, revisionDigest = 3, notes = 4 }
}

public struct GetRevisionRequest: Codable, Sendable, Hashable {
    public var draftID: String = ""
    public var number: Int64 = 0

    public init(draftID: String = "", number: Int64 = 0) {
        self.draftID = draftID
        self.number = number
    }

    public enum CodingKeys: Int, CodingKey { case draftID = 1, number = 2 }
}

public struct GetDraftRequest: Codable, Sendable, Hashable {
    public var draftID: String = ""

    public init(draftID: String = "") { self.draftID = draftID }

    public enum CodingKeys: Int, CodingKey { case draftID = 1 }
}

public struct ListDraftsRequest: Codable, Sendable, Hashable {
    /// Filter; unspecified = every state.
    public var state: DraftState = .unspecified
    public var draftingUnit: String = ""
    public var drafterID: String = ""
    /// 1-500; 0 = 50.
    public var pageSize: Int32 = 0
    /// `next_page_token` of the previous page; empty = first page.
    public var pageToken: String = ""

    public init(state: DraftState = .unspecified, draftingUnit: String = "", drafterID: String = "", pageSize: Int32 = 0, pageToken: String = "") {
        self.state = state
        self.draftingUnit = draftingUnit
        self.drafterID = drafterID
        self.pageSize = pageSize
        self.pageToken = pageToken
    }

    public enum CodingKeys: Int, CodingKey { case state = 1, draftingUnit = 2, drafterID = 3, pageSize = 4, pageToken = 5 }
}

public struct ListDraftsResponse: Codable, Sendable, Hashable {
    public var drafts: [DraftSummary] = []
    /// Empty on the last page.
    public var nextPageToken: String = ""

    public init(drafts: [DraftSummary] = [], nextPageToken: String = "") {
        self.drafts = drafts
        self.nextPageToken = nextPageToken
    }

    public enum CodingKeys: Int, CodingKey { case drafts = 1, nextPageToken = 2 }
}
