import Domain
import Foundation
import GatewayCore
import GRDB
import Metrics
import NIOConcurrencyHelpers
import Observability

/// The SOP figures, read from the journey records at scrape time (the records are the truth, and
/// survive restarts): letters per state (and the step each waits for), work queue length per
/// role, and each finished step's duration against its time standard. Names: deploy/README.md,
/// "Monitoring".
enum GatewayMetrics {
    private struct FinishedStep: Sendable {
        var step: Int
        var startedAt: Double
        var endedAt: Double
        var standardSeconds: Int
    }

    static func collector(store: GatewayStore) -> @Sendable () async -> Void {
        let letters = JourneyState.allCases.map { state in
            (state, Gauge(label: "surat_sop_letters", dimensions: [
                ("state", state.rawValue), ("step", state.currentStep.map { "\($0.rawValue)" } ?? "done"),
            ]))
        }
        let queues = Role.allCases.map { role in (role, Gauge(label: "surat_sop_queue_length", dimensions: [("role", role.rawValue)])) }
        // Steps finished before this process started were counted by the previous one: start
        // after the newest, so a restart does not replay history into the counters.
        let newestAtStart = (try? store.pool.read { db in
            try Double.fetchOne(db, sql: "SELECT MAX(ended_at) FROM step_record WHERE outcome != 'in_progress'")
        }) ?? nil
        let seenUpTo = NIOLockedValueBox<Double>(newestAtStart ?? 0)
        return {
            let since = seenUpTo.withLockedValue { $0 }
            let read = try? await store.pool.read { db -> (states: [String: Int], steps: [FinishedStep]) in
                var states: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM journey GROUP BY state") {
                    states[row["state"]] = row["n"]
                }
                let steps = try Row.fetchAll(db, sql: """
                    SELECT step, started_at, ended_at, standard_seconds FROM step_record
                    WHERE ended_at > ? AND outcome != 'in_progress' ORDER BY ended_at
                    """, arguments: [since]).map { row in
                    FinishedStep(step: row["step"], startedAt: row["started_at"], endedAt: row["ended_at"],
                                 standardSeconds: row["standard_seconds"])
                }
                return (states, steps)
            }
            guard let read else { return }
            var waiting: [Role: Int] = [:]
            for (state, gauge) in letters {
                let count = read.states[state.rawValue] ?? 0
                gauge.record(count)
                if let step = state.currentStep { waiting[step.role, default: 0] += count }
            }
            for (role, gauge) in queues { gauge.record(waiting[role] ?? 0) }
            var newest = since
            for finished in read.steps {
                let seconds = max(0, finished.endedAt - finished.startedAt)
                let dimensions = [("step", "\(finished.step)")]
                Timer(label: "surat_sop_step_duration_seconds", dimensions: dimensions)
                    .recordNanoseconds(Int64(seconds * 1e9))
                Counter(label: "surat_sop_steps_completed_total", dimensions: dimensions).increment()
                if seconds > Double(finished.standardSeconds) {
                    Counter(label: "surat_sop_steps_late_total", dimensions: dimensions).increment()
                }
                newest = max(newest, finished.endedAt)
            }
            seenUpTo.withLockedValue { $0 = max($0, newest) }
        }
    }
}
