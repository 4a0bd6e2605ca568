import Crypto
import Foundation

/// The signature algorithm. Ed25519 (RFC 8032) only, see proto-notes/signing.md for why.
public enum SignatureAlgorithm {
    public static let ed25519 = "ed25519"
}

/// Key ids are derived from the public key, so a verifier can check that a published key id
/// really names the published key: `ed25519:` + lowercase hex of the first 16 bytes of
/// SHA-256(raw 32-byte public key).
public enum SigningKeyID {
    public static func derive(publicKey: Data) -> String {
        let digest = Array(SHA256.hash(data: publicKey)).prefix(16)
        return SignatureAlgorithm.ed25519 + ":" + digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

/// A signer (penanda tangan): a person whose key signs letters. `id` is the same user id the
/// gateway passes as `surat-actor-id`, so the service can tell that the caller is this signer.
public struct PublishedSigner: Codable, Sendable, Hashable {
    public var id: String = ""
    public var name: String = ""
    /// NIP (Nomor Induk Pegawai), the civil servant number: 18 digits.
    public var nip: String = ""
    /// Position as printed under the signature, e.g. "Camat Sooko".
    public var position: String = ""
    /// `camat` for the designated head who signs in their own right; another `Role` raw value
    /// (e.g. `sekretaris`) for people who sign only under a delegation (Plh/Plt).
    public var role: String = ""
    public var registeredAtUnixMillis: Int64 = 0

    public init(id: String = "", name: String = "", nip: String = "", position: String = "", role: String = "",
                registeredAtUnixMillis: Int64 = 0) {
        self.id = id
        self.name = name
        self.nip = nip
        self.position = position
        self.role = role
        self.registeredAtUnixMillis = registeredAtUnixMillis
    }

    public enum CodingKeys: Int, CodingKey {
        case id = 1
        case name = 2
        case nip = 3
        case position = 4
        case role = 5
        case registeredAtUnixMillis = 6
    }
}

/// A public key with its validity. A signature made at time t with this key is valid when
/// `validFrom <= t`, `t < validUntil` (when the key was rotated) and `t < revokedAt` (when revoked).
/// Times are milliseconds since the Unix epoch, exactly as in the envelope.
public struct PublishedKey: Codable, Sendable, Hashable {
    public var keyId: String = ""
    public var signerId: String = ""
    public var algorithm: String = SignatureAlgorithm.ed25519
    /// Raw 32-byte Ed25519 public key (RFC 8032 encoding).
    public var publicKey: Data = Data()
    public var validFromUnixMillis: Int64 = 0
    /// Set when the key was replaced by rotation; 0 while it is the signer's current key.
    public var validUntilUnixMillis: Int64 = 0
    /// Set when the key was revoked: signatures at or after this time are invalid. 0 = not revoked.
    public var revokedAtUnixMillis: Int64 = 0
    public var revocationReason: String = ""

    public init(keyId: String = "", signerId: String = "", algorithm: String = SignatureAlgorithm.ed25519,
                publicKey: Data = Data(), validFromUnixMillis: Int64 = 0, validUntilUnixMillis: Int64 = 0,
                revokedAtUnixMillis: Int64 = 0, revocationReason: String = "") {
        self.keyId = keyId
        self.signerId = signerId
        self.algorithm = algorithm
        self.publicKey = publicKey
        self.validFromUnixMillis = validFromUnixMillis
        self.validUntilUnixMillis = validUntilUnixMillis
        self.revokedAtUnixMillis = revokedAtUnixMillis
        self.revocationReason = revocationReason
    }

    public enum CodingKeys: Int, CodingKey {
        case keyId = 1
        case signerId = 2
        case algorithm = 3
        case publicKey = 4
        case validFromUnixMillis = 5
        case validUntilUnixMillis = 6
        case revokedAtUnixMillis = 7
        case revocationReason = 8
    }

    /// Why a signature made at `millis` is not covered by this key, or nil when it is.
    public func validityProblem(atUnixMillis millis: Int64) -> String? {
        if millis < validFromUnixMillis { return "key \(keyId) was not yet valid at the signing time" }
        if validUntilUnixMillis != 0 && millis >= validUntilUnixMillis {
            return "key \(keyId) had been replaced by rotation before the signing time"
        }
        if revokedAtUnixMillis != 0 && millis >= revokedAtUnixMillis {
            return "key \(keyId) was revoked before the signing time"
        }
        return nil
    }
}

/// The kind of acting appointment. Plh (Pelaksana Harian) covers a short absence, Plt
/// (Pelaksana Tugas) a vacancy or long absence; both sign "a.n." (on behalf of) the head.
public enum DelegationKind: Int32, Codable, Sendable, CaseIterable, Hashable {
    case unspecified = 0
    case plh = 1
    case plt = 2

    public var label: String {
        switch self {
        case .unspecified: "unspecified"
        case .plh: "Plh"
        case .plt: "Plt"
        }
    }
}

/// A delegation: `toSignerId` may sign on behalf of `fromSignerId` from `validFrom` (inclusive)
/// until `validUntil` (exclusive), unless revoked earlier.
public struct PublishedDelegation: Codable, Sendable, Hashable {
    public var delegationId: String = ""
    public var fromSignerId: String = ""
    public var toSignerId: String = ""
    public var kind: DelegationKind = .unspecified
    public var validFromUnixMillis: Int64 = 0
    public var validUntilUnixMillis: Int64 = 0
    public var revokedAtUnixMillis: Int64 = 0
    /// E.g. the number of the assignment letter (surat perintah) that appointed the acting official.
    public var reference: String = ""

    public init(delegationId: String = "", fromSignerId: String = "", toSignerId: String = "", kind: DelegationKind = .unspecified,
                validFromUnixMillis: Int64 = 0, validUntilUnixMillis: Int64 = 0, revokedAtUnixMillis: Int64 = 0,
                reference: String = "") {
        self.delegationId = delegationId
        self.fromSignerId = fromSignerId
        self.toSignerId = toSignerId
        self.kind = kind
        self.validFromUnixMillis = validFromUnixMillis
        self.validUntilUnixMillis = validUntilUnixMillis
        self.revokedAtUnixMillis = revokedAtUnixMillis
        self.reference = reference
    }

    public enum CodingKeys: Int, CodingKey {
        case delegationId = 1
        case fromSignerId = 2
        case toSignerId = 3
        case kind = 4
        case validFromUnixMillis = 5
        case validUntilUnixMillis = 6
        case revokedAtUnixMillis = 7
        case reference = 8
    }

    /// Why the delegation does not cover time `millis`, or nil when it does.
    public func validityProblem(atUnixMillis millis: Int64) -> String? {
        if millis < validFromUnixMillis { return "delegation \(delegationId) had not started at that time" }
        if millis >= validUntilUnixMillis { return "delegation \(delegationId) had expired at that time" }
        if revokedAtUnixMillis != 0 && millis >= revokedAtUnixMillis {
            return "delegation \(delegationId) had been revoked at that time"
        }
        return nil
    }
}
