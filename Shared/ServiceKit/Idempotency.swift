import Crypto
import Domain
import Foundation
import GRDB
import RPC
import Synchronization
import Wire

/// Exactly-once effects for mutating calls: networks drop replies, so clients retry with the
/// same client-chosen `request_id`. Inside the handler's ONE write transaction, `Idempotency.run`
/// either returns the response stored for (method, request_id) or performs the change and stores
/// its response; both commit or roll back together, so a crash never leaves a change without its
/// response or the other way round. A failed call stores nothing: its retry is evaluated afresh.
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

    /// Runs `perform` once per (method, request id), inside the caller's write transaction `db`.
    /// A repeat with the same fingerprint returns the stored response without calling `perform`;
    /// a repeat with a different fingerprint throws INVALID_ARGUMENT naming `request_id`.
    public static func run<Response: Codable & Sendable>(
        _ db: Database, method: String, requestID: String, fingerprint: Data,
        now: Date = Date(), replay: Replay? = nil, perform: () throws -> Response
    ) throws -> Response {
        try validate(requestID: requestID)
        if let row = try Row.fetchOne(
            db, sql: "SELECT fingerprint, response FROM idempotency WHERE method = ? AND request_id = ?",
            arguments: [method, requestID])
        {
            let stored: Data = row["fingerprint"]
            guard stored == fingerprint else {
                throw InvalidFieldError("request_id", "\"\(requestID)\" was already used for a different \(method) request; use a new request id for a new request")
            }
            let bytes: Data = row["response"]
            replay?.mark()
            return try ProtobufDecoder().decode(Response.self, from: [UInt8](bytes))
        }
        let response = try perform()
        try db.execute(
            sql: "INSERT INTO idempotency (method, request_id, fingerprint, response, created_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [method, requestID, fingerprint, Data(try ProtobufEncoder().encode(response)), now])
        return response
    }

    /// Set by `run` when it answered with the stored response of an earlier call, so the caller
    /// can log a replay as a replay rather than as the action happening again.
    public final class Replay: Sendable {
        private let flag = Mutex(false)
        public init() {}
        func mark() { flag.withLock { $0 = true } }
        public var happened: Bool { flag.withLock { $0 } }
    }

    /// Whether (method, request id) already has a stored response (for logs and tests).
    public static func hasResponse(_ db: Database, method: String, requestID: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM idempotency WHERE method = ? AND request_id = ?", arguments: [method, requestID]) ?? false
    }
}
