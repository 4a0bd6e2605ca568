import Domain
import Foundation
import GRDB
@testable import RegistryCore
import ServiceKit
import Testing
import Wire

/// ImportRegistrations on ServiceKit's exactly-once rule (issue 12): the import and its stored reply
/// commit in one transaction; a retry by request id, or the same import of the same letters by the
/// same admin under a new request id, gets the first reply's bytes and imports nothing.
@Suite("ImportRegistrations: exactly once", .timeLimit(.minutes(10)))
struct ImportExactlyOnceTests {
    /// The call the service makes, for a stand-in request of `held.count` items.
    static func call(_ requestId: String, _ held: [HeldRegistration], actor: String = "admin-1") throws -> RegistryStore.ImportCall {
        var request = RegistryAPI.ImportRegistrationsRequest()
        request.requestID = requestId
        request.registrations = held.map { _ in RegistryAPI.HeldRegistration() }
        return try RegistryStore.ImportCall(request, held: held, actor: actor) { report in
            var response = RegistryAPI.ImportRegistrationsResponse()
            response.imported = Int32(report.imported.count)
            response.alreadyPresent = Int32(report.alreadyPresent)
            return response
        }
    }

    @Test func retryAndRepeatGetTheFirstReply() async throws {
        let setup = try await RestoreAndReconcileTests.restore(before: 2, after: 3)
        defer { setup.remove() }
        let store = setup.restored.store
        let held = setup.lost.map(RestoreAndReconcileTests.held)
        let (report, first) = try await store.importRegistrations(held, once: Self.call("import-1", held))
        #expect(report?.imported.count == 3)
        let firstAnswer = try #require(first)
        #expect(firstAnswer.source == .performed && firstAnswer.response.imported == 3)
        let stored = try await store.pool.read { db in
            try Data.fetchOne(db, sql: "SELECT response FROM idempotency WHERE method = ? AND request_id = ?",
                              arguments: [RegistryStore.importMethod, "import-1"])
        }
        #expect(try stored == Data(ProtobufEncoder().encode(firstAnswer.response)))
        // Retry by request id: the stored reply (imported = 3), nothing imported again.
        let (noReport, retry) = try await store.importRegistrations(held, once: Self.call("import-1", held))
        #expect(noReport == nil && retry?.source == .requestID && retry?.response == firstAnswer.response)
        // The same import of the same letters by the same admin under a new request id: the first reply.
        let (_, repeated) = try await store.importRegistrations(held, once: Self.call("import-2", held))
        #expect(repeated?.source == .naturalKey && repeated?.response == firstAnswer.response)
        // Another admin: not a replay; answered from the data (already present).
        let (_, other) = try await store.importRegistrations(held, once: Self.call("import-3", held, actor: "admin-2"))
        #expect(other?.source == .performed && other?.response.imported == 0 && other?.response.alreadyPresent == 3)
    }

    @Test func aUsedRequestIdWithAnotherRequestIsRefused() async throws {
        let setup = try await RestoreAndReconcileTests.restore(before: 1, after: 2)
        defer { setup.remove() }
        let held = setup.lost.map(RestoreAndReconcileTests.held)
        _ = try await setup.restored.store.importRegistrations(held, once: Self.call("import-1", held))
        let mismatch = await #expect(throws: InvalidFieldError.self) {
            try await setup.restored.store.importRegistrations(Array(held.prefix(1)), once: Self.call("import-1", Array(held.prefix(1))))
        }
        #expect(mismatch?.field == "request_id")
    }
}
