import Foundation
import Testing
@testable import SigningCore

/// The scrypt scheduler's admission rules, driven directly: tickets are held and finished by the
/// test, so every state is reached deterministically (no derivation runs, nothing is timed).
@Suite("KDF scheduler: bounded workers and queue, deadline admission, per-signer attempts", .timeLimit(.minutes(5)))
struct KDFSchedulerTests {
    static let cost = ScryptCost(log2N: 16, blockSize: 8, parallelism: 1)

    /// Waits until `count` calls wait in the scheduler (they enqueue asynchronously).
    static func waitUntil(_ scheduler: KDFScheduler, waiting count: Int) async {
        while await scheduler.waitingCount < count { await Task.yield() }
    }

    @Test("a full queue refuses at once with UNAVAILABLE and a retry hint; a freed worker starts the next")
    func queueLimit() async throws {
        let scheduler = KDFScheduler(workers: 1, queueLimit: 1, maxAttempts: 5)
        let first = try await scheduler.admit(cost: Self.cost, signerId: nil, deadline: nil)
        let second = Task { try await scheduler.admit(cost: Self.cost, signerId: nil, deadline: nil) }
        await Self.waitUntil(scheduler, waiting: 1)
        do {
            _ = try await scheduler.admit(cost: Self.cost, signerId: nil, deadline: nil)
            Issue.record("a third call was admitted past a queue of one")
        } catch let error as SigningError {
            #expect(error.code == .unavailable)
            #expect((error.retryAfterMillis ?? 0) > 0)
            #expect(error.rpcError.metadata["retry-after-ms"] != nil)
            #expect(error.rpcError.code == .unavailable)
        }
        await scheduler.finish(first, outcome: .none)
        let admitted = try await second.value
        await scheduler.finish(admitted, outcome: .none)
        #expect(await scheduler.runningCount == 0)
    }

    @Test("a call that could not finish before its deadline is refused at once, not queued")
    func deadlineAdmission() async throws {
        let scheduler = KDFScheduler(workers: 1, queueLimit: 100, maxAttempts: 5)
        let busy = try await scheduler.admit(cost: Self.cost, signerId: nil, deadline: nil)
        do {
            // One derivation at this cost is estimated at well over a millisecond.
            _ = try await scheduler.admit(cost: Self.cost, signerId: nil, deadline: .now + .milliseconds(1))
            Issue.record("admitted although the deadline cannot be met")
        } catch let error as SigningError {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("deadline"))
        }
        #expect(await scheduler.waitingCount == 0)
        // A generous deadline waits instead.
        let patient = Task { try await scheduler.admit(cost: Self.cost, signerId: nil, deadline: .now + .seconds(600)) }
        await Self.waitUntil(scheduler, waiting: 1)
        await scheduler.finish(busy, outcome: .none)
        await scheduler.finish(try await patient.value, outcome: .none)
    }

    @Test("one signer gets only as many attempts at once as it has left; other signers are not held up")
    func perSignerAttempts() async throws {
        let scheduler = KDFScheduler(workers: 4, queueLimit: 100, maxAttempts: 5)
        // Unknown count: one attempt at a time.
        let a1 = try await scheduler.admit(cost: Self.cost, signerId: "camat", deadline: nil)
        let a2 = Task { try await scheduler.admit(cost: Self.cost, signerId: "camat", deadline: nil) }
        await Self.waitUntil(scheduler, waiting: 1)
        // Another signer passes the waiting one.
        let other = try await scheduler.admit(cost: Self.cost, signerId: "plh", deadline: nil)
        await scheduler.finish(other, outcome: .none)
        // The first attempt's database read says 2 attempts are left: a second may run alongside it.
        await scheduler.learned(signerId: "camat", remaining: 2, epoch: a1.epoch)
        let second = try await a2.value
        // Two in flight with two left: a third waits.
        let a3 = Task { try await scheduler.admit(cost: Self.cost, signerId: "camat", deadline: nil) }
        await Self.waitUntil(scheduler, waiting: 1)
        // The first was wrong: 4 failures recorded, 1 left, and 1 (the second) still in flight, so the third still waits.
        await scheduler.finish(a1, outcome: .wrongPassphrase(failures: 4))
        #expect(await scheduler.waitingCount == 1)
        // A stale read (taken before the first finished) must not raise the count again.
        await scheduler.learned(signerId: "camat", remaining: 5, epoch: second.epoch)
        #expect(await scheduler.waitingCount == 1)
        // The second was right: the count is reset and the third starts.
        await scheduler.finish(second, outcome: .unlocked)
        let third = try await a3.value
        await scheduler.finish(third, outcome: .none)
        #expect(await scheduler.runningCount == 0)
    }
}
