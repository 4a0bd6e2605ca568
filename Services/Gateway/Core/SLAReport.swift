import Domain
import Foundation

/// Per-step service-level figures over a period: how many steps finished, how long they took, how many were late.
public struct StepSLA: Sendable, Equatable, Codable {
    public var step: SOPStep
    public var count: Int
    public var medianSeconds: Double
    public var p90Seconds: Double
    public var lateCount: Int
    public var standardSeconds: Int
}

public struct SLAReport: Sendable, Equatable, Codable {
    public var from: Date
    public var to: Date
    public var steps: [StepSLA]

    /// Builds the report from finished step records whose end falls in `[from, to)`. Steps without records get a
    /// zero row so the table always has six lines. Percentiles use the nearest-rank method.
    public static func compute(records: [StepRecord], from: Date, to: Date, standards: SOPStandards) -> SLAReport {
        let finished = records.filter { record in
            // A withdrawn letter's last step did not finish: it is not a duration to measure.
            guard let end = record.endedAt, record.outcome != .inProgress, record.outcome != .withdrawn else { return false }
            return end >= from && end < to
        }
        let rows = SOPStep.allCases.map { step -> StepSLA in
            let mine = finished.filter { $0.step == step }
            let durations = mine.compactMap(\.durationSeconds).sorted()
            let late = mine.filter { record in record.endedAt.map { record.isLate(now: $0) } ?? false }.count
            return StepSLA(step: step, count: mine.count, medianSeconds: nearestRank(durations, 0.5),
                           p90Seconds: nearestRank(durations, 0.9), lateCount: late,
                           standardSeconds: standards.seconds(for: step))
        }
        return SLAReport(from: from, to: to, steps: rows)
    }

    /// Nearest-rank percentile of sorted values: the smallest value with at least `p` of the values at or below it.
    static func nearestRank(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }
}
