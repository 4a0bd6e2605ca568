import Dispatch
import Foundation

/// Where every scrypt derivation waits and runs.
///
/// - **Bounded concurrency.** At most `workers` derivations run at once, each on a GCD worker
///   thread (never an event loop or the Swift concurrency pool), so memory stays at `workers`
///   scrypt working sets (64 MiB each at the default cost) and several signers use several cores.
/// - **Bounded queue, answered at once.** A call that finds `queueLimit` calls already waiting, or
///   whose deadline would pass before its derivation could finish (estimated from the measured time
///   per derivation and the calls ahead of it), is refused immediately with UNAVAILABLE and a
///   `retry-after-ms` hint instead of expiring in the queue. A waiter whose deadline has become too
///   close by the time a worker frees is refused then, without spending a derivation on it.
/// - **Exact lockout under concurrency.** Passphrase attempts of one signer are admitted only while
///   fewer are in flight than the attempts that signer has left (`PassphraseBudget`), so parallel
///   guesses cannot slip past the wrong-passphrase limit, while a Camat with no recent failures can
///   have several letters' keys derived at once.
actor KDFScheduler {
    let workers: Int
    let queueLimit: Int
    /// Wrong passphrases allowed before a lockout (the policy's `maxFailedPassphraseAttempts`).
    let maxAttempts: Int

    /// What one attempt learnt about its signer's wrong-passphrase count, reported on release.
    enum Outcome: Sendable {
        /// The passphrase was right: the count is reset.
        case unlocked
        /// The passphrase was wrong: `failures` is the count after this one, from the write that recorded it.
        case wrongPassphrase(failures: Int)
        /// The signer is locked out.
        case lockedOut
        /// Nothing was learnt (no passphrase involved, or the call failed before trying).
        case none
    }

    /// Per-signer admission state. `remaining` = attempts left as last known (nil: unknown, so
    /// only one attempt at a time until a database read tells).
    private struct SignerState {
        var inFlight = 0
        var remaining: Int?
        /// Bumped on every release, so a database read taken before another attempt finished is not trusted.
        var epoch: UInt64 = 0
        var limit: Int { max(1, remaining ?? 1) }
    }

    private struct Waiter {
        var signerId: String?
        var units: Double
        var deadline: ContinuousClock.Instant?
        var continuation: CheckedContinuation<UInt64, any Error>
    }

    private var running = 0
    private var waiting: [Waiter] = []
    private var signers: [String: SignerState] = [:]
    /// Moving average of nanoseconds per scrypt unit (N * r * p). The seed is about what an
    /// optimised build takes on the 2-core development machine; `calibrate` and every real
    /// derivation correct it.
    private var nanosPerUnit: Double = 300
    private var measuredOnce = false

    init(workers: Int, queueLimit: Int, maxAttempts: Int) {
        self.workers = max(1, workers)
        self.queueLimit = max(0, queueLimit)
        self.maxAttempts = max(1, maxAttempts)
    }

    /// Calls waiting for a worker, and derivations admitted and not finished (for tests and logs).
    var waitingCount: Int { waiting.count }
    var runningCount: Int { running }

    static func units(_ cost: ScryptCost) -> Double {
        Double(1 << cost.log2N) * Double(cost.blockSize) * Double(cost.parallelism)
    }

    /// The estimated time of one derivation at `cost`, in milliseconds.
    func estimatedMillis(_ cost: ScryptCost) -> Double { Self.units(cost) * nanosPerUnit / 1_000_000 }

    /// An admitted call: it holds a worker (and, for a passphrase attempt, one of its signer's
    /// slots) until `finish`, which the holder MUST call exactly once.
    struct Ticket: Sendable {
        var signerId: String?
        var units: Double
        /// For `learned`: the signer's epoch when this call was admitted.
        var epoch: UInt64
    }

    /// Waits for a worker (and a signer slot), or throws UNAVAILABLE at once (see the type's doc).
    nonisolated func admit(cost: ScryptCost, signerId: String?, deadline: ContinuousClock.Instant?) async throws -> Ticket {
        let units = Self.units(cost)
        let epoch = try await acquire(signerId: signerId, units: units, deadline: deadline)
        return Ticket(signerId: signerId, units: units, epoch: epoch)
    }

    /// Runs the derivation of an admitted call on a GCD worker thread and measures it.
    nonisolated func perform<T: Sendable>(_ ticket: Ticket, _ work: @escaping @Sendable () throws -> T) async -> Result<T, any Error> {
        let started = ContinuousClock.now
        let result: Result<T, any Error> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(returning: Result { try work() })
            }
        }
        await measured(units: ticket.units, elapsed: ContinuousClock.now - started)
        return result
    }

    /// Admits, derives and finishes a call with no passphrase attempt to account (sealing a new key).
    nonisolated func run<T: Sendable>(cost: ScryptCost, deadline: ContinuousClock.Instant?,
                                      _ work: @escaping @Sendable () throws -> T) async throws -> T {
        let ticket = try await admit(cost: cost, signerId: nil, deadline: deadline)
        let result = await perform(ticket, work)
        await finish(ticket, outcome: .none)
        return try result.get()
    }

    /// A database read made by an attempt admitted at `epoch` says the signer has `remaining`
    /// attempts left. Trusted only when no attempt of that signer finished meanwhile.
    func learned(signerId: String, remaining: Int, epoch: UInt64) {
        guard var state = signers[signerId], state.epoch == epoch else { return }
        state.remaining = max(0, remaining)
        signers[signerId] = state
        startWaiters()
    }

    /// Ends an admitted call: frees its worker (and its signer slot) and starts whoever is next.
    func finish(_ ticket: Ticket, outcome: Outcome) {
        running -= 1
        if let signerId = ticket.signerId, var state = signers[signerId] {
            state.inFlight -= 1
            state.epoch &+= 1
            switch outcome {
            case .unlocked: state.remaining = maxAttempts
            case .wrongPassphrase(let failures): state.remaining = max(0, maxAttempts - failures)
            case .lockedOut: state.remaining = 0
            case .none: break
            }
            signers[signerId] = state
        }
        startWaiters()
    }

    /// Runs one derivation at `cost` so the first real calls are admitted on a measured estimate.
    /// Returns the measured time in milliseconds.
    func calibrate(cost: ScryptCost, _ work: @escaping @Sendable () throws -> Void) async -> Double {
        _ = try? await run(cost: cost, deadline: nil, work)
        return estimatedMillis(cost)
    }

    private func measured(units: Double, elapsed: Duration) {
        let nanos = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        guard units > 0, nanos > 0 else { return }
        SigningMetrics.kdfDuration.recordNanoseconds(Int64(nanos))
        // The first measurement replaces the seed (a debug build is several times slower).
        nanosPerUnit = measuredOnce ? 0.7 * nanosPerUnit + 0.3 * (nanos / units) : nanos / units
        measuredOnce = true
    }

    private func acquire(signerId: String?, units: Double, deadline: ContinuousClock.Instant?) async throws -> UInt64 {
        if waiting.isEmpty, running < workers, admissible(signerId) {
            return start(signerId)
        }
        let estimate = units * nanosPerUnit
        // The calls ahead share the workers; this one starts when about (ahead + 1) / workers of
        // them have finished, and is done one derivation later.
        let waitNanos = Double(waiting.count + max(0, running - workers + 1)) / Double(workers) * estimate
        let retryAfter = Int64(((waitNanos + estimate) / 1_000_000).rounded(.up))
        if waiting.count >= queueLimit {
            throw SigningError(.unavailable, "the signing service is busy: \(waiting.count) key derivations are waiting (limit \(queueLimit)); retry in about \(retryAfter) ms with the same request_id",
                               retryAfterMillis: retryAfter)
        }
        if let deadline {
            let finish = ContinuousClock.now + .nanoseconds(Int64(waitNanos + estimate))
            if finish > deadline {
                throw SigningError(.unavailable, "the signing service is busy: this call would wait about \(Int64(waitNanos / 1_000_000)) ms for key derivation and not finish before its deadline; retry in about \(retryAfter) ms with the same request_id",
                                   retryAfterMillis: retryAfter)
            }
        }
        return try await withCheckedThrowingContinuation { continuation in
            waiting.append(Waiter(signerId: signerId, units: units, deadline: deadline, continuation: continuation))
            // Those ahead may all be waiting for their signer's slot while a worker is free.
            startWaiters()
        }
    }

    private func admissible(_ signerId: String?) -> Bool {
        guard let signerId else { return true }
        let state = signers[signerId] ?? SignerState()
        return state.inFlight < state.limit
    }

    private func start(_ signerId: String?) -> UInt64 {
        running += 1
        guard let signerId else { return 0 }
        var state = signers[signerId] ?? SignerState()
        state.inFlight += 1
        signers[signerId] = state
        return state.epoch
    }

    /// Starts waiters in arrival order while workers are free; a waiter whose signer has no slot
    /// left is skipped (not blocking other signers); one whose deadline is now too close is refused.
    private func startWaiters() {
        var index = 0
        let now = ContinuousClock.now
        while running < workers, index < waiting.count {
            let waiter = waiting[index]
            if let deadline = waiter.deadline, now + .nanoseconds(Int64(waiter.units * nanosPerUnit)) > deadline {
                waiting.remove(at: index)
                waiter.continuation.resume(throwing: SigningError(
                    .unavailable, "the signing service is busy: this call's deadline came too close while it waited for key derivation; retry with the same request_id",
                    retryAfterMillis: Int64((waiter.units * nanosPerUnit / 1_000_000).rounded(.up))))
                continue
            }
            guard admissible(waiter.signerId) else {
                index += 1
                continue
            }
            waiting.remove(at: index)
            waiter.continuation.resume(returning: start(waiter.signerId))
        }
        SigningMetrics.kdfQueueLength.record(waiting.count)
    }
}
