import Domain
import Foundation
import Testing
@testable import GatewayCore

@Suite("Journey state machine", .timeLimit(.minutes(10)))
struct JourneyStateMachineTests {
    let standards = SOPStandards.sop

    @Test("all six steps in order record actor, start, end, duration and lateness")
    func happyPath() throws {
        let clock = ManualClock()
        var journey = try Fixtures.journeyInDrafting(clock: clock)
        clock.advance(minutes: 12)  // step 2 standard is 10: late
        try journey.paraf(revision: 1, digest: "aa", by: Fixtures.drafter, at: clock.now(), standards: standards)
        #expect(journey.state == .inReview)
        clock.advance(minutes: 4)
        try journey.approve(by: Fixtures.sekretaris, at: clock.now(), standards: standards)
        clock.advance(minutes: 15)  // exactly the standard: not late
        try journey.upload(signingRequestID: "S1", by: Fixtures.clerk, at: clock.now(), standards: standards)
        clock.advance(minutes: 1)
        try journey.sign(signatureID: "SIG1", by: Fixtures.camat, at: clock.now(), standards: standards)
        clock.advance(minutes: 3)
        try journey.register(letterNumber: "005/1/416-313/2026", by: Fixtures.clerk, at: clock.now(), standards: standards)

        #expect(journey.state == .completed)
        #expect(journey.currentStep == nil)
        #expect(journey.steps.map(\.step) == SOPStep.allCases)
        #expect(journey.steps.map { $0.durationSeconds } == [120, 720, 240, 900, 60, 180])
        #expect(journey.steps.map { $0.isLate(now: clock.now()) } == [false, true, false, false, false, false])
        #expect(journey.steps.map { $0.actor?.id } == ["ani", "dedi", "sri", "ani", "camat", "ani"])
        #expect(journey.steps.map(\.standardSeconds) == [180, 600, 300, 900, 300, 600])
        #expect(journey.letterNumber == "005/1/416-313/2026")
        #expect(journey.totalDurationSeconds.map { Int($0.rounded()) } == 2220)
    }

    @Test("a step out of order fails with FAILED_PRECONDITION naming the current step")
    func outOfOrder() throws {
        let clock = ManualClock()
        var journey = try Fixtures.journeyInDrafting(clock: clock)
        let error = #expect(throws: GatewayError.self) {
            try journey.approve(by: Fixtures.sekretaris, at: clock.now(), standards: standards)
        }
        #expect(error?.kind == .failedPrecondition)
        #expect(error?.message.contains("step 2") == true)
        #expect(journey.state == .drafting)

