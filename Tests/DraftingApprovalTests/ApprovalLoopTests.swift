import ApprovalCore
import Domain
import DraftingCore
import Foundation
import RPC
import ServiceKit
import Testing

/// SOP steps 2-3 end to end over real RPC, and every approval rule.
@Suite("Drafting and approval loop", .timeLimit(.minutes(10)))
struct ApprovalLoopTests {
    @Test("create, edit, concurrent edit conflict, paraf, approve")
    func happyPath() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let created = try await harness.create()
        let edited = try await harness.update(created, Letters.content(body: "Dengan hormat, rapat diadakan Senin."))
        let conflict = await statusCode { try await harness.update(created, Letters.content(body: "stale"), as: People.drafter2) }
        #expect(conflict?.0 == .aborted)
        let (initialled, review) = try await harness.parafAndSubmit(edited)
        #expect(review.state == .pending)
        #expect(review.revision == 2)
        #expect(review.revisionDigest == edited.latestDigest)
        #expect(review.rounds.count == 1)

        let queue = try await harness.approval(ApprovalAPI.listReviewQueue, ListReviewQueueRequest(), as: People.sekretaris)
        #expect(queue.items.map(\.draftID) == [created.id])

        let approved = try await harness.approve(created.id, digest: initialled.paraf.revisionDigest)
        #expect(approved.review.state == .approved)
        #expect(approved.paraf.role == "sekretaris")
        #expect(approved.paraf.actor.id == People.sekretaris.id)
        #expect(approved.paraf.revisionDigest == initialled.paraf.revisionDigest)
        #expect(approved.review.sekretarisParaf == approved.paraf)
        #expect(approved.review.content == edited.latest?.content)
        #expect(try approved.review.content.digest() == approved.paraf.revisionDigest)
        let emptyQueue = try await harness.approval(ApprovalAPI.listReviewQueue, ListReviewQueueRequest(), as: People.sekretaris)
        #expect(emptyQueue.items.isEmpty)
    }

    @Test("create, paraf, return with notes, edit, paraf, approve: the full history is kept")
    func returnLoop() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let created = try await harness.create()
        let (first, _) = try await harness.parafAndSubmit(created)
        let (returned, reopened) = try await harness.returnDraft(created.id, digest: first.paraf.revisionDigest, notes: "Tembusan kurang Camat")
        #expect(returned.state == .returned)
        #expect(reopened.state == .returned)
        #expect(reopened.returns.map(\.notes) == ["Tembusan kurang Camat"])
        // Approving the returned revision is no longer possible.
        let stale = await statusCode { try await harness.approve(created.id, digest: first.paraf.revisionDigest) }
        #expect(stale?.0 == .failedPrecondition)

        var fixed = Letters.content()
        fixed.tembusan.append("Camat Sooko")
        let edited = try await harness.update(reopened, fixed)
        let (second, review) = try await harness.parafAndSubmit(edited)
        #expect(review.rounds.count == 2)
        #expect(second.paraf.revision == 2)
        // Round 2 again: return once more, then approve round 3.
        let (_, reopenedAgain) = try await harness.returnDraft(created.id, digest: second.paraf.revisionDigest, notes: "Perihal terlalu panjang")
        var shorter = fixed
        shorter.subject = "Undangan Rapat"
        let (third, _) = try await harness.parafAndSubmit(try await harness.update(reopenedAgain, shorter))
        // The first initialled digest is not the latest initialled revision.
        #expect(await statusCode { try await harness.approve(created.id, digest: first.paraf.revisionDigest) }?.0 == .failedPrecondition)
        let approved = try await harness.approve(created.id, digest: third.paraf.revisionDigest)
        #expect(approved.review.state == .approved)

        let history = try await harness.approval(ApprovalAPI.getReview, GetReviewRequest(draftID: created.id), as: People.drafter)
        #expect(history.rounds.map(\.outcome) == [.returned, .returned, .approved])
        #expect(history.rounds.map(\.notes) == ["Tembusan kurang Camat", "Perihal terlalu panjang", ""])
        #expect(history.rounds.map(\.revision) == [1, 2, 3])
        #expect(history.rounds.map(\.drafterParaf.revisionDigest) == [first.paraf.revisionDigest, second.paraf.revisionDigest, third.paraf.revisionDigest])
        #expect(history.rounds.last?.sekretarisParaf == approved.paraf)
        let draft = try await harness.drafting(DraftingAPI.getDraft, GetDraftRequest(draftID: created.id), as: People.drafter)
        #expect(draft.revisions.count == 3)
        #expect(draft.parafs.count == 3)
        #expect(draft.returns.map(\.notes) == ["Tembusan kurang Camat", "Perihal terlalu panjang"])
    }

    @Test("only the Sekretaris or the acting Plh may approve or return")
    func roles() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let created = try await harness.create()
        let (initialled, _) = try await harness.parafAndSubmit(created)
        let digest = initialled.paraf.revisionDigest
        for actor in [People.drafter, People.camat, People.stafUmum] {
            let approve = await statusCode { try await harness.approve(created.id, digest: digest, as: actor) }
            #expect(approve?.0 == .permissionDenied)
            #expect(approve?.1.contains("sekretaris") == true)
            let returned = await statusCode { try await harness.returnDraft(created.id, digest: digest, notes: "x", as: actor) }
            #expect(returned?.0 == .permissionDenied)
        }
        let approved = try await harness.approve(created.id, digest: digest, as: People.plhSekretaris)
        #expect(approved.paraf.actor.actingFor == "sekcam-1")
        #expect(approved.paraf.actor.id == "kasi-pem")
    }

    @Test("approve needs exactly the pending initialled digest")
    func wrongDigest() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let created = try await harness.create()
        _ = try await harness.parafAndSubmit(created)
        let other = await statusCode { try await harness.approve(created.id, digest: Data(repeating: 9, count: 32)) }
        #expect(other?.0 == .failedPrecondition)
        #expect(other?.1.contains("not the latest initialled revision") == true)
        let short = await statusCode { try await harness.approve(created.id, digest: Data([1, 2, 3])) }
        #expect(short?.0 == .invalidArgument)
        #expect(short?.1.hasPrefix("revision_digest") == true)
        #expect(await statusCode { try await harness.approve("unknown", digest: Data(repeating: 9, count: 32)) }?.0 == .notFound)
        let review = try await harness.approval(ApprovalAPI.getReview, GetReviewRequest(draftID: created.id), as: People.sekretaris)
        #expect(review.state == .pending)
    }

    @Test("return without notes is INVALID_ARGUMENT naming notes, and changes nothing")
    func returnNeedsNotes() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let created = try await harness.create()
        let (initialled, _) = try await harness.parafAndSubmit(created)
        for notes in ["", "   \n"] {
            let failure = await statusCode {
                try await harness.approval(ApprovalAPI.returnDraft, ReturnDraftRequest(requestID: UUID().uuidString, draftID: created.id, revisionDigest: initialled.paraf.revisionDigest, notes: notes), as: People.sekretaris)
            }
            #expect(failure?.0 == .invalidArgument)
            #expect(failure?.1.hasPrefix("notes") == true)
        }
        let tooLong = await statusCode {
            try await harness.approval(ApprovalAPI.returnDraft, ReturnDraftRequest(requestID: UUID().uuidString, draftID: created.id, revisionDigest: initialled.paraf.revisionDigest, notes: String(repeating: "n", count: 5001)), as: People.sekretaris)
        }
        #expect(tooLong?.0 == .invalidArgument)
        let review = try await harness.approval(ApprovalAPI.getReview, GetReviewRequest(draftID: created.id), as: People.sekretaris)
        #expect(review.state == .pending)
        #expect(review.rounds.count == 1)
    }

    @Test("approved drafts cannot be returned, re-approved by someone else or re-submitted; the same approval again gets the first reply")
    func decidedIsFinal() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let created = try await harness.create()
        let (initialled, _) = try await harness.parafAndSubmit(created)
        let digest = initialled.paraf.revisionDigest
        let approved = try await harness.approve(created.id, digest: digest)
        // The same Sekretaris again under a new request id: the first reply (natural key); a Plh is refused.
        #expect(try await harness.approve(created.id, digest: digest) == approved)
        #expect(await statusCode { try await harness.approve(created.id, digest: digest, as: People.plhSekretaris) }?.0 == .failedPrecondition)
        #expect(await statusCode {
            try await harness.approval(ApprovalAPI.returnDraft, ReturnDraftRequest(requestID: UUID().uuidString, draftID: created.id, revisionDigest: digest, notes: "late"), as: People.sekretaris)
        }?.0 == .failedPrecondition)
        let revision = try #require(initialled.draft.revisions.last)
        #expect(await statusCode {
            try await harness.approval(ApprovalAPI.submitForReview, SubmitForReviewRequest(requestID: UUID().uuidString, draftID: created.id, revision: revision.number, content: revision.content, drafterParaf: initialled.paraf), as: People.drafter)
        }?.0 == .failedPrecondition)
    }

    @Test("a retried approve returns the same paraf; the request id cannot be reused for another call")
    func idempotentApprove() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let created = try await harness.create()
        let (initialled, _) = try await harness.parafAndSubmit(created)
        let first = try await harness.approve(created.id, digest: initialled.paraf.revisionDigest, requestID: "approve-1")
        harness.clock.advance(seconds: 60)
        let retry = try await harness.approve(created.id, digest: initialled.paraf.revisionDigest, requestID: "approve-1")
        #expect(retry == first)
        let review = try await harness.approval(ApprovalAPI.getReview, GetReviewRequest(draftID: created.id), as: People.sekretaris)
        #expect(review.rounds.count == 1)
        let reuse = await statusCode {
            try await harness.approval(ApprovalAPI.approve, ApproveRequest(requestID: "approve-1", draftID: created.id, revisionDigest: initialled.paraf.revisionDigest, notes: "different"), as: People.sekretaris)
        }
        #expect(reuse?.0 == .invalidArgument)
        #expect(reuse?.1.hasPrefix("request_id") == true)
    }

    @Test("submission must carry the initialled content unchanged and a drafter's paraf")
    func submissionChecks() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let created = try await harness.create()
        let initialled = try await harness.paraf(created)
        let revision = try #require(initialled.draft.revisions.last)
        var tampered = revision.content
        tampered.body += " (diubah)"
        func submit(_ content: LetterContent, _ paraf: Paraf, revision number: Int64 = 1) async -> (RPCError.Code, String)? {
            await statusCode {
                try await harness.approval(ApprovalAPI.submitForReview, SubmitForReviewRequest(requestID: UUID().uuidString, draftID: created.id, revision: number, content: content, drafterParaf: paraf), as: People.drafter)
            }
        }
        let changed = await submit(tampered, initialled.paraf)
        #expect(changed?.0 == .invalidArgument)
        #expect(changed?.1.hasPrefix("content") == true)
        var notDrafter = initialled.paraf
        notDrafter.role = "sekretaris"
        #expect(await submit(revision.content, notDrafter)?.1.hasPrefix("drafter_paraf.role") == true)
        #expect(await submit(revision.content, initialled.paraf, revision: 2)?.1.hasPrefix("drafter_paraf.revision") == true)
        var invalid = revision.content
        invalid.classificationCode = "1234"
        #expect(await submit(invalid, initialled.paraf)?.1.hasPrefix("content.classification_code") == true)
        #expect(await statusCode {
            try await harness.approval(ApprovalAPI.submitForReview, SubmitForReviewRequest(requestID: UUID().uuidString, draftID: created.id, revision: 1, content: revision.content, drafterParaf: initialled.paraf), as: People.sekretaris)
        }?.0 == .permissionDenied)
        // The real submission works, and submitting the same revision again changes nothing.
        let review = try await harness.approval(ApprovalAPI.submitForReview, SubmitForReviewRequest(requestID: "s-1", draftID: created.id, revision: 1, content: revision.content, drafterParaf: initialled.paraf), as: People.drafter)
        let again = try await harness.approval(ApprovalAPI.submitForReview, SubmitForReviewRequest(requestID: "s-2", draftID: created.id, revision: 1, content: revision.content, drafterParaf: initialled.paraf), as: People.drafter)
        #expect(again == review)
    }

    @Test("the queue is oldest first, with ages, filters and pages")
    func queueOrder() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        var ids: [String] = []
        for index in 0..<4 {
            var content = Letters.content(subject: "Surat \(index)")
            content.draftingUnit = index == 2 ? "Subag Umum" : "Seksi Pemerintahan"
            let draft = try await harness.create(content)
            _ = try await harness.parafAndSubmit(draft)
            ids.append(draft.id)
            harness.clock.advance(seconds: 60)
        }
        // Returning and re-submitting the oldest moves it to the back of the queue.
        let oldest = try await harness.approval(ApprovalAPI.getReview, GetReviewRequest(draftID: ids[0]), as: People.sekretaris)
        let (_, reopened) = try await harness.returnDraft(ids[0], digest: oldest.revisionDigest, notes: "Lampiran kurang")
        _ = try await harness.parafAndSubmit(try await harness.update(reopened, Letters.content(subject: "Surat 0 revisi")))
        harness.clock.advance(seconds: 30)

        let queue = try await harness.approval(ApprovalAPI.listReviewQueue, ListReviewQueueRequest(), as: People.sekretaris)
        #expect(queue.items.map(\.draftID) == [ids[1], ids[2], ids[3], ids[0]])
        #expect(queue.items.map(\.ageSeconds) == [210, 150, 90, 30])
        #expect(queue.items.last?.round == 2)
        #expect(queue.items.first?.urgency == .segera)
        let unit = try await harness.approval(ApprovalAPI.listReviewQueue, ListReviewQueueRequest(draftingUnit: "Subag Umum"), as: People.sekretaris)
        #expect(unit.items.map(\.draftID) == [ids[2]])
        var paged: [String] = []
        var token = ""
        repeat {
            let page = try await harness.approval(ApprovalAPI.listReviewQueue, ListReviewQueueRequest(pageSize: 3, pageToken: token), as: People.sekretaris)
            paged += page.items.map(\.draftID)
            token = page.nextPageToken
        } while !token.isEmpty
        #expect(paged == queue.items.map(\.draftID))
    }
}
