import Domain
import Crypto
import Foundation

/// A person who uses the gateway.
public struct User: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var role: Role
    /// Nomor Induk Pegawai, when known.
    public var nip: String
    public var active: Bool
    public var createdAt: Date
}

/// A Plh/Plt appointment: `userID` may act in `role` for `actingFor` during `[validFrom, validUntil)`.
public struct ActingGrant: Sendable, Equatable, Codable {
    public var id: String
    public var userID: String
    public var role: Role
    public var actingFor: String
    public var validFrom: Date
    public var validUntil: Date

    public func isValid(at now: Date) -> Bool { now >= validFrom && now < validUntil }
}

/// What the gateway keeps about a bearer token: never the token, only its SHA-256.
public struct TokenRecord: Sendable, Equatable, Codable {
    public var id: String
    public var userID: String
    public var sha256Hex: String
    public var label: String
    public var createdAt: Date
    public var expiresAt: Date
    public var revokedAt: Date?
}

/// A token as handed out once by `issueToken`; the plaintext is not kept anywhere.
public struct IssuedToken: Sendable, Equatable {
    public var id: String
    public var userID: String
    public var token: String
    public var expiresAt: Date
}

public enum TokenHashing {
    /// Tokens are 32 random bytes, base64url without padding, behind a recognisable prefix (so a leaked token
    /// is easy to grep for in logs and chat).
    public static func newToken() -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let text = bytes.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "surat_" + text
    }

    public static func sha256Hex(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// An authenticated user with the roles they may act in right now.
public struct AuthenticatedUser: Sendable, Equatable, Codable {
    public var user: User
    public var tokenID: String
    /// Active acting grants at authentication time.
    public var acting: [ActingGrant]

    public var roles: Set<Role> { Set([user.role] + acting.map(\.role)) }

    /// The actor for an action that needs `role`: the user's own role first, else a valid Plh/Plt grant;
    /// PERMISSION_DENIED otherwise.
    public func actor(for role: Role, action: String) throws -> Actor {
        if user.role == role { return Actor(id: user.id, name: user.name, role: role) }
        if let grant = acting.first(where: { $0.role == role }) {
            return Actor(id: user.id, name: user.name, role: role, actingFor: grant.actingFor)
        }
        throw GatewayError(.permissionDenied,
                           "\(action) needs role \(role.rawValue); \(user.id) has role \(user.role.rawValue)")
    }

    public func actor(for step: SOPStep) throws -> Actor {
        try actor(for: step.role, action: step.label)
    }
}
