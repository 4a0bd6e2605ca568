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

    /// ServiceKit's exactly-once records (the `idempotency` table), for a service that opens its
    /// database itself instead of with `ServiceDatabase.open` (the registry).
    public static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        Idempotency.registerMigrations(&migrator)
    }

    /// `storedAnswer` without decoding: the stored reply's bytes and how they were found, for a
    /// store that encodes its replies itself (the registry's batch writer). Throws INVALID_ARGUMENT
    /// naming `request_id` for a request id used before for a different request.
    public static func storedReply(
        _ db: Database, method: String, requestID: String, fingerprint: Data, naturalKey: NaturalKey? = nil
    ) throws -> (bytes: Data, source: Source)? {
        try Idempotency.validate(requestID: requestID)
        let key = ExactlyOnceRecords.Key(method: method, requestID: requestID, fingerprint: fingerprint, naturalKey: naturalKey)
        return try ExactlyOnceRecords.find(db, key)
    }

    /// Completes the stored reply of the step `naturalKey` names, under every request id that got it,
    /// when part of the reply is made after the step's own transaction (the registry's final PDF and
    /// its v2 receipt): retries from then on get the completed reply's bytes.
    public static func completeReply(_ db: Database, method: String, naturalKey parts: [String], response: Data) throws {
        try db.execute(sql: "UPDATE idempotency SET response = ? WHERE method = ? AND natural_key = ?",
                       arguments: [response, method, NaturalKey.join(parts)])
    }

    /// How many replies `method` has stored (one per request id that got one).
    public static func storedReplyCount(_ db: Database, method: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM idempotency WHERE method = ?", arguments: [method]) ?? 0
    }

    /// Every reply `method` has stored, oldest first (the gateway rebuilds registration records from its
    /// step-6 replies).
    public static func storedReplies(_ db: Database, method: String) throws -> [Data] {
        try Data.fetchAll(db, sql: "SELECT response FROM idempotency WHERE method = ? ORDER BY rowid", arguments: [method])
    }

    /// Stores a reply without looking first: for a step made before the service used this rule (a
    /// migration from the service's own request log), or one a batch writer performed or replayed
    /// after checking `storedReply` itself in the same transaction (one insert per step).
    public static func importReply(
        _ db: Database, method: String, requestID: String, fingerprint: Data, naturalKey: NaturalKey? = nil,
        response: Data, at: Date
    ) throws {
        let key = ExactlyOnceRecords.Key(method: method, requestID: requestID, fingerprint: fingerprint, naturalKey: naturalKey)
        try ExactlyOnceRecords.store(db, key, response: response, at: at)
    }
}
