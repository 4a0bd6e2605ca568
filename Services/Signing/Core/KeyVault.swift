import Crypto
import _CryptoExtras
import Dispatch
import Domain
import Foundation

/// scrypt cost parameters (RFC 7914). The default, N = 2^16, r = 8, p = 1, needs 64 MiB and
/// about 0.15 s per unlock optimised (0.65 s in a debug build) here: slow for a guesser, fine for
/// a Camat signing a few dozen letters a day. Stored with each sealed key, so a later change of the default does not
/// lock out existing keys.
public struct ScryptCost: Codable, Sendable, Hashable {
    public var log2N: Int = 16
    public var blockSize: Int = 8
    public var parallelism: Int = 1

    public init(log2N: Int = 16, blockSize: Int = 8, parallelism: Int = 1) {
        self.log2N = log2N
        self.blockSize = blockSize
        self.parallelism = parallelism
    }

    /// Problem with these parameters, or nil. Below 2^10 is rejected even for tests.
    var problem: String? {
        if log2N < 10 || log2N > 22 { return "scrypt log2N must be 10...22, got \(log2N)" }
        if blockSize < 1 || blockSize > 32 { return "scrypt blockSize (r) must be 1...32, got \(blockSize)" }
        if parallelism < 1 || parallelism > 16 { return "scrypt parallelism (p) must be 1...16, got \(parallelism)" }
        return nil
    }
}

/// A private key as stored: AES-256-GCM ciphertext under a key derived from the passphrase.
struct SealedPrivateKey: Sendable, Hashable {
    static let kdfName = "scrypt"
    var cost: ScryptCost
    var salt: Data
    /// AES-GCM combined form: 12-byte nonce, ciphertext of the 32-byte Ed25519 seed, 16-byte tag.
    var box: Data
}

/// Why a sealed key could not be opened. Deliberately says nothing about the key material.
enum UnsealError: Error, Sendable {
    /// AEAD authentication failed: the passphrase is wrong (or the blob was tampered with).
    case wrongPassphrase
    /// The blob opened but does not hold the key whose public half is published.
    case keyMismatch
}

/// Generates, seals and unseals signing keys. The passphrase goes through scrypt to a 256-bit
/// AES-GCM key; the key id is bound as associated data so a blob cannot be moved to another key's row.
enum KeyVault {
    private static let associatedDataPrefix = "surat-signing/private-key/v1|"

    /// scrypt is deliberately expensive; it runs on this queue so it never occupies an event loop
    /// or the cooperative pool, and one at a time caps memory at one scrypt working set.
    private static let kdfQueue = DispatchQueue(label: "surat.signing.kdf")

    struct GeneratedKey: Sendable {
        var keyId: String
        var publicKey: Data
        var sealed: SealedPrivateKey
    }

    static func generate(passphrase: String, cost: ScryptCost) async throws -> GeneratedKey {
        let privateKey = Curve25519.Signing.PrivateKey()
        let publicKey = privateKey.publicKey.rawRepresentation
        let keyId = SigningKeyID.derive(publicKey: publicKey)
        let sealed = try await seal(privateKey, keyId: keyId, passphrase: passphrase, cost: cost)
        return GeneratedKey(keyId: keyId, publicKey: publicKey, sealed: sealed)
    }

    static func seal(_ privateKey: Curve25519.Signing.PrivateKey, keyId: String, passphrase: String,
                     cost: ScryptCost) async throws -> SealedPrivateKey {
        var salt = Data(count: 16)
        salt.withUnsafeMutableBytes { buffer in
            var generator = SystemRandomNumberGenerator()
            for index in buffer.indices { buffer[index] = generator.next() }
        }
        let key = try await deriveKey(passphrase: passphrase, salt: salt, cost: cost)
        let box = try AES.GCM.seal(privateKey.rawRepresentation, using: key,
                                   authenticating: Data((associatedDataPrefix + keyId).utf8))
        guard let combined = box.combined else { throw UnsealError.keyMismatch }
        return SealedPrivateKey(cost: cost, salt: salt, box: combined)
    }

    static func unseal(_ sealed: SealedPrivateKey, keyId: String, publicKey: Data,
                       passphrase: String) async throws -> Curve25519.Signing.PrivateKey {
        let key = try await deriveKey(passphrase: passphrase, salt: sealed.salt, cost: sealed.cost)
        let seed: Data
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.box)
            seed = try AES.GCM.open(box, using: key, authenticating: Data((associatedDataPrefix + keyId).utf8))
        } catch {
            throw UnsealError.wrongPassphrase
        }
        guard let privateKey = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed),
              privateKey.publicKey.rawRepresentation == publicKey else {
            throw UnsealError.keyMismatch
        }
        return privateKey
    }

    /// Passphrases are NFC-normalised first so the same typed text unlocks the key from any client.
    private static func deriveKey(passphrase: String, salt: Data, cost: ScryptCost) async throws -> SymmetricKey {
        let bytes = Data(passphrase.precomposedStringWithCanonicalMapping.utf8)
        return try await withCheckedThrowingContinuation { continuation in
            kdfQueue.async {
                continuation.resume(with: Result {
                    try KDF.Scrypt.deriveKey(from: bytes, salt: salt, outputByteCount: 32, rounds: 1 << cost.log2N,
                                             blockSize: cost.blockSize, parallelism: cost.parallelism)
                })
            }
        }
    }
}
