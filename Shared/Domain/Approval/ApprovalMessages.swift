import Foundation

/// Where a draft stands in SOP step 3.
public enum ReviewState: Int32, Codable, Sendable, CaseIterable, Hashable {
    case unspecified = 0
    /// Initialled by the drafter, waiting in the Sekretaris' queue.
    case pending = 1
    /// The Sekretaris initialled it: goes up to the Camat (step 4 onwards).
    case approved = 2
    /// Returned to the drafter with notes (back to step 2).
    case returned = 3
}

/// One submission of an initialled revision and what the Sekretaris decided on it.
public struct ReviewRound: Codable, Sendable, Hashable {
    /// 1 for the first submission, +1 after each return.
    public var round: Int32 = 0
    public var revision: Int64 = 0
    public var revisionDigest: Data = Data()
    public var drafterParaf: Paraf = Paraf()
    public var submittedAt: Date = Date(timeIntervalSince1970: 0)
    /// `pending` until decided.
    public var outcome: ReviewState = .unspecified
    /// The Sekretaris' paraf, when approved.
    public var sekretarisParaf: Paraf? = nil
    /// The Sekretaris' notes (required on a return, optional on approval).
    public var notes: String = ""
    public var decidedBy: ActorIdentity? = nil
    public var decidedAt: Date? = nil

    public init() {}

    public enum CodingKeys: Int, CodingKey {
        case round = 1, revision = 2, revisionDigest = 3, drafterParaf = 4, submittedAt = 5, outcome = 6
        case sekretarisParaf = 7, notes = 8, decidedBy = 9, decidedAt = 10
    }
}

/// The review record of one draft: its current state and every round, oldest first.
public struct Review: Codable, Sendable, Hashable {
    public var draftID: String = ""
    public var state: ReviewState = .unspecified
    /// The latest submitted (initialled) revision and its digest.
    public var revision: Int64 = 0
    public var revisionDigest: Data = Data()
    public var subject: String = ""
    public var draftingUnit: String = ""
    public var drafter: ActorIdentity = ActorIdentity()
    /// When the latest round was submitted.
    public var submittedAt: Date = Date(timeIntervalSince1970: 0)
    public var rounds: [ReviewRound] = []
    /// The content of the latest submitted revision (what the Sekretaris reads and approves).
    public var content: LetterContent = LetterContent()
    public var letterID: String = ""
    /// The Sekretaris' paraf, once approved.
    public var sekretarisParaf: Paraf? = nil

    public init() {}

    public enum CodingKeys: Int, CodingKey {
        case draftID = 1, state = 2, revision = 3, revisionDigest = 4, subject = 5, draftingUnit = 6, drafter = 7
        case submittedAt = 8, rounds = 9, content = 10, letterID = 11, sekretarisParaf = 12
    }
}

/// One entry of the Sekretaris' queue.
public struct ReviewQueueItem: Codable, Sendable, Hashable {
    public var draftID: String = ""
    public var revision: Int64 = 0
    public var revisionDigest: Data = Data()
    public var subject: String = ""
    public var draftingUnit: String = ""
    public var drafter: ActorIdentity = ActorIdentity()
    public var submittedAt: Date = Date(timeIntervalSince1970: 0)
    /// Seconds since submission, at the time of the query.
    public var ageSeconds: Int64 = 0
    public var round: Int32 = 0
    public var letterID: String = ""
    public var sifat: Sifat = .unspecified
    public var urgency: Urgency = .unspecified

    public init() {}

    public enum CodingKeys: Int, CodingKey {
        case draftID = 1, revision = 2, revisionDigest = 3, subject = 4, draftingUnit = 5, drafter = 6
        case submittedAt = 7, ageSeconds = 8, round = 9, letterID = 10, sifat = 11, urgency = 12
    }
}

