import Crypto
import Foundation

/// Sign calls of one signer with the same key and the same passphrase that arrive while an unlock
/// for exactly that is waiting or running share it instead of deriving again: the office pattern
/// of many letters signed at once by one Camat costs one scrypt per burst, not one per letter.
///
/// What is shared is one passphrase attempt: its outcome (the unlocked key, or the wrong-passphrase
/// or lockout error, or an overload refusal) goes to every call that joined it, and a wrong
/// passphrase counts once towards the lockout, as for a bulk call. The key itself is handed to each
/// joined call and dropped when the last of them returns; nothing is kept once the attempt is over
/// (a call arriving after it finished starts a new one, with a new passphrase check).
actor SharedUnlocks {
    private struct Attempt: Hashable {
        var keyId: String
        /// SHA-256 of the passphrase's NFC bytes: in memory only, only while the attempt is in flight.
        var passphraseDigest: Data
    }

    private struct Running {
        var task: Task<Result<UnlockedKey, any Error>, Never>
        /// The deadline the attempt was admitted under: it ends (signed or refused) by then.
        var deadline: ContinuousClock.Instant?
    }

    private var inFlight: [Attempt: Running] = [:]

    /// How much later than a joining call's own deadline the attempt it joins may have been
    /// admitted for: calls sent together have deadlines a few milliseconds apart, in any order.
    static let deadlineTolerance: Duration = .milliseconds(250)

    /// Joins the attempt in flight for this key and passphrase, or starts one with `unlock`.
    /// A call joins only an attempt admitted under a deadline (so bound to end, signed or refused,
    /// by then) no later than its own plus `deadlineTolerance`; otherwise it makes its own, which
    /// the scheduler admits, or refuses at once, by its own deadline.
    func unlock(keyId: String, passphrase: String, deadline: ContinuousClock.Instant?,
                _ unlock: @escaping @Sendable () async throws -> UnlockedKey) async throws -> UnlockedKey {
        var bytes = Data(passphrase.precomposedStringWithCanonicalMapping.utf8)
        let attempt = Attempt(keyId: keyId, passphraseDigest: Data(SHA256.hash(data: bytes)))
        bytes.resetBytes(in: 0..<bytes.count)
        if let running = inFlight[attempt], let runningDeadline = running.deadline,
           deadline.map({ runningDeadline <= $0 + Self.deadlineTolerance }) ?? true {
            return try await running.task.value.get()
        }
        let task = Task { () async -> Result<UnlockedKey, any Error> in
            do {
                return .success(try await unlock())
            } catch {
                return .failure(error)
            }
        }
        let registered = inFlight[attempt] == nil
        if registered { inFlight[attempt] = Running(task: task, deadline: deadline) }
        let result = await task.value
        if registered { inFlight[attempt] = nil }
        return try result.get()
    }
}
