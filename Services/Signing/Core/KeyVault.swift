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
/// An unlocked private key handed from the KDF worker thread back to the signing call.
/// swift-crypto does not mark its keys Sendable; this one is immutable after creation (its bytes
/// live in copy-on-write `SecureBytes` that are never mutated), so moving it between threads is safe.
struct UnlockedKey: @unchecked Sendable {
    let key: Curve25519.Signing.PrivateKey
}

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

    struct GeneratedKey: Sendable {
        var keyId: String
        var publicKey: Data
        var sealed: SealedPrivateKey
    }

    /// A new key pair sealed under `passphrase`; the derivation waits in `scheduler` like any other.
    static func generate(passphrase: String, cost: ScryptCost, scheduler: KDFScheduler,
                         deadline: ContinuousClock.Instant?) async throws -> GeneratedKey {
        let privateKey = Curve25519.Signing.PrivateKey()
        let publicKey = privateKey.publicKey.rawRepresentation
        let keyId = SigningKeyID.derive(publicKey: publicKey)
        let sealed = try await seal(privateKey, keyId: keyId, passphrase: passphrase, cost: cost, scheduler: scheduler, deadline: deadline)
        return GeneratedKey(keyId: keyId, publicKey: publicKey, sealed: sealed)
    }

    static func seal(_ privateKey: Curve25519.Signing.PrivateKey, keyId: String, passphrase: String, cost: ScryptCost,
                     scheduler: KDFScheduler, deadline: ContinuousClock.Instant?) async throws -> SealedPrivateKey {
        var salt = Data(count: 16)
        salt.withUnsafeMutableBytes { buffer in
            var generator = SystemRandomNumberGenerator()
            for index in buffer.indices { buffer[index] = generator.next() }
        }
        let unlocked = UnlockedKey(key: privateKey)
        return try await scheduler.run(cost: cost, deadline: deadline) { [salt] in
            try sealNow(unlocked.key, keyId: keyId, passphrase: passphrase, salt: salt, cost: cost)
        }
    }

    private static func sealNow(_ privateKey: Curve25519.Signing.PrivateKey, keyId: String, passphrase: String, salt: Data,
                                cost: ScryptCost) throws -> SealedPrivateKey {
        let key = try deriveKey(passphrase: passphrase, salt: salt, cost: cost)
        var seed = privateKey.rawRepresentation
        defer { seed.resetBytes(in: 0..<seed.count) }
        let box = try AES.GCM.seal(seed, using: key, authenticating: Data((associatedDataPrefix + keyId).utf8))
        guard let combined = box.combined else { throw UnsealError.keyMismatch }
        return SealedPrivateKey(cost: cost, salt: salt, box: combined)
    }

    /// Derives the key-encryption key and opens the sealed seed. Synchronous and slow (one scrypt):
    /// call it only inside a `KDFScheduler` slot.
    ///
    /// Key hygiene: the derived key and the private key live in swift-crypto's `SecureBytes`, which
    /// zero their memory when released; the passphrase bytes and the decrypted seed are copies made
    /// here and are overwritten before returning. The caller keeps the private key only in locals of
    /// the signing call. (The passphrase `String` itself is immutable and cannot be overwritten.)
    static func unsealNow(_ sealed: SealedPrivateKey, keyId: String, publicKey: Data,
                          passphrase: String) throws -> Curve25519.Signing.PrivateKey {
        let key = try deriveKey(passphrase: passphrase, salt: sealed.salt, cost: sealed.cost)
        var seed: Data
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.box)
            seed = try AES.GCM.open(box, using: key, authenticating: Data((associatedDataPrefix + keyId).utf8))
        } catch {
            throw UnsealError.wrongPassphrase
        }
        defer { seed.resetBytes(in: 0..<seed.count) }
        guard let privateKey = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed),
              privateKey.publicKey.rawRepresentation == publicKey else {
            throw UnsealError.keyMismatch
        }
        return privateKey
    }

    /// Passphrases are NFC-normalised first so the same typed text unlocks the key from any client.
    static func deriveKey(passphrase: String, salt: Data, cost: ScryptCost) throws -> SymmetricKey {
        var bytes = Data(passphrase.precomposedStringWithCanonicalMapping.utf8)
        defer { bytes.resetBytes(in: 0..<bytes.count) }
        return try KDF.Scrypt.deriveKey(from: bytes, salt: salt, outputByteCount: 32, rounds: 1 << cost.log2N,
                                        blockSize: cost.blockSize, parallelism: cost.parallelism)
    }
}
