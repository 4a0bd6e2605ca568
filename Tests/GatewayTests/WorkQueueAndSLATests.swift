import Domain
import Foundation
import Testing
@testable import GatewayCore

@Suite("Work queues and SLA report", .timeLimit(.minutes(10)))
struct WorkQueueAndSLATests {
    let standards = SOPStandards.sop

    @Test("a role's queue lists only its letters, oldest first, overdue marked")
    func queueOrderAndOverdue() throws {
        let clock = ManualClock()
        var old = try Fixtures.journeyInDrafting("OLD", clock: clock)
        clock.advance(minutes: 1)
        try old.paraf(revision: 1, digest: "a", by: Fixtures.drafter, at: clock.now(), standards: standards)
        clock.advance(minutes: 2)
        var young = try Fixtures.journeyInDrafting("YOUNG", clock: clock)
        clock.advance(minutes: 1)
        try young.paraf(revision: 1, digest: "b", by: Fixtures.drafter, at: clock.now(), standards: standards)
        let drafting = try Fixtures.journeyInDrafting("DRAFT", clock: clock)
        clock.advance(minutes: 1)  // OLD initialled at minute 3, YOUNG at 8, now 11: OLD waited 8 (> 5), YOUNG 3

        let sekretaris = WorkQueue.items(for: .sekretaris, journeys: [young, drafting, old], now: clock.now())
        #expect(sekretaris.map(\.letterID) == ["OLD", "YOUNG"])
        #expect(sekretaris.map(\.overdue) == [true, false])
        #expect(sekretaris.map(\.ageSeconds) == [480, 180])
        #expect(sekretaris.allSatisfy { $0.step == .review })

        let drafters = WorkQueue.items(for: .drafter, journeys: [young, drafting, old], now: clock.now())
        #expect(drafters.map(\.letterID) == ["DRAFT"])
        #expect(WorkQueue.items(for: .camat, journeys: [young, drafting, old], now: clock.now()).isEmpty)
        #expect(WorkQueue.items(for: .drafter, assigneeID: "someone-else", journeys: [drafting], now: clock.now()).isEmpty)
        #expect(WorkQueue.items(for: .drafter, assigneeID: "dedi", journeys: [drafting], now: clock.now()).count == 1)
    }

    @Test("SLA report: per step count, median, p90 and late count within the period")
    func slaReport() throws {
        let start = Date(timeIntervalSince1970: 1_000_000)
        func record(_ step: SOPStep, minutes: Double, endOffset: Double = 100) -> StepRecord {
            let end = start.addingTimeInterval(endOffset)
            return StepRecord(step: step, round: 1, startedAt: end.addingTimeInterval(-minutes * 60), endedAt: end,
                              actor: nil, standardSeconds: standards.seconds(for: step), outcome: .done)
        }
        var records = (1...10).map { record(.draft, minutes: Double($0)) }  // 1..10 min, standard 10: none late
        records.append(record(.draft, minutes: 11, endOffset: 10_000))      // outside the period
        records += [record(.review, minutes: 4), record(.review, minutes: 6)]  // one late
        records.append(StepRecord(step: .sign, round: 1, startedAt: start, endedAt: nil, actor: nil,
                                  standardSeconds: 300, outcome: .inProgress))  // unfinished: not counted

        let report = SLAReport.compute(records: records, from: start, to: start.addingTimeInterval(1000),
                                       standards: standards)
        #expect(report.steps.count == 6)
        let draft = report.steps[1]
        #expect(draft.count == 10)
        #expect(draft.medianSeconds == 300)
        #expect(draft.p90Seconds == 540)
        #expect(draft.lateCount == 0)
        let review = report.steps[2]
        #expect(review.count == 2)
        #expect(review.lateCount == 1)
        #expect(review.medianSeconds == 240)
        #expect(review.p90Seconds == 360)
        #expect(report.steps[4].count == 0)
    }

    @Test("nearest-rank percentiles", arguments: [
        ([Double](), 0.5, 0.0), ([7], 0.9, 7), ([1, 2], 0.5, 1), ([1, 2, 3, 4], 0.9, 4), ([1, 2, 3], 0.5, 2),
    ])
    func percentiles(values: [Double], p: Double, expected: Double) {
        #expect(SLAReport.nearestRank(values, p) == expected)
    }
}
