import Foundation

/// Hands work to one dedicated writer thread that drains everything pending as one batch.
///
/// Callers suspend on a continuation; the writer takes up to `maxBatch` items at once, runs
/// `process` (one SQLite transaction for the whole batch) and only then resumes each caller with
/// its own result. While a batch commits, new callers queue up and form the next batch: that is
/// the group commit, with no timer and no added latency when the load is light.
/// `@unchecked`: `condition` guards `pending` and `state`, the only mutable fields.
package final class GroupCommitQueue<Item: Sendable, Output: Sendable>: @unchecked Sendable {
    package typealias Processor = @Sendable ([Item]) -> [Result<Output, RegistryError>]

    private struct Pending {
        var item: Item
        var continuation: CheckedContinuation<Output, any Error>
    }

    // `condition` guards `pending` and `state`.
    private let condition = NSCondition()
    private var pending: [Pending] = []
    private var state: State = .running
    private let maxBatch: Int
    private let process: Processor
    private var thread: Thread?

    private enum State { case running, stopping, stopped }

    package init(name: String, maxBatch: Int, process: @escaping Processor) {
        precondition(maxBatch > 0)
        self.maxBatch = maxBatch
        self.process = process
        // The thread keeps the queue alive until `shutdown()`.
        let thread = Thread { self.runLoop() }
        thread.name = name
        thread.qualityOfService = .userInitiated
        self.thread = thread
        thread.start()
    }

    /// Enqueues one item and waits until the batch holding it has been processed.
    package func submit(_ item: Item) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            guard state == .running else {
                condition.unlock()
                continuation.resume(throwing: RegistryError(.unavailable, "registry is shutting down"))
                return
            }
            pending.append(Pending(item: item, continuation: continuation))
            if pending.count == 1 { condition.signal() }
            condition.unlock()
        }
    }

    /// Processes what is already queued, then stops the writer thread; later submits fail.
    package func shutdown() {
        condition.lock()
        if state == .running { state = .stopping }
        condition.broadcast()
        while state != .stopped { condition.wait() }
        condition.unlock()
    }

    private func runLoop() {
        while true {
            condition.lock()
            while pending.isEmpty && state == .running { condition.wait() }
            if pending.isEmpty {
                state = .stopped
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch: [Pending]
            if pending.count <= maxBatch {
                batch = pending
                pending.removeAll(keepingCapacity: true)
            } else {
                batch = Array(pending.prefix(maxBatch))
                pending.removeFirst(maxBatch)
            }
            condition.unlock()

            let results = process(batch.map(\.item))
            for (waiter, result) in zip(batch, results) {
                switch result {
                case .success(let output): waiter.continuation.resume(returning: output)
                case .failure(let error): waiter.continuation.resume(throwing: error)
                }
            }
        }
    }
}
