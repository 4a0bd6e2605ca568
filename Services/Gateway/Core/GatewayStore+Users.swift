import Domain
import Foundation
import GRDB

extension GatewayStore {
    /// User ids are 2-64 of a-z 0-9 . _ - starting with a letter or digit.
    static func isValidUserID(_ id: String) -> Bool {
        guard (2...64).contains(id.count), let first = id.unicodeScalars.first,
              CharacterSet.lowercaseLetters.contains(first) || CharacterSet.decimalDigits.contains(first) else { return false }
        return id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0) }
    }

    static func user(from row: Row) throws -> User {
        User(id: row["id"], name: row["name"], role: try Role(parsing: row["role"]), nip: row["nip"],
             active: row["active"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }

    /// Creates a user. Ids are short lowercase handles ("siti.camat") so they read well in journeys and logs.
    public func createUser(id: String, name: String, role: Role, nip: String = "") async throws -> User {
        guard Self.isValidUserID(id) else {
            throw GatewayError.invalidArgument(field: "user_id", "'\(id)' must be 2-64 of a-z 0-9 . _ - (lowercase)")
        }
        for (text, field) in [(name, "name"), (nip, "nip")] {
            if let problem = TextCheck.controlCharacterProblem(text) { throw GatewayError.invalidArgument(field: field, problem) }
        }
        let trimmedName = name.trimmingCharacters(in: .whitespaces)
        guard !trimmedName.isEmpty, trimmedName.unicodeScalars.count <= 200 else {
            throw GatewayError.invalidArgument(field: "name", "must be 1-200 characters")
        }
        let user = User(id: id, name: trimmedName, role: role, nip: nip, active: true, createdAt: now())
        try await pool.write { db in
            if let existing = try Row.fetchOne(db, sql: "SELECT * FROM user WHERE id = ?", arguments: [id]) {
                let found = try Self.user(from: existing)
                // A retried create of the same user is fine; a different one with the same id is not.
                if found.name == user.name && found.role == user.role && found.nip == user.nip { return }
                throw GatewayError(.alreadyExists, "user \(id) already exists")
            }
            try db.execute(sql: "INSERT INTO user(id, name, role, nip, active, created_at) VALUES (?, ?, ?, ?, 1, ?)",
                           arguments: [id, user.name, role.rawValue, nip, user.createdAt.timeIntervalSince1970])
        }
        return try await self.user(id)
    }


    public func user(_ id: String) async throws -> User {
        let found = try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM user WHERE id = ?", arguments: [id]).map(Self.user(from:))
        }
        guard let found else { throw GatewayError.notFound("user \(id)") }
        return found
    }

    public func users() async throws -> [User] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM user ORDER BY id").map(Self.user(from:))
        }
    }

    /// Deactivating a user ends all their tokens, without deleting their history: they are
    /// revoked, not just suspended, so re-activating the user does not bring them back (auth.md);
    /// a re-activated user needs a new token.
    public func setUserActive(_ id: String, active: Bool) async throws {
        let at = now()
        try await pool.write { db in
            try db.execute(sql: "UPDATE user SET active = ? WHERE id = ?", arguments: [active, id])
            if db.changesCount == 0 { throw GatewayError.notFound("user \(id)") }
            if !active {
                try db.execute(sql: "UPDATE token SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                               arguments: [at.timeIntervalSince1970, id])
            }
        }
    }

    // MARK: Acting officials (Plh/Plt)

    public func grantActing(userID: String, role: Role, actingFor: String, validFrom: Date,
                            validUntil: Date) async throws -> ActingGrant {
        guard validFrom < validUntil else {
            throw GatewayError.invalidArgument(field: "valid_until", "must be after valid_from")
        }
        guard role != .admin else { throw GatewayError.invalidArgument(field: "role", "admin cannot be delegated") }
        _ = try await user(userID)
        let grant = ActingGrant(id: "act-" + UUID().uuidString.lowercased().prefix(8), userID: userID, role: role,
                                actingFor: actingFor, validFrom: validFrom, validUntil: validUntil)
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO acting_grant(id, user_id, role, acting_for, valid_from, valid_until) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [grant.id, userID, role.rawValue, actingFor, validFrom.timeIntervalSince1970,
                                 validUntil.timeIntervalSince1970])
        }
        return grant
    }

    static func grant(from row: Row) throws -> ActingGrant {
        ActingGrant(id: row["id"], userID: row["user_id"], role: try Role(parsing: row["role"]),
                    actingFor: row["acting_for"], validFrom: Date(timeIntervalSince1970: row["valid_from"]),
                    validUntil: Date(timeIntervalSince1970: row["valid_until"]))
    }

    public func actingGrants(userID: String? = nil) async throws -> [ActingGrant] {
        try await pool.read { db in
            if let userID {
                return try Row.fetchAll(db, sql: "SELECT * FROM acting_grant WHERE user_id = ? ORDER BY valid_from",
                                        arguments: [userID]).map(Self.grant(from:))
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM acting_grant ORDER BY user_id, valid_from")
                .map(Self.grant(from:))
        }
    }

    /// Ends a grant now (it stays in the history).
    public func endActing(grantID: String) async throws {
        let at = now().timeIntervalSince1970
        try await pool.write { db in
            try db.execute(sql: "UPDATE acting_grant SET valid_until = min(valid_until, ?) WHERE id = ?",
                           arguments: [at, grantID])
            if db.changesCount == 0 { throw GatewayError.notFound("acting grant \(grantID)") }
        }
    }

    // MARK: Tokens

    /// Issues a bearer token for a user. The plaintext is returned once and never stored.
    public func issueToken(userID: String, label: String = "", validFor: TimeInterval) async throws -> IssuedToken {
        guard validFor > 0, validFor <= 400 * 86_400 else {
            throw GatewayError.invalidArgument(field: "valid_for", "must be between 1 second and 400 days")
        }
        let user = try await user(userID)
        guard user.active else { throw GatewayError(.failedPrecondition, "user \(userID) is deactivated") }
        let token = TokenHashing.newToken()
        let issuedAt = now()
        let record = TokenRecord(id: "tok-" + UUID().uuidString.lowercased().prefix(12), userID: userID,
                                 sha256Hex: TokenHashing.sha256Hex(token), label: label, createdAt: issuedAt,
                                 expiresAt: issuedAt.addingTimeInterval(validFor), revokedAt: nil)
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO token(id, user_id, sha256, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [record.id, userID, record.sha256Hex, label, issuedAt.timeIntervalSince1970,
                                 record.expiresAt.timeIntervalSince1970])
        }
        return IssuedToken(id: record.id, userID: userID, token: token, expiresAt: record.expiresAt)
    }

    public func revokeToken(id: String) async throws {
        let at = now().timeIntervalSince1970
        try await pool.write { db in
            try db.execute(sql: "UPDATE token SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", arguments: [at, id])
            if db.changesCount == 0 { throw GatewayError.notFound("token \(id)") }
        }
    }

    static func token(from row: Row) -> TokenRecord {
        TokenRecord(id: row["id"], userID: row["user_id"], sha256Hex: row["sha256"], label: row["label"],
                    createdAt: Date(timeIntervalSince1970: row["created_at"]),
                    expiresAt: Date(timeIntervalSince1970: row["expires_at"]),
                    revokedAt: (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }

    public func tokens(userID: String? = nil) async throws -> [TokenRecord] {
        try await pool.read { db in
            if let userID {
                return try Row.fetchAll(db, sql: "SELECT * FROM token WHERE user_id = ? ORDER BY created_at",
                                        arguments: [userID]).map(Self.token(from:))
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM token ORDER BY user_id, created_at").map(Self.token(from:))
        }
    }

    /// Resolves a bearer token to its user; UNAUTHENTICATED for unknown, revoked or expired tokens and for
    /// deactivated users (one message for all, so the answer does not tell an attacker which it was).
    public func authenticate(token: String) async throws -> AuthenticatedUser {
        let hash = TokenHashing.sha256Hex(token)
        let at = now()
        let found = try await pool.read { db -> (TokenRecord, User, [ActingGrant])? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM token WHERE sha256 = ?", arguments: [hash]) else {
                return nil
            }
            let token = Self.token(from: row)
            guard let userRow = try Row.fetchOne(db, sql: "SELECT * FROM user WHERE id = ?", arguments: [token.userID])
            else { return nil }
            let grants = try Row.fetchAll(db, sql: "SELECT * FROM acting_grant WHERE user_id = ?",
                                          arguments: [token.userID]).map(Self.grant(from:))
            return (token, try Self.user(from: userRow), grants)
        }
        guard let (record, user, grants) = found, record.revokedAt == nil, record.expiresAt > at, user.active else {
            throw GatewayError(.unauthenticated, "invalid, expired or revoked token; ask an admin for a new one")
        }
        return AuthenticatedUser(user: user, tokenID: record.id, acting: grants.filter { $0.isValid(at: at) })
    }

    /// First start of a fresh install: creates the admin user and returns its token, only while no admin exists
    /// (so running it again cannot mint a second master key).
    public func bootstrapAdmin(id: String = "admin", name: String = "Administrator",
                               validFor: TimeInterval = 30 * 86_400) async throws -> IssuedToken {
        let admins = try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM user WHERE role = 'admin'") ?? 0
        }
        guard admins == 0 else {
            throw GatewayError(.failedPrecondition,
                               "an admin already exists; use `surat admin token issue` with an admin token instead")
        }
        _ = try await createUser(id: id, name: name, role: .admin)
        return try await issueToken(userID: id, label: "bootstrap", validFor: validFor)
    }
}
