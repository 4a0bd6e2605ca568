import Domain
import DraftingCore
import Foundation
import RPC
import Testing

/// Simultaneous callers: the database serializes writers, the rules decide who wins.
@Suite("Drafting under concurrent callers", .timeLimit(.minutes(10)))
struct DraftingConcurrencyTests {
    @Test("of many simultaneous edits from the same revision exactly one wins; the rest are ABORTED")
    func simultaneousEdits() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let draft = try await harness.create()
        let outcomes = await withTaskGroup(of: RPCError.Code?.self) { group in
            for index in 0..<8 {
                group.addTask {
                    await statusCode { try await harness.update(draft, Letters.content(body: "Versi \(index)"), base: 1) }?.0
                }
            }
            var all: [RPCError.Code?] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        #expect(outcomes.filter { $0 == nil }.count == 1)
        #expect(outcomes.filter { $0 == .aborted }.count == 7)
        let final = try await harness.drafting(DraftingAPI.getDraft, GetDraftRequest(draftID: draft.id), as: People.drafter)
        #expect(final.latestRevision == 2)
        #expect(final.revisions.count == 2)
    }

    @Test("simultaneous retries of one create make one draft and all get the same answer")
    func simultaneousRetries() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let request = CreateDraftRequest(requestID: "same-request", content: Letters.content())
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask { try await harness.drafting(DraftingAPI.createDraft, request, as: People.drafter).id }
            }
            var all: [String] = []
            for try await id in group { all.append(id) }
            return all
        }
        #expect(Set(ids).count == 1)
        let list = try await harness.drafting(DraftingAPI.listDrafts, ListDraftsRequest(), as: People.drafter)
        #expect(list.drafts.map(\.id) == [ids[0]])
    }

    @Test("a paraf racing an edit: whichever commits first decides, the other fails cleanly")
    func parafRacesEdit() async throws {
        let harness = try await Harness()
        defer { Task { await harness.stop() } }
        let draft = try await harness.create()
        async let edit = statusCode { try await harness.update(draft, Letters.content(body: "late edit"), base: 1) }
        async let paraf = statusCode { try await harness.paraf(draft) }
        let (editOutcome, parafOutcome) = await (edit, paraf)
        let final = try await harness.drafting(DraftingAPI.getDraft, GetDraftRequest(draftID: draft.id), as: People.drafter)
        if parafOutcome == nil {
            // Paraf first: the revision is locked, the edit is refused.
            #expect(editOutcome?.0 == .failedPrecondition)
            #expect(final.state == .initialled && final.latestRevision == 1)
        } else {
            // Edit first: the paraf named a stale revision.
            #expect(parafOutcome?.0 == .aborted)
            #expect(editOutcome == nil)
            #expect(final.state == .editing && final.latestRevision == 2)
        }
    }
}
