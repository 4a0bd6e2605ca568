import Domain
import Foundation
import GRDB
@testable import RegistryCore
import ServiceKit
import Testing
import Wire

/// CancelLetter and MarkDelivered on ServiceKit's exactly-once rule (issue 12, proto-notes/services.md
/// "Exactly once"), and the copy of the registry's old request log onto it.
@Suite("CancelLetter and MarkDelivered: exactly once", .timeLimit(.minutes(10)))
struct CorrectionsExactlyOnceTests {
    private func storedReply(_ fixture: RegistryFixture, method: String, requestId: String) async throws -> Data? {
        try await fixture.store.pool.read { db in
            try Data.fetchOne(db, sql: "SELECT response FROM idempotency WHERE method = ? AND request_id = ?", arguments: [method, requestId])
        }
    }

    private func encoded<T: Encodable>(_ value: T) throws -> Data { Data(try ProtobufEncoder().encode(value)) }

    @Test func cancelLetterReplaysByRequestIdAndNaturalKey() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let entry = try await fixture.store.register(fixture.request()).entry
        let first = try await fixture.store.cancel(requestId: "c-1", number: entry.number, letterId: nil, reason: "Salah alamat", actor: "staf")
        #expect(first.source == .performed && first.response.entry?.status == .cancelled)
        let stored = try #require(try await storedReply(fixture, method: RegistryStore.cancelMethod, requestId: "c-1"))
        #expect(try stored == encoded(first.response))
        // Retry by request id: the stored reply's bytes.
        let retry = try await fixture.store.cancel(requestId: "c-1", number: entry.number, letterId: nil, reason: "Salah alamat", actor: "staf")
        #expect(retry.source == .requestID)
        #expect(try encoded(retry.response) == stored)
        // The same cancellation under a new request id: the first answer, not FAILED_PRECONDITION.
        let again = try await fixture.store.cancel(requestId: "c-2", number: entry.number, letterId: nil, reason: "Salah alamat", actor: "staf")
        #expect(again.source == .naturalKey)
        #expect(try encoded(again.response) == stored)
        // Another actor, or another reason, is not a replay: the honest error.
        let other = await #expect(throws: RegistryError.self) {
            try await fixture.store.cancel(requestId: "c-3", number: entry.number, letterId: nil, reason: "Salah alamat", actor: "camat")
        }
        #expect(other?.kind == .failedPrecondition)
        // A used request id with a different request: INVALID_ARGUMENT naming request_id.
        let mismatch = await #expect(throws: InvalidFieldError.self) {
            try await fixture.store.cancel(requestId: "c-1", number: entry.number, letterId: nil, reason: "Lain", actor: "staf")
        }
        #expect(mismatch?.field == "request_id")
    }

    @Test func markDeliveredReplaysByRequestIdAndNaturalKey() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let entry = try await fixture.store.register(fixture.request(addressees: [Addressee(id: "dinas-b", name: "Dinas B")])).entry
        let first = try await fixture.store.markDelivered(requestId: "m-1", letterId: entry.letterId, addresseeId: "dinas-b",
                                                          note: "diantar kurir", actor: "staf")
        #expect(first.source == .performed && first.response.delivery?.state == .deliveredManually)
        #expect(first.response.delivery?.number == entry.number)
        let stored = try #require(try await storedReply(fixture, method: RegistryStore.markDeliveredMethod, requestId: "m-1"))
        #expect(try stored == encoded(first.response))
        let retry = try await fixture.store.markDelivered(requestId: "m-1", letterId: entry.letterId, addresseeId: "dinas-b",
                                                          note: "diantar kurir", actor: "staf")
        #expect(retry.source == .requestID)
        #expect(try encoded(retry.response) == stored)
        let again = try await fixture.store.markDelivered(requestId: "m-2", letterId: entry.letterId, addresseeId: "dinas-b",
                                                          note: "diantar kurir", actor: "staf")
        #expect(again.source == .naturalKey)
        #expect(try encoded(again.response) == stored)
        let otherNote = await #expect(throws: RegistryError.self) {
            try await fixture.store.markDelivered(requestId: "m-3", letterId: entry.letterId, addresseeId: "dinas-b", note: "lain", actor: "staf")
        }
        #expect(otherNote?.kind == .failedPrecondition)
        let mismatch = await #expect(throws: InvalidFieldError.self) {
            try await fixture.store.markDelivered(requestId: "m-1", letterId: entry.letterId, addresseeId: "dinas-b", note: "lain", actor: "staf")
        }
        #expect(mismatch?.field == "request_id")
    }

    /// A book written by the previous release (its own `request_log`, no stored replies for these
    /// methods): after the upgrade the old request ids are answered from stored replies, by request id
    /// and by natural key, and `request_log` keeps its rows.
    @Test func oldRequestLogIsCopiedOntoStoredReplies() async throws {
        let old = try RegistryFixture(addressBook: [:])
        let entry = try await old.store.register(old.request(addressees: [Addressee(id: "dinas-b", name: "Dinas B")])).entry
        let second = try await old.store.register(old.request()).entry
        let letterKey = entry.letterId.uuidString.lowercased()
        // What the previous release's CancelLetter and MarkDelivered wrote.
        try await old.store.pool.write { db in
            try db.execute(sql: "UPDATE delivery SET state = ?, delivered_at_ms = 1700000000000, delivered_by = 'staf', note = 'a|b' WHERE letter_id = ?",
                           arguments: [DeliveryState.deliveredManually.rawValue, letterKey])
            try db.execute(sql: "INSERT INTO request_log (request_id, method, fingerprint) VALUES ('old-m', 'MarkDelivered', ?)",
                           arguments: ["mark|\(letterKey)|dinas-b|a|b"])
            try db.execute(sql: "UPDATE agenda SET status = ?, cancel_reason = 'ralat', cancelled_at_ms = 1700000000000, cancelled_by = 'camat' WHERE number = ?",
                           arguments: [AgendaStatus.cancelled.rawValue, second.number])
            try db.execute(sql: "INSERT INTO request_log (request_id, method, fingerprint) VALUES ('old-c', 'CancelLetter', ?)",
                           arguments: ["cancel|\(second.number)||ralat"])
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = ?", arguments: [RegistryDatabase.requestLogCopyMigrationIdentifier])
        }
        old.store.shutdown()
        let fixture = try RegistryFixture(directory: old.directory)
        defer { fixture.remove() }
        let cancelled = try await fixture.store.cancel(requestId: "old-c", number: second.number, letterId: nil, reason: "ralat", actor: "camat")
        #expect(cancelled.source == .requestID && cancelled.response.entry?.cancelReason == "ralat")
        let byKey = try await fixture.store.cancel(requestId: "new-c", number: second.number, letterId: nil, reason: "ralat", actor: "camat")
        #expect(byKey.source == .naturalKey && byKey.response == cancelled.response)
        let marked = try await fixture.store.markDelivered(requestId: "old-m", letterId: entry.letterId, addresseeId: "dinas-b", note: "a|b", actor: "staf")
        #expect(marked.source == .requestID && marked.response.delivery?.state == .deliveredManually && marked.response.delivery?.number == entry.number)
        let mismatch = await #expect(throws: InvalidFieldError.self) {
            try await fixture.store.markDelivered(requestId: "old-m", letterId: entry.letterId, addresseeId: "dinas-b", note: "other", actor: "staf")
        }
        #expect(mismatch?.field == "request_id")
        #expect(try await fixture.store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM request_log") } == 2)
    }
}
