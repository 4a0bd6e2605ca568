import Foundation
import GRDB

/// Passwords for sign-in (issue 15): one salted scrypt hash per user and whether the user must
/// change it (set when an admin sets or resets it). Session tokens are ordinary token rows with
/// the label `session:<client>`, so revocation, expiry and deactivation work for them unchanged.
extension GatewayStore {
    public static let sessionLabelPrefix = "session:"

    public static func registerPasswordMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("gateway-passwords-v1") { db in
            try db.execute(sql: """
                CREATE TABLE user_password (
                    user_id TEXT PRIMARY KEY REFERENCES user(id),
                    hash TEXT NOT NULL,
                    must_change INTEGER NOT NULL,
                    updated_at REAL NOT NULL
                );
                """)
        }
    }

    public struct PasswordRecord: Sendable, Equatable {
        public var hash: PasswordHash
        public var mustChange: Bool
        public var updatedAt: Date
    }

    public func setPassword(userID: String, hash: PasswordHash, mustChange: Bool) async throws {
        _ = try await user(userID)
        let at = now().timeIntervalSince1970
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO user_password(user_id, hash, must_change, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(user_id) DO UPDATE SET hash = excluded.hash, must_change = excluded.must_change,
                    updated_at = excluded.updated_at
                """, arguments: [userID, hash.encoded, mustChange, at])
        }
    }

    public func passwordRecord(userID: String) async throws -> PasswordRecord? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM user_password WHERE user_id = ?", arguments: [userID]),
                  let hash = PasswordHash(encoded: row["hash"]) else { return nil }
            return PasswordRecord(hash: hash, mustChange: row["must_change"],
                                  updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
        }
    }

    /// True when `tokenID` is a sign-in session of a user who must still change the password set by
    /// an admin: such a session may only change the password, sign out and ask who it is.
    public func sessionNeedsPasswordChange(tokenID: String) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT p.must_change FROM token t JOIN user_password p ON p.user_id = t.user_id
                WHERE t.id = ? AND t.label LIKE 'session:%'
                """, arguments: [tokenID]) ?? false
        }
    }

    /// Ends every session token of a user (after a password change or reset) but not their script tokens.
    public func revokeSessions(userID: String, except keepID: String? = nil) async throws {
        let at = now().timeIntervalSince1970
        try await pool.write { db in
            try db.execute(sql: """
                UPDATE token SET revoked_at = ? WHERE user_id = ? AND label LIKE 'session:%' AND revoked_at IS NULL
                AND id != ?
                """, arguments: [at, userID, keepID ?? ""])
        }
    }
}
