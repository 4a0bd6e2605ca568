import Domain
import Foundation
import GRDB

/// A signer an admin registered, waiting for the user to set the passphrase of their own key
/// (issue 11, item 8): the key is made in the signing service only when the signer, signed in as
/// themself, calls ActivateSigningKey, so an admin alone never creates a key that signs.
public struct SignerRegistration: Sendable, Equatable {
    public var userID: String
    public var position: String
    public var requestedBy: Actor
    public var requestedAt: Date
    public var requestID: String
    /// Set once the key exists in the signing service.
    public var activatedAt: Date?
    public var keyID: String
}

extension GatewayStore {
    public static func registerSignerActivationMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("gateway-signer-activation-v1") { db in
            try db.execute(sql: """
                CREATE TABLE signer_registration (
                    user_id TEXT PRIMARY KEY REFERENCES user(id),
                    position TEXT NOT NULL,
                    requested_by BLOB NOT NULL,
                    requested_at REAL NOT NULL,
                    request_id TEXT NOT NULL,
                    activated_at REAL,
                    key_id TEXT NOT NULL DEFAULT ''
                );
                """)
        }
    }

    static func signerRegistration(from row: Row) throws -> SignerRegistration {
        SignerRegistration(userID: row["user_id"], position: row["position"],
                           requestedBy: try JSONDecoder().decode(Actor.self, from: row["requested_by"] as Data),
                           requestedAt: Date(timeIntervalSince1970: row["requested_at"]), requestID: row["request_id"],
                           activatedAt: (row["activated_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                           keyID: row["key_id"])
    }

    /// Records (or, repeated with the same position, returns) a pending registration. ALREADY_EXISTS once
    /// the user's key is active, or when a pending one names another position.
    public func requestSigner(userID: String, position: String, by admin: Actor, requestID: String) async throws -> SignerRegistration {
        _ = try await user(userID)
        let at = now()
        let by = try JSONEncoder().encode(admin)
        return try await pool.write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM signer_registration WHERE user_id = ?", arguments: [userID]) {
                let existing = try Self.signerRegistration(from: row)
                if existing.activatedAt == nil && existing.position == position { return existing }
                throw GatewayError(.alreadyExists, existing.activatedAt == nil
                    ? "signer \(userID) is already registered (position \(existing.position)), waiting for them to activate their key"
                    : "signer \(userID) is already registered with key \(existing.keyID)")
            }
            try db.execute(sql: """
                INSERT INTO signer_registration(user_id, position, requested_by, requested_at, request_id) VALUES (?, ?, ?, ?, ?)
                """, arguments: [userID, position, by, at.timeIntervalSince1970, requestID])
            return SignerRegistration(userID: userID, position: position, requestedBy: admin, requestedAt: at,
                                      requestID: requestID, activatedAt: nil, keyID: "")
        }
    }

    public func signerRegistration(userID: String) async throws -> SignerRegistration? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM signer_registration WHERE user_id = ?", arguments: [userID])
                .map(Self.signerRegistration(from:))
        }
    }

    public func signerRegistrations() async throws -> [SignerRegistration] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM signer_registration ORDER BY requested_at, user_id").map(Self.signerRegistration(from:))
        }
    }

    public func markSignerActivated(userID: String, keyID: String) async throws {
        let at = now().timeIntervalSince1970
        try await pool.write { db in
            try db.execute(sql: """
                UPDATE signer_registration SET activated_at = COALESCE(activated_at, ?), key_id = ? WHERE user_id = ?
                """, arguments: [at, keyID, userID])
        }
    }
}
