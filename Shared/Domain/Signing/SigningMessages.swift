import Foundation

// Request and response messages of `surat.signing.v1.Signing`
// (proto-notes/surat/signing/v1/signing.proto). Field numbers are the CodingKeys' raw values.
// Messages that carry a passphrase redact it from their descriptions so it never reaches a log.

/// Register a signer and generate their first key pair (admin only).
public struct RegisterSignerRequest: Codable, Sendable, Hashable, CustomStringConvertible {
    public var requestId: String = ""
    public var signer: PublishedSigner = PublishedSigner()
    /// Chosen by the signer at enrolment; encrypts the new private key. Never stored.
    public var passphrase: String = ""

    public init(requestId: String = "", signer: PublishedSigner = PublishedSigner(), passphrase: String = "") {
        self.requestId = requestId
        self.signer = signer
        self.passphrase = passphrase
    }

    public enum CodingKeys: Int, CodingKey {
        case requestId = 1
        case signer = 2
        case passphrase = 3
    }

    public var description: String { "RegisterSignerRequest(requestId: \(requestId), signer: \(signer.id), passphrase: <redacted>)" }
}

public struct RegisterSignerResponse: Codable, Sendable, Hashable {
    public var signer: PublishedSigner = PublishedSigner()
    public var key: PublishedKey = PublishedKey()

    public init(signer: PublishedSigner = PublishedSigner(), key: PublishedKey = PublishedKey()) {
        self.signer = signer
        self.key = key
    }

    public enum CodingKeys: Int, CodingKey {
        case signer = 1
        case key = 2
    }
}

/// Re-encrypt the signer's current private key under a new passphrase (the signer themself).
public struct ChangePassphraseRequest: Codable, Sendable, Hashable, CustomStringConvertible {
    public var requestId: String = ""
    public var signerId: String = ""
    public var currentPassphrase: String = ""
    public var newPassphrase: String = ""

    public init(requestId: String = "", signerId: String = "", currentPassphrase: String = "", newPassphrase: String = "") {
        self.requestId = requestId
        self.signerId = signerId
        self.currentPassphrase = currentPassphrase
        self.newPassphrase = newPassphrase
    }

    public enum CodingKeys: Int, CodingKey {
        case requestId = 1
        case signerId = 2
        case currentPassphrase = 3
        case newPassphrase = 4
    }

    public var description: String { "ChangePassphraseRequest(requestId: \(requestId), signerId: \(signerId), passphrases: <redacted>)" }
}

public struct ChangePassphraseResponse: Codable, Sendable, Hashable {
    public var keyId: String = ""
    public var changedAtUnixMillis: Int64 = 0

    public init(keyId: String = "", changedAtUnixMillis: Int64 = 0) {
        self.keyId = keyId
        self.changedAtUnixMillis = changedAtUnixMillis
    }

    public enum CodingKeys: Int, CodingKey {
        case keyId = 1
        case changedAtUnixMillis = 2
    }
}

/// Replace a signer's current key with a new key pair (admin only). The old key stays published
/// with `validUntil` = now, so signatures made with it stay verifiable; its private key is erased.
public struct RotateKeyRequest: Codable, Sendable, Hashable, CustomStringConvertible {
    public var requestId: String = ""
    public var signerId: String = ""
    /// Passphrase for the new key (the signer types it).
    public var newPassphrase: String = ""

    public init(requestId: String = "", signerId: String = "", newPassphrase: String = "") {
        self.requestId = requestId
        self.signerId = signerId
        self.newPassphrase = newPassphrase
    }

    public enum CodingKeys: Int, CodingKey {
        case requestId = 1
        case signerId = 2
        case newPassphrase = 3
    }

    public var description: String { "RotateKeyRequest(requestId: \(requestId), signerId: \(signerId), newPassphrase: <redacted>)" }
}

public struct RotateKeyResponse: Codable, Sendable, Hashable {
    public var oldKey: PublishedKey = PublishedKey()
    public var newKey: PublishedKey = PublishedKey()

    public init(oldKey: PublishedKey = PublishedKey(), newKey: PublishedKey = PublishedKey()) {
        self.oldKey = oldKey
        self.newKey = newKey
    }

    public enum CodingKeys: Int, CodingKey {
        case oldKey = 1
        case newKey = 2
    }
}

/// Revoke a key from a time on (admin only): signatures made at or after `effectiveAtUnixMillis`
/// are invalid, earlier ones stay valid. 0 means now; a past time is allowed (a key known to be
/// compromised since then); a future time is not.
public struct RevokeKeyRequest: Codable, Sendable, Hashable {
    public var requestId: String = ""
    public var keyId: String = ""
    public var reason: String = ""
    public var effectiveAtUnixMillis: Int64 = 0

    public init(requestId: String = "", keyId: String = "", reason: String = "", effectiveAtUnixMillis: Int64 = 0) {
        self.requestId = requestId
        self.keyId = keyId
        self.reason = reason
        self.effectiveAtUnixMillis = effectiveAtUnixMillis
    }

    public enum CodingKeys: Int, CodingKey {
        case requestId = 1
        case keyId = 2
        case reason = 3
        case effectiveAtUnixMillis = 4
    }
}

public struct RevokeKeyResponse: Codable, Sendable, Hashable {
    public var key: PublishedKey = PublishedKey()

    public init(key: PublishedKey = PublishedKey()) { self.key = key }

    public enum CodingKeys: Int, CodingKey {
        case key = 1
    }
}
