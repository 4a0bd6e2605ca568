import Metrics
import GRDB

/// The registry's counted metrics (swift-metrics; no-ops unless the process turned metrics on).
/// What is read rather than counted (outbox backlog, oldest pending delivery) is collected at
/// scrape time by the server (`RegistryMetricsCollector`). Names: deploy/README.md, "Monitoring".
package enum RegistryMetrics {
    /// Made on first use: after `ServiceMain` bootstrapped the metrics backend (the first batch
    /// and the first delivery come through RPC, which starts after it).
    private static let batchSize = Recorder(label: "surat_registry_batch_size", aggregate: true)
    private static let commitDuration = Timer(label: "surat_registry_batch_commit_seconds")
    private static let registrations = Counter(label: "surat_registry_registrations_total")

    /// One group-commit batch committed: its size, the time to commit it (assign + fsync), and
    /// the new registrations it made (retries of registered letters are not new).
    static func batchCommitted(size: Int, newRegistrations: Int, duration: Duration) {
        batchSize.record(size)
        let (seconds, attoseconds) = duration.components
        commitDuration.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        if newRegistrations > 0 { registrations.increment(by: newRegistrations) }
    }

    /// A delivery attempt failed; `reason` is the status name the receiving office (or the
    /// transport) gave, e.g. `UNAVAILABLE`, or `OTHER`.
    static func deliveryFailed(_ error: any Error, gaveUp: Bool) {
        Counter(label: "surat_registry_delivery_failures_total",
                dimensions: [("reason", reason(error)), ("gave_up", gaveUp ? "true" : "false")]).increment()
    }

    /// The leading upper-case status name of an error's description (`UNAVAILABLE: ...`), so the
    /// label keeps to a few values whatever the message says.
    static func reason(_ error: any Error) -> String {
        let text = String(describing: error)
        let head = text.prefix { $0 != ":" }
        guard head.count < text.count, !head.isEmpty, head.count <= 32,
              head.allSatisfy({ ($0 >= "A" && $0 <= "Z") || $0 == "_" }) else { return "OTHER" }
        return String(head)
    }
}

extension RegistryMetrics {
    /// Reads the outbox at scrape time: deliveries per state, the pending backlog and the age of
    /// its oldest letter (how long an addressee has been waiting), and the agenda's size.
    package static func collector(store: RegistryStore) -> @Sendable () async -> Void {
        let byState = [DeliveryState.pending, .delivered, .failed, .manual, .deliveredManually, .withdrawn].map { state in
            (state.rawValue, Gauge(label: "surat_registry_deliveries", dimensions: [("state", "\(state)")]))
        }
        let oldestPending = Gauge(label: "surat_registry_outbox_oldest_pending_seconds")
        let agendaEntries = Gauge(label: "surat_registry_agenda_entries")
        return {
            let figures = try? await store.pool.read { db -> (counts: [Int: Int], oldestMs: Int64?, entries: Int) in
                var counts: [Int: Int] = [:]
                let rows = try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM delivery GROUP BY state")
                for row in rows { counts[row["state"]] = row["n"] }
                let oldest = try Int64.fetchOne(db, sql: """
                    SELECT MIN(agenda.registered_at_ms) FROM delivery JOIN agenda ON agenda.id = delivery.agenda_id
                    WHERE delivery.state = ?
                    """, arguments: [DeliveryState.pending.rawValue])
                let entries = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM agenda") ?? 0
                return (counts, oldest, entries)
            }
            guard let figures else { return }
            for (raw, gauge) in byState { gauge.record(figures.counts[raw] ?? 0) }
            let nowMs = store.clock.now().unixMilliseconds
            oldestPending.record(figures.oldestMs.map { Double(max(0, nowMs - $0)) / 1000 } ?? 0)
            agendaEntries.record(figures.entries)
        }
    }
}
