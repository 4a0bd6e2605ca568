import Foundation
import GRDB
import RPC

/// `ExactlyOnce` for a store whose ONE write transaction holds several steps (the signing service's
/// BulkSign: one key unlock and one fsync for up to 100 letters, each letter its own Sign step), on the
/// same rule and records as `run`.
extension ExactlyOnce {
    /// The answer `run` would give from a stored reply, found by a read; nothing is performed or stored.
    /// A batch uses it to learn which of its steps still need the slow prepare phase.
    public static func storedAnswer<Response: Codable & Sendable>(
        _ db: Database, method: String, requestID: String, fingerprint: Data, naturalKey: NaturalKey? = nil,
        as _: Response.Type = Response.self
    ) throws -> Answer<Response>? {
        try Idempotency.validate(requestID: requestID)
        let key = ExactlyOnceRecords.Key(method: method, requestID: requestID, fingerprint: fingerprint, naturalKey: naturalKey)
        guard let found = try ExactlyOnceRecords.find(db, key) else { return nil }
        return Answer(response: try decode(found.bytes), source: found.source, method: method, requestID: requestID)
    }

    /// One step inside the caller's write transaction `db`: check (request id, then natural key) →
    /// `perform` → store, like `Idempotency.run`, but the answer says how it was obtained (for the log).
    public static func runInTransaction<Response: Codable & Sendable>(
        _ db: Database, method: String, requestID: String, fingerprint: Data, naturalKey: NaturalKey? = nil,
        now: Date = Date(), perform: (Database) throws -> Response
    ) throws -> Answer<Response> {
        try Idempotency.validate(requestID: requestID)
        let key = ExactlyOnceRecords.Key(method: method, requestID: requestID, fingerprint: fingerprint, naturalKey: naturalKey)
        let outcome = try withoutActuallyEscaping(perform) { perform in
            try ExactlyOnceRecords.runInTransaction(db, key, at: now, perform: { db in try encode(perform(db)) })
        }
        guard let outcome else { throw RPCError(.internalError, "\(method) neither replayed nor performed") }
        return Answer(response: try decode(outcome.bytes), source: outcome.source, method: method, requestID: requestID)
    }

    /// Stores the reply of a step made before the service used this rule (a migration from the
    /// service's own request log), so retries of it are answered as if `run` had made it.
    public static func importReply(
        _ db: Database, method: String, requestID: String, fingerprint: Data, naturalKey: NaturalKey? = nil,
        response: Data, at: Date
    ) throws {
        let key = ExactlyOnceRecords.Key(method: method, requestID: requestID, fingerprint: fingerprint, naturalKey: naturalKey)
        try ExactlyOnceRecords.store(db, key, response: response, at: at)
    }
}
