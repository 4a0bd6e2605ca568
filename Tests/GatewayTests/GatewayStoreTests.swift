import Domain
import Foundation
import GRDB
import Testing
@testable import GatewayCore

@Suite("Gateway store: journeys, idempotency, durability", .timeLimit(.minutes(10)))
struct GatewayStoreTests {
    func open(_ path: String, _ clock: ManualClock) throws -> GatewayStore {
        try GatewayStore(path: path, clock: clock)
    }

    func openLetter(_ store: GatewayStore, id: String, requestID: String) async throws -> Data {
        let journey = Journey(letterID: id, subject: "Perihal \(id)", classification: "005", unit: "416-313",
                              openedBy: Fixtures.clerk, at: store.now(), standards: store.standards)
        return try await store.openLetter(journey, method: "OpenLetter", requestID: requestID, requestDigest: id) { _ in
            Data(id.utf8)
        }
    }

    @Test("a journey survives closing and reopening the database")
    func persistence() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let clock = ManualClock()
        do {
            let store = try open(path, clock)
            _ = try await openLetter(store, id: "L1", requestID: "r1")
            clock.advance(minutes: 5)
            _ = try await store.update(letterID: "L1", method: "AssignClerk", requestID: "r2", requestDigest: "x") { journey in
                try journey.assignClerk(Fixtures.clerk, by: Fixtures.clerk, at: clock.now(), standards: .sop)
                return Data()
            }
        }
        let reopened = try open(path, clock)
        let journey = try await reopened.journey("L1")
        #expect(journey.state == .drafting)
        #expect(journey.steps.first?.durationSeconds == 300)
        #expect(journey.steps.first?.isLate(now: clock.now()) == true)
        #expect(journey.clerk == Fixtures.clerk)
    }

    @Test("the same request id returns the stored response and changes nothing; a different request is refused")
    func idempotency() async throws {
        let clock = ManualClock()
        let store = try open(Fixtures.temporaryDatabasePath(), clock)
        let first = try await openLetter(store, id: "L1", requestID: "r1")
        let again = try await openLetter(store, id: "L1", requestID: "r1")
        #expect(first == again)
        let clash = await #expect(throws: GatewayError.self) { try await openLetter(store, id: "L2", requestID: "r1") }
        #expect(clash?.kind == .invalidArgument)
        #expect(clash?.message.hasPrefix("request_id") == true)
        let duplicate = await #expect(throws: GatewayError.self) { try await openLetter(store, id: "L1", requestID: "r9") }
        #expect(duplicate?.kind == .alreadyExists)

        var calls = 0
        for _ in 0..<3 {
            _ = try await store.update(letterID: "L1", method: "AssignClerk", requestID: "a1", requestDigest: "d") { journey in
                try journey.assignClerk(Fixtures.clerk, by: Fixtures.clerk, at: clock.now(), standards: .sop)
                return Data("assigned".utf8)
            }
            calls += 1
        }
        #expect(calls == 3)
        #expect(try await store.journey("L1").steps.count == 2)
    }

    @Test("a refused transition leaves no trace and no stored response")
    func refusedTransitionRollsBack() async throws {
        let clock = ManualClock()
        let store = try open(Fixtures.temporaryDatabasePath(), clock)
        _ = try await openLetter(store, id: "L1", requestID: "r1")
        let refused = await #expect(throws: GatewayError.self) {
            try await store.update(letterID: "L1", method: "Approve", requestID: "x1", requestDigest: "d") { journey in
                try journey.approve(by: Fixtures.sekretaris, at: clock.now(), standards: .sop)
                return Data()
            }
        }
        #expect(refused?.kind == .failedPrecondition)
        #expect(try await store.storedResponse(method: "Approve", requestID: "x1", requestDigest: "d") == nil)
        #expect(try await store.journey("L1").state == .opened)
        let missing = await #expect(throws: GatewayError.self) { try await store.journey("nope") }
        #expect(missing?.kind == .notFound)
    }

    @Test("racing callers: only one moves the letter")
    func racingTransitions() async throws {
        let clock = ManualClock()
        let store = try open(Fixtures.temporaryDatabasePath(), clock)
        _ = try await openLetter(store, id: "L1", requestID: "r1")
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<8 {
                group.addTask {
                    do {
                        _ = try await store.update(letterID: "L1", method: "AssignClerk", requestID: "race-\(index)",
                                                   requestDigest: "d") { journey in
                            try journey.assignClerk(Fixtures.clerk, by: Fixtures.clerk, at: clock.now(), standards: .sop)
                            return Data()
                        }
                        return true
                    } catch { return false }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try await store.journey("L1").steps.count == 2)
    }

    @Test("queues and SLA come from stored journeys")
    func queuesAndSLAFromStore() async throws {
        let clock = ManualClock()
        let store = try open(Fixtures.temporaryDatabasePath(), clock)
        let from = clock.now()
        for id in ["A", "B", "C"] {
            _ = try await openLetter(store, id: id, requestID: "open-\(id)")
            clock.advance(minutes: 1)
        }
        clock.advance(minutes: 2)
        _ = try await store.update(letterID: "B", method: "AssignClerk", requestID: "as-B", requestDigest: "d") { journey in
            try journey.assignClerk(Fixtures.clerk, by: Fixtures.clerk, at: clock.now(), standards: .sop)
            return Data()
        }
        // A waited 5 min (> 3), C 3 min (not late); B moved on to drafting.
        let queue = try await store.workQueue(role: .stafUmum)
        #expect(queue.map(\.letterID) == ["A", "C"])
        #expect(queue.map(\.overdue) == [true, false])
        #expect(try await store.workQueue(role: .drafter).map(\.letterID) == ["B"])
        #expect(try await store.workQueue(role: .admin).isEmpty)

        let report = try await store.slaReport(from: from, to: clock.now().addingTimeInterval(1))
        #expect(report.steps[0].count == 1)
        #expect(report.steps[0].medianSeconds == 240)
        #expect(report.steps[0].lateCount == 1)
        #expect(try await store.journeys().map(\.letterID) == ["C", "B", "A"])
        #expect(try await store.journeys(state: .drafting).map(\.letterID) == ["B"])
    }
}
