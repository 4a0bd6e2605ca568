import Domain
import Foundation
import GRDB
import ServiceKit

/// The gateway's stored replies on ServiceKit's one exactly-once primitive (`ExactlyOnce`, the
/// `idempotency` table; proto-notes/services.md, "Exactly once"). The gateway's request digest (hex of
/// ServiceKit's fingerprint) is the record's fingerprint as UTF-8 bytes, and its natural key (letter and
/// what was asked, `naturalKey(letterID:asked:)`) is ServiceKit's natural key as one part, with itself as
/// the step fingerprint (what was asked is inside the key).
extension GatewayStore {
    /// Registered after every migration that rewrites `gateway_request` (the stored-reply migration of
    /// issue 11, item 11), so the copy carries today's reply shapes.
    static let exactlyOnceCopyMigrationIdentifier = "gateway-request-to-servicekit-v1"

    static func registerExactlyOnceMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration(exactlyOnceCopyMigrationIdentifier) { db in
            // ServiceKit's migrations run first wherever the gateway's database is opened for service
            // (ServiceDatabase.open, GatewayStore(path:)); a bare migrator of the gateway's own tables
            // alone has no records to copy into.
            guard try db.tableExists("idempotency") else { return }
            // Every stored reply, natural key and all; the old table is kept (nothing loses rows) but no
            // longer written or read.
            try db.execute(sql: """
                INSERT INTO idempotency (method, request_id, fingerprint, response, created_at, natural_key, step_fingerprint)
                SELECT method, request_id, CAST(request_digest AS BLOB), response,
                       strftime('%Y-%m-%d %H:%M:%f', created_at, 'unixepoch'),
                       natural_key, CASE WHEN natural_key IS NULL THEN NULL ELSE CAST(natural_key AS BLOB) END
                FROM gateway_request ORDER BY rowid
                """)
        }
    }

    static func fingerprint(_ requestDigest: String) -> Data { Data(requestDigest.utf8) }

    static func exactlyOnceKey(_ naturalKey: String?) -> NaturalKey? {
        naturalKey.map { NaturalKey([$0], fingerprint: Data($0.utf8)) }
    }

    /// The stored reply for (method, request id), if any; the same id with a different request is
    /// INVALID_ARGUMENT naming request_id. With `naturalKey`, also the reply of the same step under
    /// another request id, stored again under this one (so its retries are answered by request id).
    static func storedReply(_ db: Database, method: String, requestID: String, requestDigest: String,
                            naturalKey: String? = nil) throws -> Data? {
        let found: (bytes: Data, source: ExactlyOnce.Source)?
        do {
            found = try ExactlyOnce.storedReply(db, method: method, requestID: requestID, fingerprint: fingerprint(requestDigest),
                                                naturalKey: exactlyOnceKey(naturalKey))
        } catch let error as InvalidFieldError {
            throw GatewayError.invalidArgument(field: error.field, error.problem)
        }
        guard let found else { return nil }
        if found.source == .naturalKey {
            try remember(db, method: method, requestID: requestID, requestDigest: requestDigest, response: found.bytes,
                         naturalKey: naturalKey)
        }
        return found.bytes
    }

    static func remember(_ db: Database, method: String, requestID: String, requestDigest: String,
                         response: Data, naturalKey: String? = nil) throws {
        try ExactlyOnce.importReply(db, method: method, requestID: requestID, fingerprint: fingerprint(requestDigest),
                                    naturalKey: exactlyOnceKey(naturalKey), response: response, at: Date())
    }
}