public struct SubmitForReviewRequest: Codable, Sendable, Hashable {
    public var requestID: String = ""
    public var draftID: String = ""
    public var revision: Int64 = 0
    /// The initialled revision's content; its digest must equal `drafter_paraf.revision_digest`.
    public var content: LetterContent = LetterContent()
    /// The drafter's paraf as returned by drafting's ParafDraft.
    public var drafterParaf: Paraf = Paraf()
    public var letterID: String = ""

    public init(requestID: String = "", draftID: String = "", revision: Int64 = 0, content: LetterContent = LetterContent(),
                drafterParaf: Paraf = Paraf(), letterID: String = "") {
        self.requestID = requestID
        self.draftID = draftID
        self.revision = revision
        self.content = content
        self.drafterParaf = drafterParaf
        self.letterID = letterID
    }

    public enum CodingKeys: Int, CodingKey {
        case requestID = 1, draftID = 2, revision = 3, content = 4, drafterParaf = 5, letterID = 6
    }
}

public struct ListReviewQueueRequest: Codable, Sendable, Hashable {
    /// 1-500; 0 = 50.
    public var pageSize: Int32 = 0
    public var pageToken: String = ""
    /// Optional filter.
    public var draftingUnit: String = ""

    public init(pageSize: Int32 = 0, pageToken: String = "", draftingUnit: String = "") {
        self.pageSize = pageSize
        self.pageToken = pageToken
        self.draftingUnit = draftingUnit
    }

    public enum CodingKeys: Int, CodingKey { case pageSize = 1, pageToken = 2, draftingUnit = 3 }
}

public struct ListReviewQueueResponse: Codable, Sendable, Hashable {
    /// Oldest submission first.
    public var items: [ReviewQueueItem] = []
    public var nextPageToken: String = ""

    public init(items: [ReviewQueueItem] = [], nextPageToken: String = "") {
        self.items = items
        self.nextPageToken = nextPageToken
    }

    public enum CodingKeys: Int, CodingKey { case items = 1, nextPageToken = 2 }
}

public struct ApproveRequest: Codable, Sendable, Hashable {
    public var requestID: String = ""
    public var draftID: String = ""
    /// Must be the digest of the latest initialled revision, else FAILED_PRECONDITION.
    public var revisionDigest: Data = Data()
    public var notes: String = ""

    public init(requestID: String = "", draftID: String = "", revisionDigest: Data = Data(), notes: String = "") {
        self.requestID = requestID
        self.draftID = draftID
        self.revisionDigest = revisionDigest
        self.notes = notes
    }

    public enum CodingKeys: Int, CodingKey { case requestID = 1, draftID = 2, revisionDigest = 3, notes = 4 }
}

public struct ApproveResponse: Codable, Sendable, Hashable {
    public var review: Review = Review()
    /// The Sekretaris' paraf on the approved digest.
    public var paraf: Paraf = Paraf()

    public init(review: Review = Review(), paraf: Paraf = Paraf()) {
        self.review = review
        self.paraf = paraf
    }

    public enum CodingKeys: Int, CodingKey { case review = 1, paraf = 2 }
}

public struct ReturnDraftRequest: Codable, Sendable, Hashable {
    public var requestID: String = ""
    public var draftID: String = ""
    /// The digest the Sekretaris reviewed; must be the pending one.
    public var revisionDigest: Data = Data()
    /// Required: what the drafter must fix.
    public var notes: String = ""

    public init(requestID: String = "", draftID: String = "", revisionDigest: Data = Data(), notes: String = "") {
        self.requestID = requestID
        self.draftID = draftID
        self.revisionDigest = revisionDigest
        self.notes = notes
    }

    public enum CodingKeys: Int, CodingKey { case requestID = 1, draftID = 2, revisionDigest = 3, notes = 4 }
}

public struct GetReviewRequest: Codable, Sendable, Hashable {
    public var draftID: String = ""

    public init(draftID: String = "") { self.draftID = draftID }

    public enum CodingKeys: Int, CodingKey { case draftID = 1 }
}
