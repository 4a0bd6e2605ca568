import Domain
import Foundation
import GatewayCore
import Synchronization

/// A clock the test moves by hand, so durations and lateness are exact without sleeping.
final class ManualClock: GatewayClock {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_767_225_600)) {  // 2026-01-01T00:00:00Z
        current = Mutex(start)
    }

    func now() -> Date { current.withLock { $0 } }

    func advance(minutes: Double) {
        current.withLock { $0 = $0.addingTimeInterval(minutes * 60) }
    }
}

enum Fixtures {
    static let clerk = Actor(id: "ani", name: "Ani", role: .stafUmum)
    static let drafter = Actor(id: "dedi", name: "Dedi", role: .drafter)
    static let sekretaris = Actor(id: "sri", name: "Sri", role: .sekretaris)
    static let camat = Actor(id: "camat", name: "Pak Camat", role: .camat)

    static func temporaryDatabasePath() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("gateway.sqlite").path
    }

    /// A journey taken through step 1 and a created draft, ready for the drafter's paraf.
    static func journeyInDrafting(_ id: String = "L1", clock: ManualClock, standards: SOPStandards = .sop) throws -> Journey {
        var journey = Journey(letterID: id, subject: "Undangan rapat", classification: "005", unit: "416-313",
                              openedBy: clerk, at: clock.now(), standards: standards)
        clock.advance(minutes: 2)
        try journey.assignClerk(clerk, by: clerk, at: clock.now(), standards: standards)
        try journey.recordDraftCreated(draftID: "D1", revision: 1, digest: "aa", by: drafter, at: clock.now())
        return journey
    }
}
