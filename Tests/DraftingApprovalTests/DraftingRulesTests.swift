import Domain
import DraftingCore
import Foundation
import RPC
import ServiceKit
import Testing

/// SOP step 2 rules of the drafting service, each over real RPC against an in-process server.
@Suite("Drafting service rules", .timeLimit(.minutes(10)))
struct DraftingRulesTests {
    @Test("create makes revision 1 whose digest is the content digest")
    func create() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let draft = try await harness.create()
        #expect(draft.state == .editing)
        #expect(draft.latestRevision == 1)
        #expect(draft.drafter.id == People.drafter.id)
        let revision = try #require(draft.revisions.first)
        #expect(revision.digest == draft.latestDigest)
        #expect(try revision.content.digest() == revision.digest)
        // Attachment digests are filled in by the service.
        #expect(revision.content.attachments[0].sha256 == revision.content.attachments[0].computedSHA256)
        let fetched = try await harness.drafting(DraftingAPI.getDraft, GetDraftRequest(draftID: draft.id), as: People.sekretaris)
        #expect(fetched == draft)
    }

    @Test("edits make new revisions; an edit from a stale revision is ABORTED")
    func optimisticConcurrency() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let draft = try await harness.create()
        // Two people load revision 1; the first edit wins, the second is rejected.
        let first = try await harness.update(draft, Letters.content(body: "Versi A"), base: 1)
        #expect(first.latestRevision == 2)
        #expect(first.revisions.map(\.basedOn) == [0, 1])
        let conflict = await statusCode { try await harness.update(draft, Letters.content(body: "Versi B"), base: 1, as: People.drafter2) }
        #expect(conflict?.0 == .aborted)
        #expect(conflict?.1.contains("revision 2") == true)
        let current = try await harness.drafting(DraftingAPI.getDraft, GetDraftRequest(draftID: draft.id), as: People.drafter)
        #expect(current.latestRevision == 2)
        #expect(current.latest?.content.body == "Versi A")
        // Reloaded, the second person's edit goes through on top.
        let second = try await harness.update(current, Letters.content(body: "Versi B"), as: People.drafter2)
        #expect(second.latestRevision == 3)
        #expect(second.revisions.map(\.author.id) == ["drafter-1", "drafter-1", "drafter-2"])
    }

    @Test("paraf locks the revision: edits and another drafter's paraf are FAILED_PRECONDITION; the same paraf again gets the first reply")
    func parafLocks() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let draft = try await harness.create()
        let initialled = try await harness.paraf(draft)
        #expect(initialled.draft.state == .initialled)
        #expect(initialled.paraf.revisionDigest == draft.latestDigest)
        #expect(initialled.paraf.revision == 1)
        #expect(initialled.paraf.actor.id == People.drafter.id)
        #expect(initialled.paraf.role == "drafter")
        let edit = await statusCode { try await harness.update(initialled.draft, Letters.content(body: "late change")) }
        #expect(edit?.0 == .failedPrecondition)
        // The same drafter again under a new request id: the first reply (natural key), no second paraf.
        let again = try await harness.paraf(initialled.draft)
        #expect(again == initialled)
        let other = await statusCode { try await harness.paraf(initialled.draft, as: People.drafter2) }
        #expect(other?.0 == .failedPrecondition)
        let fetched = try await harness.drafting(DraftingAPI.getDraft, GetDraftRequest(draftID: draft.id), as: People.drafter)
        #expect(fetched.revisions.count == 1)
        #expect(fetched.parafs == [initialled.paraf])
    }

    @Test("paraf on a stale revision is ABORTED; on a wrong digest INVALID_ARGUMENT")
    func parafStale() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let draft = try await harness.create()
        _ = try await harness.update(draft, Letters.content(body: "newer"))
        let stale = await statusCode { try await harness.paraf(draft) }
        #expect(stale?.0 == .aborted)
        let wrongDigest = await statusCode {
            try await harness.drafting(DraftingAPI.parafDraft, ParafDraftRequest(requestID: "p-1", draftID: draft.id, revision: 2, revisionDigest: Data(repeating: 7, count: 32)), as: People.drafter)
        }
        #expect(wrongDigest?.0 == .invalidArgument)
        #expect(wrongDigest?.1.contains("revision_digest") == true)
    }

    @Test("a return unlocks the draft with notes; the next edit is a new revision; re-initialling the returned revision is refused")
    func returnAndEdit() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let draft = try await harness.create()
        let initialled = try await harness.paraf(draft)
        let reopened = try await harness.drafting(DraftingAPI.reopenDraft, ReopenDraftRequest(
            requestID: "r-1", draftID: draft.id, revisionDigest: initialled.paraf.revisionDigest, notes: "Perbaiki tanggal rapat"), as: People.sekretaris)
        #expect(reopened.state == .returned)
        #expect(reopened.returns.map(\.notes) == ["Perbaiki tanggal rapat"])
        #expect(reopened.returns.first?.returnedBy.id == People.sekretaris.id)
        let unchanged = await statusCode { try await harness.paraf(reopened) }
        #expect(unchanged?.0 == .failedPrecondition)
        let edited = try await harness.update(reopened, Letters.content(body: "Tanggal diperbaiki"))
        #expect(edited.state == .editing)
        #expect(edited.latestRevision == 2)
        #expect(edited.revisions[0].digest == initialled.paraf.revisionDigest)
        let second = try await harness.paraf(edited)
        #expect(second.paraf.revision == 2)
        #expect(second.draft.parafs.count == 2)
    }

    @Test("reopen needs the initialled digest, an initialled draft, and notes")
    func reopenRules() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let draft = try await harness.create()
        let notInitialled = await statusCode {
            try await harness.drafting(DraftingAPI.reopenDraft, ReopenDraftRequest(requestID: "r-1", draftID: draft.id, revisionDigest: draft.latestDigest, notes: "x"), as: People.sekretaris)
        }
        #expect(notInitialled?.0 == .failedPrecondition)
        _ = try await harness.paraf(draft)
        let wrongDigest = await statusCode {
            try await harness.drafting(DraftingAPI.reopenDraft, ReopenDraftRequest(requestID: "r-2", draftID: draft.id, revisionDigest: Data(repeating: 1, count: 32), notes: "x"), as: People.sekretaris)
        }
        #expect(wrongDigest?.0 == .failedPrecondition)
        let noNotes = await statusCode {
            try await harness.drafting(DraftingAPI.reopenDraft, ReopenDraftRequest(requestID: "r-3", draftID: draft.id, revisionDigest: draft.latestDigest, notes: " "), as: People.sekretaris)
        }
        #expect(noNotes?.0 == .invalidArgument)
        #expect(noNotes?.1.hasPrefix("notes") == true)
    }

    @Test("roles: only drafters create, edit and initial; only the Sekretaris reopens")
    func roles() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        for actor in [People.stafUmum, People.sekretaris, People.camat] {
            let denied = await statusCode { try await harness.create(as: actor) }
            #expect(denied?.0 == .permissionDenied)
            #expect(denied?.1.contains("drafter") == true)
        }
        let draft = try await harness.create()
        #expect(await statusCode { try await harness.update(draft, Letters.content(body: "x"), as: People.camat) }?.0 == .permissionDenied)
        #expect(await statusCode { try await harness.paraf(draft, as: People.sekretaris) }?.0 == .permissionDenied)
        _ = try await harness.paraf(draft)
        let reopenByDrafter = await statusCode {
            try await harness.drafting(DraftingAPI.reopenDraft, ReopenDraftRequest(requestID: "r-1", draftID: draft.id, revisionDigest: draft.latestDigest, notes: "self-return"), as: People.drafter)
        }
        #expect(reopenByDrafter?.0 == .permissionDenied)
        #expect(reopenByDrafter?.1.contains("sekretaris") == true)
    }

    @Test("calls without a valid service token or acting user are UNAUTHENTICATED")
    func authentication() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let request = GetDraftRequest(draftID: "x")
        #expect(await statusCode { try await harness.draftingClient.call(DraftingAPI.getDraft, request) }?.0 == .unauthenticated)
        #expect(await statusCode { try await harness.draftingClient.call(DraftingAPI.getDraft, request, metadata: ServiceMetadata.make(token: "wrong", actor: People.drafter)) }?.0 == .unauthenticated)
        #expect(await statusCode { try await harness.draftingClient.call(DraftingAPI.getDraft, request, metadata: ServiceMetadata.make(token: Harness.token, actor: nil)) }?.0 == .unauthenticated)
    }

    enum BadInput: String, CaseIterable, Sendable {
        case shortCode, badDottedCode, longSubject, longBody, bigAttachment, noAddressees, noSifat

        var field: String {
            switch self {
            case .shortCode, .badDottedCode: "content.classification_code"
            case .longSubject: "content.subject"
            case .longBody: "content.body"
            case .bigAttachment: "content.attachments[0].content"
            case .noAddressees: "content.addressees"
            case .noSifat: "content.sifat"
            }
        }

        func apply(_ content: inout LetterContent) {
            switch self {
            case .shortCode: content.classificationCode = "65"
            case .badDottedCode: content.classificationCode = "000.8.x"
            case .longSubject: content.subject = String(repeating: "perihal ", count: 100)
            case .longBody: content.body = String(repeating: "x", count: 100_001)
            case .bigAttachment: content.attachments[0].content = Data(count: (1 << 20) + 1)
            case .noAddressees: content.addressees = []
            case .noSifat: content.sifat = .unspecified
            }
        }
    }

    @Test("bad input is INVALID_ARGUMENT naming the field", arguments: BadInput.allCases)
    func invalidContent(input: BadInput) async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        var content = Letters.content()
        input.apply(&content)
        let failure = await statusCode { try await harness.create(content) }
        #expect(failure?.0 == .invalidArgument)
        #expect(failure?.1.hasPrefix(input.field) == true, "\(String(describing: failure))")
        let list = try await harness.drafting(DraftingAPI.listDrafts, ListDraftsRequest(), as: People.drafter)
        #expect(list.drafts.isEmpty)
    }

    @Test("a retry with the same request id returns the first result and creates nothing new")
    func idempotentCreate() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let request = CreateDraftRequest(requestID: "create-1", content: Letters.content(), letterID: "L-1")
        let first = try await harness.drafting(DraftingAPI.createDraft, request, as: People.drafter)
        let retry = try await harness.drafting(DraftingAPI.createDraft, request, as: People.drafter)
        #expect(first == retry)
        let list = try await harness.drafting(DraftingAPI.listDrafts, ListDraftsRequest(), as: People.drafter)
        #expect(list.drafts.map(\.id) == [first.id])
        var different = request
        different.content.subject = "Lain"
        let reuse = await statusCode { try await harness.drafting(DraftingAPI.createDraft, different, as: People.drafter) }
        #expect(reuse?.0 == .invalidArgument)
        #expect(reuse?.1.hasPrefix("request_id") == true)
        let missing = await statusCode { try await harness.drafting(DraftingAPI.createDraft, CreateDraftRequest(content: Letters.content()), as: People.drafter) }
        #expect(missing?.0 == .invalidArgument)
        #expect(missing?.1.hasPrefix("request_id") == true)
    }

    @Test("retried edit and paraf do not make a second revision or paraf")
    func idempotentEditAndParaf() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let draft = try await harness.create()
        let edit = UpdateDraftRequest(requestID: "edit-1", draftID: draft.id, baseRevision: 1, content: Letters.content(body: "v2"))
        let edited = try await harness.drafting(DraftingAPI.updateDraft, edit, as: People.drafter)
        // The retry would be ABORTED if it ran again (base 1 is stale); it returns the stored result.
        #expect(try await harness.drafting(DraftingAPI.updateDraft, edit, as: People.drafter) == edited)
        let paraf = ParafDraftRequest(requestID: "paraf-1", draftID: draft.id, revision: 2, revisionDigest: edited.latestDigest)
        let first = try await harness.drafting(DraftingAPI.parafDraft, paraf, as: People.drafter)
        #expect(try await harness.drafting(DraftingAPI.parafDraft, paraf, as: People.drafter) == first)
        let fetched = try await harness.drafting(DraftingAPI.getDraft, GetDraftRequest(draftID: draft.id), as: People.drafter)
        #expect(fetched.revisions.count == 2)
        #expect(fetched.parafs.count == 1)
    }

    @Test("list filters by state, unit and drafter and pages oldest first")
    func listing() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        var ids: [String] = []
        for index in 0..<5 {
            var content = Letters.content(subject: "Surat \(index)")
            content.draftingUnit = index % 2 == 0 ? "Seksi Pemerintahan" : "Subag Umum"
            ids.append(try await harness.create(content, as: index < 3 ? People.drafter : People.drafter2).id)
        }
        _ = try await harness.paraf(try await harness.drafting(DraftingAPI.getDraft, GetDraftRequest(draftID: ids[0]), as: People.drafter))
        var seen: [String] = []
        var token = ""
        repeat {
            let page = try await harness.drafting(DraftingAPI.listDrafts, ListDraftsRequest(pageSize: 2, pageToken: token), as: People.drafter)
            #expect(page.drafts.count <= 2)
            seen += page.drafts.map(\.id)
            token = page.nextPageToken
        } while !token.isEmpty
        #expect(seen == ids)
        let initialled = try await harness.drafting(DraftingAPI.listDrafts, ListDraftsRequest(state: .initialled), as: People.drafter)
        #expect(initialled.drafts.map(\.id) == [ids[0]])
        let unit = try await harness.drafting(DraftingAPI.listDrafts, ListDraftsRequest(draftingUnit: "Subag Umum"), as: People.drafter)
        #expect(unit.drafts.map(\.id) == [ids[1], ids[3]])
        let byDrafter = try await harness.drafting(DraftingAPI.listDrafts, ListDraftsRequest(drafterID: "drafter-2"), as: People.drafter)
        #expect(byDrafter.drafts.map(\.id) == [ids[3], ids[4]])
        #expect(await statusCode { try await harness.drafting(DraftingAPI.listDrafts, ListDraftsRequest(pageSize: 501), as: People.drafter) }?.0 == .invalidArgument)
        #expect(await statusCode { try await harness.drafting(DraftingAPI.listDrafts, ListDraftsRequest(pageToken: "zz"), as: People.drafter) }?.0 == .invalidArgument)
    }

    @Test("unknown drafts are NOT_FOUND")
    func notFound() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        #expect(await statusCode { try await harness.drafting(DraftingAPI.getDraft, GetDraftRequest(draftID: "nope"), as: People.drafter) }?.0 == .notFound)
        #expect(await statusCode { try await harness.update(Draft(), Letters.content(), base: 1) }?.0 == .invalidArgument)
        var ghost = Draft()
        ghost.id = "nope"
        ghost.latestRevision = 1
        #expect(await statusCode { try await harness.update(ghost, Letters.content()) }?.0 == .notFound)
    }

    @Test("history: every revision listed, content on the latest; GetRevision returns any revision in full")
    func revisionHistory() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let created = try await harness.create(Letters.content(body: "satu"))
        let second = try await harness.update(created, Letters.content(body: "dua"))
        let third = try await harness.update(second, Letters.content(body: "tiga"))
        #expect(third.revisions.map(\.number) == [1, 2, 3])
        #expect(third.revisions.map(\.content.body) == ["", "", "tiga"])
        for (index, body) in ["satu", "dua", "tiga"].enumerated() {
            let revision = try await harness.drafting(DraftingAPI.getRevision, GetRevisionRequest(draftID: created.id, number: Int64(index + 1)), as: People.sekretaris)
            #expect(revision.content.body == body)
            #expect(try revision.content.digest() == revision.digest)
            #expect(revision.digest == third.revisions[index].digest)
        }
        #expect(await statusCode { try await harness.drafting(DraftingAPI.getRevision, GetRevisionRequest(draftID: created.id, number: 4), as: People.drafter) }?.0 == .notFound)
        #expect(await statusCode { try await harness.drafting(DraftingAPI.getRevision, GetRevisionRequest(draftID: created.id, number: 0), as: People.drafter) }?.0 == .invalidArgument)
    }

    @Test("a draft with many revisions of maximum-size attachments still fits one reply")
    func largeHistoryFits() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        var content = Letters.content()
        content.attachments = (0..<3).map { Attachment(name: "lampiran-\($0).pdf", mediaType: "application/pdf", content: Data(repeating: UInt8($0), count: 1 << 20)) }
        var draft = try await harness.create(content)
        for round in 0..<3 {
            content.body = "Revisi \(round)"
            draft = try await harness.update(draft, content)
        }
        let fetched = try await harness.drafting(DraftingAPI.getDraft, GetDraftRequest(draftID: draft.id), as: People.drafter)
        #expect(fetched.revisions.count == 4)
        #expect(fetched.latest?.content.attachments.map(\.content.count) == [1 << 20, 1 << 20, 1 << 20])
        let initialled = try await harness.paraf(fetched)
        #expect(initialled.draft.state == .initialled)
    }
}
