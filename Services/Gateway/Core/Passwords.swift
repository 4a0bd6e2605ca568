import Crypto
import _CryptoExtras
import Dispatch
import Foundation

/// A stored password: only a salted scrypt hash with its cost, never the password. The cost is kept
/// with each hash so a later change of the default does not lock anyone out.
public struct PasswordHash: Sendable, Equatable {
    public var log2N: Int
    public var blockSize: Int
    public var parallelism: Int
    public var salt: Data
    public var hash: Data

    /// `scrypt$<log2N>$<r>$<p>$<salt b64>$<hash b64>`: one column, self-describing.
    public var encoded: String {
        "scrypt$\(log2N)$\(blockSize)$\(parallelism)$\(salt.base64EncodedString())$\(hash.base64EncodedString())"
    }

    public init(log2N: Int, blockSize: Int, parallelism: Int, salt: Data, hash: Data) {
        self.log2N = min(max(log2N, 10), 22)
        self.blockSize = blockSize
        self.parallelism = parallelism
        self.salt = salt
        self.hash = hash
    }

    public init?(encoded: String) {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt", let n = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
              (10...22).contains(n), (1...32).contains(r), (1...16).contains(p),
              let salt = Data(base64Encoded: String(parts[4])), let hash = Data(base64Encoded: String(parts[5])),
              salt.count >= 16, hash.count == 32 else { return nil }
        self.init(log2N: n, blockSize: r, parallelism: p, salt: salt, hash: hash)
    }
}

/// Password hashing for sign-in. scrypt (RFC 7914) as the signing service uses for passphrases;
/// the default N = 2^15, r = 8, p = 1 costs 32 MiB and roughly 0.1 s optimised per attempt: slow
/// for a guesser with a stolen database, unnoticeable for a person signing in once a day.
///
/// The derivation runs on a dedicated dispatch queue, never on an event loop or the Swift
/// concurrency pool, and at most `maxConcurrent` at once so a burst of sign-ins cannot starve the
/// gateway's other calls of the machine's cores.
public final class PasswordHasher: Sendable {
    public let log2N: Int
    let queue = DispatchQueue(label: "surat.gateway.password-kdf", attributes: .concurrent)
    let slots: DispatchSemaphore

    public init(log2N: Int = 15, maxConcurrent: Int = 2) {
        self.log2N = min(max(log2N, 10), 22)
        self.slots = DispatchSemaphore(value: max(1, maxConcurrent))
    }

    /// Password rules: long enough to resist guessing at scrypt speed, short enough to bound the
    /// KDF input. Returns the problem in English for the API (clients translate), or nil.
    public static func problem(password: String, userID: String) -> String? {
        let count = password.count
        if count < 10 { return "must be at least 10 characters" }
        if password.utf8.count > 256 { return "must be at most 256 bytes" }
        if password.lowercased().contains(userID.lowercased()) { return "must not contain the user id" }
        if Set(password).count < 4 { return "must use at least 4 different characters" }
        return nil
    }

    public func hash(_ password: String) async -> PasswordHash {
        let salt = SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }
        let derived = await derive(password, salt: salt, log2N: log2N, blockSize: 8, parallelism: 1)
        return PasswordHash(log2N: log2N, blockSize: 8, parallelism: 1, salt: salt, hash: derived)
    }

    /// Constant-time comparison of the derived key with the stored one.
    public func verify(_ password: String, against stored: PasswordHash) async -> Bool {
        let derived = await derive(password, salt: stored.salt, log2N: stored.log2N, blockSize: stored.blockSize,
                                   parallelism: stored.parallelism)
        guard derived.count == stored.hash.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(derived, stored.hash) { difference |= a ^ b }
        return difference == 0
    }

    func derive(_ password: String, salt: Data, log2N: Int, blockSize: Int, parallelism: Int) async -> Data {
        let slots = self.slots
        return await withCheckedContinuation { (continuation: CheckedContinuation<Data, Never>) in
            queue.async {
                slots.wait()
                defer { slots.signal() }
                let key = try? KDF.Scrypt.deriveKey(from: Data(password.utf8), salt: salt, outputByteCount: 32,
                                                    rounds: 1 << log2N, blockSize: blockSize, parallelism: parallelism)
                // A KDF failure (memory) yields an empty key, which never matches a stored 32-byte hash.
                continuation.resume(returning: key.map { $0.withUnsafeBytes { Data($0) } } ?? Data())
            }
        }
    }
}

/// Failed sign-ins per user id, in memory: after `freeAttempts` consecutive failures each further
/// attempt must wait, 30 s doubling up to 15 min. A success clears the count. Kept per user id (not
/// per address) because every browser reaches the gateway through the one web app.
public actor SignInLimiter {
    struct Entry { var failures: Int; var blockedUntil: Date }
    var entries: [String: Entry] = [:]
    let freeAttempts: Int

    public init(freeAttempts: Int = 5) { self.freeAttempts = freeAttempts }

    /// Seconds the caller must still wait before trying `userID` again, or nil.
    public func waitRemaining(userID: String, now: Date) -> Int? {
        guard let entry = entries[userID], entry.blockedUntil > now else { return nil }
        return max(1, Int(entry.blockedUntil.timeIntervalSince(now).rounded(.up)))
    }

    public func recordFailure(userID: String, now: Date) {
        var entry = entries[userID] ?? Entry(failures: 0, blockedUntil: .distantPast)
        entry.failures += 1
        if entry.failures >= freeAttempts {
            let doublings = min(entry.failures - freeAttempts, 5)
            entry.blockedUntil = now.addingTimeInterval(min(30 * pow(2, Double(doublings)), 900))
        }
        entries[userID] = entry
        // Bound memory against sprays of made-up user ids: forget the oldest unblocked entries.
        if entries.count > 10_000 {
            entries = entries.filter { $0.value.blockedUntil > now }
        }
    }

    public func recordSuccess(userID: String) { entries[userID] = nil }
}
