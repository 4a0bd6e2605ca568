import Crypto
import Domain
import Foundation
import GRDB
import RPC
import Wire

/// Request ids and fingerprints for exactly-once mutating calls, and the `idempotency` table.
/// Services use `ExactlyOnce` (ExactlyOnce.swift), which holds the rule: networks drop replies, so
/// clients retry with the same client-chosen `request_id`, and a step done before is answered with
/// its stored reply (by request id, or by the step's natural key under a new request id).
public enum Idempotency {
    /// The longest accepted request id.
    public static let maxRequestIDLength = 128

    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("servicekit.idempotency.v1") { db in
            try db.create(table: "idempotency") { table in
                table.column("method", .text).notNull()
                table.column("request_id", .text).notNull()
                // SHA-256 over the request's canonical bytes and the acting user: a reused id
                // with a different request is a client bug, not a retry.
                table.column("fingerprint", .blob).notNull()
                table.column("response", .blob).notNull()
                table.column("created_at", .datetime).notNull()
                table.primaryKey(["method", "request_id"])
            }
        }
        ExactlyOnceRecords.registerMigrations(&migrator)
    }

    /// Checks a request id: required, printable, at most 128 characters. Throws INVALID_ARGUMENT
    /// naming `request_id`.
    public static func validate(requestID: String) throws(InvalidFieldError) {
        if requestID.isEmpty {
            throw InvalidFieldError("request_id", "is required on every mutating call (a client-chosen unique id, e.g. a UUID)")
        }
        if requestID.count > maxRequestIDLength {
            throw InvalidFieldError("request_id", "is \(requestID.count) characters long, at most \(maxRequestIDLength) allowed")
        }
        if requestID.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw InvalidFieldError("request_id", "contains control characters")
        }
    }

    /// The fingerprint of a request as issued by one acting user.
    public static func fingerprint(of request: some Encodable, actorID: String) throws -> Data {
        var hasher = SHA256()
        hasher.update(data: try ProtobufEncoder().encode(request))
        hasher.update(data: Data([0]))
        hasher.update(data: Data(actorID.utf8))
        return Data(hasher.finalize())
    }

    /// The in-transaction form of `ExactlyOnce.run` for a store that composes the step with other
    /// writes of its own transaction `db`: check (request id, then natural key) → `perform` → store.
    /// A repeat with the same fingerprint returns the stored response without calling `perform`;
    /// a repeat with a different fingerprint throws INVALID_ARGUMENT naming `request_id`.
    public static func run<Response: Codable & Sendable>(
        _ db: Database, method: String, requestID: String, fingerprint: Data, naturalKey: NaturalKey? = nil,
        now: Date = Date(), perform: () throws -> Response
    ) throws -> Response {
        try validate(requestID: requestID)
        let key = ExactlyOnceRecords.Key(method: method, requestID: requestID, fingerprint: fingerprint, naturalKey: naturalKey)
        return try withoutActuallyEscaping(perform) { perform in
            guard let answer = try ExactlyOnceRecords.runInTransaction(
                db, key, at: now, perform: { _ in try ExactlyOnce.encode(perform()) })
            else { throw RPCError(.internalError, "\(method) neither replayed nor performed") }
            return try ExactlyOnce.decode(answer.bytes)
        }
    }

    /// Whether (method, request id) already has a stored response (for logs and tests).
    public static func hasResponse(_ db: Database, method: String, requestID: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM idempotency WHERE method = ? AND request_id = ?", arguments: [method, requestID]) ?? false
    }
}