        #expect(throws: GatewayError.self) {
            try journey.register(letterNumber: "x", by: Fixtures.clerk, at: clock.now(), standards: standards)
        }
        #expect(throws: GatewayError.self) {
            try journey.assignClerk(Fixtures.clerk, by: Fixtures.clerk, at: clock.now(), standards: standards)
        }
        // Nothing recorded by the refused attempts.
        #expect(journey.steps.count == 2)
    }

    @Test("a completed letter refuses every step and says it is completed")
    func completedRefusesSteps() throws {
        let clock = ManualClock()
        var journey = try Fixtures.journeyInDrafting(clock: clock)
        try journey.paraf(revision: 1, digest: "aa", by: Fixtures.drafter, at: clock.now(), standards: standards)
        try journey.approve(by: Fixtures.sekretaris, at: clock.now(), standards: standards)
        try journey.upload(signingRequestID: "S", by: Fixtures.clerk, at: clock.now(), standards: standards)
        try journey.sign(signatureID: "G", by: Fixtures.camat, at: clock.now(), standards: standards)
        try journey.register(letterNumber: "N", by: Fixtures.clerk, at: clock.now(), standards: standards)
        let error = #expect(throws: GatewayError.self) {
            try journey.register(letterNumber: "N2", by: Fixtures.clerk, at: clock.now(), standards: standards)
        }
        #expect(error?.message.contains("completed") == true)
        #expect(journey.letterNumber == "N")
    }

    @Test("return with notes goes back to step 2, any number of times, keeping every return")
    func returnLoop() throws {
        let clock = ManualClock()
        var journey = try Fixtures.journeyInDrafting(clock: clock)
        for round in 1...3 {
            try journey.paraf(revision: round, digest: "d\(round)", by: Fixtures.drafter, at: clock.now(),
                              standards: standards)
            clock.advance(minutes: 1)
            try journey.returnToDrafter(notes: "  fix paragraph \(round) ", by: Fixtures.sekretaris, at: clock.now(),
                                        standards: standards)
            #expect(journey.state == .drafting)
            try journey.recordDraftEdited(revision: round + 1, digest: "d\(round + 1)", at: clock.now())
        }
        try journey.paraf(revision: 4, digest: "d4", by: Fixtures.drafter, at: clock.now(), standards: standards)
        try journey.approve(by: Fixtures.sekretaris, at: clock.now(), standards: standards)

        #expect(journey.returns.map(\.notes) == ["fix paragraph 1", "fix paragraph 2", "fix paragraph 3"])
        #expect(journey.returns.map(\.revisionDigest) == ["d1", "d2", "d3"])
        #expect(journey.returns.map(\.round) == [1, 2, 3])
        #expect(journey.steps.filter { $0.step == .draft }.map(\.round) == [1, 2, 3, 4])
        #expect(journey.steps.filter { $0.step == .review }.map(\.outcome) == [.returned, .returned, .returned, .done])
        #expect(journey.state == .approved)
        #expect(journey.revisionDigest == "d4")
    }

    @Test("a return needs notes")
    func returnNeedsNotes() throws {
        let clock = ManualClock()
        var journey = try Fixtures.journeyInDrafting(clock: clock)
        try journey.paraf(revision: 1, digest: "aa", by: Fixtures.drafter, at: clock.now(), standards: standards)
        let error = #expect(throws: GatewayError.self) {
            try journey.returnToDrafter(notes: "   ", by: Fixtures.sekretaris, at: clock.now(), standards: standards)
        }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.hasPrefix("notes") == true)
        #expect(journey.state == .inReview)
    }

    @Test("paraf and edits need a draft first; a second draft is refused")
    func draftRules() throws {
        let clock = ManualClock()
        var journey = Journey(letterID: "L", subject: "s", classification: "005", unit: "u", openedBy: Fixtures.clerk,
                              at: clock.now(), standards: standards)
        try journey.assignClerk(Fixtures.clerk, by: Fixtures.clerk, at: clock.now(), standards: standards)
        #expect(throws: GatewayError.self) {
            try journey.paraf(revision: 1, digest: "x", by: Fixtures.drafter, at: clock.now(), standards: standards)
        }
        #expect(throws: GatewayError.self) { try journey.recordDraftEdited(revision: 2, digest: "y", at: clock.now()) }
        try journey.recordDraftCreated(draftID: "D", revision: 1, digest: "x", by: Fixtures.drafter, at: clock.now())
        let error = #expect(throws: GatewayError.self) {
            try journey.recordDraftCreated(draftID: "D2", revision: 1, digest: "x", by: Fixtures.drafter, at: clock.now())
        }
        #expect(error?.kind == .alreadyExists)
    }

    @Test("configurable standards are used for new step records", arguments: [[1, 1, 1, 1, 1, 1], [3, 10, 5, 15, 5, 10]])
    func configurableStandards(minutes: [Int]) throws {
        let standards = SOPStandards(minutes: minutes)
        let clock = ManualClock()
        var journey = try Fixtures.journeyInDrafting(clock: clock, standards: standards)
        clock.advance(minutes: 2)
        try journey.paraf(revision: 1, digest: "aa", by: Fixtures.drafter, at: clock.now(), standards: standards)
        #expect(journey.steps[1].standardSeconds == minutes[1] * 60)
        #expect(journey.steps[1].isLate(now: clock.now()) == (minutes[1] < 2))
        #expect(journey.steps[2].standardSeconds == minutes[2] * 60)
    }

    @Test("each step belongs to its SOP role")
    func stepRoles() {
        #expect(SOPStep.allCases.map(\.role) == [.stafUmum, .drafter, .sekretaris, .stafUmum, .camat, .stafUmum])
        #expect(JourneyState.allCases.compactMap(\.currentStep) == SOPStep.allCases)
    }
}
