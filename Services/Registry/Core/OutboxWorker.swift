import Foundation
import GRDB
import Logging

/// A letter on its way to one addressee's inbox.
package struct OutboundLetter: Sendable {
    package var delivery: Delivery
    package var entry: AgendaEntry
    package var content: [UInt8]
    package var signatureRecord: [UInt8]
    /// The final PDF when the letter has one of at most `inlinePDFLimit` bytes (else empty: the
    /// receiver fetches it by the verification id its v2 receipt names), and its SHA-256.
    package var pdf: [UInt8] = []
    package var pdfDigest: [UInt8] = []

    /// Keeps a delivery with its content and attachments well under the 4 MiB message limit.
    package static let inlinePDFLimit = 2 << 20
}

/// How the outbox reaches another office's inbox (RPC in the executable, in-memory in tests).
package protocol DeliveryTransport: Sendable {
    /// Delivers and returns the receiver's acknowledgement id. Throwing means "try again later".
    func deliver(_ letter: OutboundLetter) async throws -> String
}

package struct RetryPolicy: Sendable {
    package var maxAttempts: Int
    package var initialBackoff: Duration
    package var maxBackoff: Duration

    package init(maxAttempts: Int = 8, initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(300)) {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// Exponential backoff after the given number of failed attempts (1 → initial, 2 → 2×, ...).
    package func delay(afterAttempts attempts: Int) -> Duration {
        var delay = initialBackoff
        for _ in 1..<max(1, attempts) where delay < maxBackoff { delay *= 2 }
        return min(delay, maxBackoff)
    }

    /// When the next attempt is due, in Unix milliseconds: `now` plus the backoff after `attempts`.
    package func nextAttempt(afterAttempts attempts: Int, now: Int64) -> Int64 {
        let (seconds, attoseconds) = delay(afterAttempts: attempts).components
        return now + seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

/// Drains the durable outbox: every `pending` delivery whose time has come is sent; success is
/// recorded with the receiver's acknowledgement, failure reschedules with backoff until the
/// policy gives up (`failed`, with the last error). An attempt is counted (and the next one
/// scheduled after its backoff) durably BEFORE it is made, so `attempts` also counts an attempt a
/// crash cut short; the retry after restart is one more attempt, which idempotent inboxes absorb.
package final class OutboxWorker: Sendable {
    let store: RegistryStore
    let transport: any DeliveryTransport
    let policy: RetryPolicy
    let logger: Logger
    private let woken = LockedValue(false)
    private let parallelism: Int

    package init(store: RegistryStore, transport: any DeliveryTransport, policy: RetryPolicy = RetryPolicy(),
                 parallelism: Int = 8, logger: Logger) {
        self.store = store
        self.transport = transport
        self.policy = policy
        self.parallelism = parallelism
        self.logger = logger
    }

    /// New deliveries were committed: look now instead of at the next poll.
    package func wake() { woken.set(true) }

    /// Runs until the task is cancelled.
    package func run(pollInterval: Duration = .seconds(1)) async {
        while !Task.isCancelled {
            woken.set(false)
            let sent: Int
            do {
                sent = try await runOnce()
            } catch {
                logger.warning("outbox round failed", metadata: ["error": "\(error)"])
                sent = 0
            }
            if sent > 0 { continue }
            // Idle: sleep in short steps so a wake-up is noticed quickly.
            var slept = Duration.zero
            while slept < pollInterval, !woken.get(), !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
                slept += .milliseconds(50)
            }
        }
    }

    /// One round: attempts every due delivery (up to a batch) once. Returns how many were tried.
    @discardableResult
    package func runOnce() async throws -> Int {
        let now = store.clock.now().unixMilliseconds
        let due = try await store.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Delivery.columns) FROM delivery WHERE state = ? AND next_attempt_ms <= ?
                    AND agenda_id NOT IN (SELECT agenda_id FROM letter_pdf WHERE pdf IS NULL)
                ORDER BY next_attempt_ms, id LIMIT 64
                """, arguments: [DeliveryState.pending.rawValue, now]).map(Delivery.decode)
        }
        guard !due.isEmpty else { return 0 }
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for delivery in due {
                if running == parallelism {
                    await group.next()
                    running -= 1
                }
                group.addTask { await self.attempt(delivery) }
                running += 1
            }
        }
        return due.count
    }

    private func attempt(_ delivery: Delivery) async {
        let letterKey = delivery.letterId.uuidString.lowercased()
        var logger = logger
        logger[metadataKey: "letter.id"] = "\(letterKey)"
        logger[metadataKey: "addressee.id"] = "\(delivery.addresseeId)"
        let attempts = delivery.attempts + 1
        do {
            guard try await claim(delivery, letterKey: letterKey, attempts: attempts) else { return }
        } catch {
            logger.error("cannot record a delivery attempt before making it", metadata: ["error": "\(error)"])
            return
        }
        let outcome: Result<String, any Error>
        do {
            let entry = try await store.entry(letterId: delivery.letterId)
            guard let payload = try await store.payload(letterId: delivery.letterId) else {
                throw RegistryError(.internalError, "letter payload missing")
            }
            var letter = OutboundLetter(delivery: delivery, entry: entry, content: payload.content,
                                        signatureRecord: payload.signatureRecord)
            if let stored = try await store.letterPDF(agendaId: entry.id), let digest = stored.sha256 {
                letter.pdfDigest = digest
                if stored.size <= OutboundLetter.inlinePDFLimit {
                    letter.pdf = try await store.pdfBytes(agendaId: entry.id, offset: 0, count: Int(stored.size))
                }
            }
            outcome = .success(try await transport.deliver(letter))
        } catch {
            outcome = .failure(error)
        }
        let now = store.clock.now().unixMilliseconds
        do {
            try await store.pool.write { db in
                switch outcome {
                case .success(let acknowledgement):
                    try db.execute(sql: """
                        UPDATE delivery SET state = ?, attempts = ?, delivered_at_ms = ?, acknowledgement = ?, last_error = ''
                        WHERE agenda_id = (SELECT id FROM agenda WHERE letter_id = ?) AND addressee_id = ? AND state = ?
                        """, arguments: [DeliveryState.delivered.rawValue, attempts, now, acknowledgement, letterKey,
                                         delivery.addresseeId, DeliveryState.pending.rawValue])
                case .failure(let error):
                    let giveUp = attempts >= self.policy.maxAttempts
                    RegistryMetrics.deliveryFailed(error, gaveUp: giveUp)
                    let next = self.policy.nextAttempt(afterAttempts: attempts, now: now)
                    try db.execute(sql: """
                        UPDATE delivery SET state = ?, attempts = ?, next_attempt_ms = ?, last_error = ?
                        WHERE agenda_id = (SELECT id FROM agenda WHERE letter_id = ?) AND addressee_id = ? AND state = ?
                        """, arguments: [giveUp ? DeliveryState.failed.rawValue : DeliveryState.pending.rawValue, attempts,
                                         next, String(describing: error).prefix(500).description, letterKey,
                                         delivery.addresseeId, DeliveryState.pending.rawValue])
                }
            }
            switch outcome {
            case .success(let acknowledgement): logger.info("delivered", metadata: ["ack": "\(acknowledgement)", "attempt": "\(attempts)"])
            case .failure(let error): logger.notice("delivery attempt failed", metadata: ["error": "\(error)", "attempt": "\(attempts)"])
            }
        } catch {
            logger.error("cannot record delivery outcome", metadata: ["error": "\(error)"])
        }
    }

    /// Counts the attempt about to be made and schedules the next one after its backoff, in one
    /// durable write. False when the row is no longer this pending delivery at this count (it was
    /// delivered, withdrawn or attempted meanwhile): then nothing is sent.
    private func claim(_ delivery: Delivery, letterKey: String, attempts: Int) async throws -> Bool {
        let next = policy.nextAttempt(afterAttempts: attempts, now: store.clock.now().unixMilliseconds)
        return try await store.pool.write { db in
            try db.execute(sql: """
                UPDATE delivery SET attempts = ?, next_attempt_ms = ?
                WHERE agenda_id = (SELECT id FROM agenda WHERE letter_id = ?) AND addressee_id = ? AND state = ? AND attempts = ?
                """, arguments: [attempts, next, letterKey, delivery.addresseeId, DeliveryState.pending.rawValue, delivery.attempts])
            return db.changesCount == 1
        }
    }
}
