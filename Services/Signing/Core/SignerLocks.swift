/// One passphrase attempt at a time per signer, so the wrong-passphrase count is exact even when
/// a client fires many attempts in parallel (they queue here instead of racing past the limit).
actor SignerLocks {
    private var held: Set<String> = []
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]

    func acquire(_ signerId: String) async {
        if held.insert(signerId).inserted { return }
        await withCheckedContinuation { continuation in
            waiters[signerId, default: []].append(continuation)
        }
    }

    /// Hands the lock straight to the next waiter, or frees it.
    func release(_ signerId: String) {
        if var queue = waiters[signerId], !queue.isEmpty {
            let next = queue.removeFirst()
            waiters[signerId] = queue.isEmpty ? nil : queue
            next.resume()
        } else {
            held.remove(signerId)
        }
    }

    nonisolated func withLock<T: Sendable>(_ signerId: String, _ body: @Sendable () async throws -> T) async throws -> T {
        await acquire(signerId)
        do {
            let result = try await body()
            await release(signerId)
            return result
        } catch {
            await release(signerId)
            throw error
        }
    }
}
