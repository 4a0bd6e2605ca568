import Domain
import Foundation

/// One letter waiting for someone in a role.
public struct WorkItem: Sendable, Equatable, Codable {
    public var letterID: String
    public var subject: String
    public var step: SOPStep
    public var waitingSince: Date
    public var ageSeconds: Double
    public var standardSeconds: Int
    public var overdue: Bool
    /// The person the item is assigned to, if any (the letter's clerk for steps 4 and 6, its drafter for step 2).
    public var assigneeID: String?
}

public enum WorkQueue {
    /// The states whose current step is done by `role`.
    public static func states(for role: Role) -> [JourneyState] {
        JourneyState.allCases.filter { $0.currentStep?.role == role }
    }

    /// Letters waiting for `role`, oldest first; when `assigneeID` is given only that person's items
    /// (and unassigned ones, which anyone in the role may take).
    public static func items(for role: Role, assigneeID: String? = nil, journeys: [Journey], now: Date) -> [WorkItem] {
        journeys.compactMap { journey -> WorkItem? in
            guard let step = journey.currentStep, step.role == role, let record = journey.currentStepRecord else {
                return nil
            }
            let assignee: String? = switch step {
            case .upload, .register: journey.clerk?.id
            case .draft: journey.drafter?.id
            default: nil
            }
            if let assigneeID, let assignee, assignee != assigneeID { return nil }
            let age = now.timeIntervalSince(record.startedAt)
            return WorkItem(letterID: journey.letterID, subject: journey.subject, step: step,
                            waitingSince: record.startedAt, ageSeconds: age, standardSeconds: record.standardSeconds,
                            overdue: age > Double(record.standardSeconds), assigneeID: assignee)
        }
        .sorted { ($0.waitingSince, $0.letterID) < ($1.waitingSince, $1.letterID) }
    }
}
