import Domain
import Foundation

/// Plain-text tables for people, JSON for scripts.
enum Output {
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line))
            .joined(separator: "\n")
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static let timeFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.timeZone = TimeZone(identifier: "Asia/Jakarta")
        return formatter
    }()

    static func time(_ date: Date?) -> String {
        guard let date, date.timeIntervalSince1970 > 0 else { return "-" }
        return timeFormatter.string(from: date) + " WIB"
    }

    /// 75 -> "1m15s", 0.4 -> "0.4s".
    static func duration(_ seconds: Double) -> String {
        if seconds < 10 { return String(format: "%.1fs", seconds) }
        let total = Int(seconds.rounded())
        if total < 3600 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total / 3600)h\(String(format: "%02d", (total % 3600) / 60))m"
    }

    static func actor(_ actor: ActorIdentity?) -> String {
        guard let actor, !actor.id.isEmpty else { return "-" }
        let name = actor.name.isEmpty ? actor.id : "\(actor.name) (\(actor.id))"
        if let actingFor = actor.actingFor { return "\(name), Plh for \(actingFor)" }
        return name
    }

    static func state(_ state: GatewayAPI.JourneyState) -> String {
        switch state {
        case .unspecified: "unspecified"
        case .opened: "opened"
        case .drafting: "drafting"
        case .inReview: "in_review"
        case .approved: "approved"
        case .awaitingSignature: "awaiting_signature"
        case .signed: "signed"
        case .completed: "completed"
        case .withdrawn: "withdrawn"
        }
    }

    static func journey(_ journey: GatewayAPI.Journey) -> String {
        var lines = [
            "letter    \(journey.letterID)  \(journey.subject)",
            "state     \(state(journey.state))" + (journey.currentStep > 0
                ? " (waiting for step \(journey.currentStep): \(journey.currentStepTitle))" : ""),
        ]
        if !journey.letterNumber.isEmpty { lines.append("number    \(journey.letterNumber)") }
        if let clerk = journey.clerk { lines.append("clerk     \(actor(clerk))") }
        if !journey.draftID.isEmpty {
            lines.append("draft     \(journey.draftID) revision \(journey.revision) digest \(LetterContent.hex(journey.revisionDigest).prefix(16))…")
        }
        lines.append("")
        let rows = journey.steps.map { step -> [String] in
            let status = switch step.outcome {
            case .inProgress: "in progress"
            case .returned: "returned"
            case .withdrawn: "withdrawn"
            default: "done"
            }
            return ["\(step.step)" + (step.round > 1 ? ".\(step.round)" : ""), step.title, actor(step.actor),
                    time(step.startedAt), time(step.endedAt), duration(step.durationSeconds),
                    "\(step.standardSeconds / 60)m", step.late ? "LATE" : "ok", status]
        }
        lines.append(table(["step", "activity", "actor", "started", "ended", "took", "standard", "sla", "status"], rows))
        for item in journey.returns {
            lines.append("returned (round \(item.round)) by \(actor(item.by)) at \(time(item.at)): \(item.notes)")
        }
        for item in journey.reassignments {
            lines.append("reassigned \(item.role) from \(actor(item.previous)) to \(actor(item.assignee)) by \(actor(item.by)) at \(time(item.at)): \(item.reason)")
        }
        if let withdrawal = journey.withdrawal {
            lines.append("WITHDRAWN at step \(withdrawal.atStep) by \(actor(withdrawal.by)) at \(time(withdrawal.at)): \(withdrawal.reason)")
        }
        if journey.totalDurationSeconds > 0 {
            lines.append("total     \(duration(journey.totalDurationSeconds)) (SOP standard 48m)")
        }
        return lines.joined(separator: "\n")
    }
}

/// Prints a reply as a table/text or as JSON.
func emit<T: Encodable>(_ value: T, json: Bool, _ text: (T) -> String) {
    print(json ? Output.json(value) : text(value))
}
