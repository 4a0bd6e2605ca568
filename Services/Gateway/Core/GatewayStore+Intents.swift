import Foundation
import GRDB

/// The gateway's step intents: before a step calls a backend, the gateway writes down what it is
/// about to ask (letter, method, the ask's digest, the journey as it was) and the backend request id it
/// uses. A retry of the same ask on the same journey (same client request id or a new one, before or
/// after a crash) calls the backend with the SAME backend request id, so the backend answers with its
/// stored reply instead of acting twice or refusing (proto-notes/services.md, "Exactly once").
/// Recording the step closes its intent (`GatewayStore.update`).
extension GatewayStore {
    static func registerIntentMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("gateway-step-intent-v1") { db in
            try db.execute(sql: """
                CREATE TABLE step_intent (
                    letter_id TEXT NOT NULL,
                    method TEXT NOT NULL,
                    asked TEXT NOT NULL,
                    journey_updated_at REAL NOT NULL,
                    backend_request_id TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (letter_id, method)
                );
                """)
        }
        migrator.registerMigration("gateway-request-natural-key-v1") { db in
            // The natural key of a recorded step (letter + what was asked, by whom), so the same step asked
            // again under a new request id after it was recorded gets the stored reply (`storedStep`).
            try db.execute(sql: """
                ALTER TABLE gateway_request ADD COLUMN natural_key TEXT;
                CREATE INDEX gateway_request_by_natural_key ON gateway_request(method, natural_key) WHERE natural_key IS NOT NULL;
                """)
        }
    }

    /// The natural key of a step: the letter and the digest of what was asked (the request without its
    /// request id, and the acting user).
    public static func naturalKey(letterID: String, asked: String) -> String { "\(letterID)/\(asked)" }

    /// The stored reply of the step recorded under `naturalKey`, if any; stored again under `requestID`
    /// (same reply), so that id's own retries are answered by request id. For a step the journey has
    /// moved past: the same actor asking the same step again gets its first reply, not FAILED_PRECONDITION.
    public func storedStep(method: String, naturalKey: String, requestID: String, requestDigest: String) async throws -> Data? {
        try await pool.write { db in
            try Self.storedReply(db, method: method, requestID: requestID, requestDigest: requestDigest, naturalKey: naturalKey)
        }
    }

    /// The backend request id for this ask: the one written down for the same ask on the same journey,
    /// else `proposed`, written down durably (committed) before this returns.
    /// `asked` is a digest of the request without its request id, and of the acting user.
    public func stepIntent(letterID: String, method: String, asked: String, journeyUpdatedAt: Date,
                           proposed backendRequestID: String) async throws -> String {
        try await pool.write { db in
            if let row = try Row.fetchOne(db, sql: """
                SELECT asked, journey_updated_at, backend_request_id FROM step_intent WHERE letter_id = ? AND method = ?
                """, arguments: [letterID, method]),
               row["asked"] == asked, row["journey_updated_at"] == journeyUpdatedAt.timeIntervalSince1970
            {
                return row["backend_request_id"]
            }
            try db.execute(sql: """
                INSERT INTO step_intent (letter_id, method, asked, journey_updated_at, backend_request_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(letter_id, method) DO UPDATE SET asked = excluded.asked,
                    journey_updated_at = excluded.journey_updated_at, backend_request_id = excluded.backend_request_id,
                    created_at = excluded.created_at
                """, arguments: [letterID, method, asked, journeyUpdatedAt.timeIntervalSince1970, backendRequestID,
                                 now().timeIntervalSince1970])
            return backendRequestID
        }
    }

    /// The open intent of a step, if any (for tests and diagnosis).
    public func openIntent(letterID: String, method: String) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT backend_request_id FROM step_intent WHERE letter_id = ? AND method = ?",
                                arguments: [letterID, method])
        }
    }

    static func closeIntent(_ db: Database, letterID: String, method: String) throws {
        try db.execute(sql: "DELETE FROM step_intent WHERE letter_id = ? AND method = ?", arguments: [letterID, method])
    }
}
