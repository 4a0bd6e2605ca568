import Domain
import Foundation
import GRDB
import Testing
@testable import GatewayCore

@Suite("Gateway step intents: the same ask reuses its backend request id, also after a restart", .timeLimit(.minutes(5)))
struct StepIntentTests {
    func openLetter(_ store: GatewayStore, id: String) async throws -> Journey {
        let journey = Journey(letterID: id, subject: "Perihal \(id)", classification: "005", unit: "416-313",
                              openedBy: Fixtures.clerk, at: store.now(), standards: store.standards)
        _ = try await store.openLetter(journey, method: "OpenLetter", requestID: "open-\(id)", requestDigest: id) { _ in Data() }
        return try await store.journey(id)
    }

    /// A store on a new database with a manual clock, and letter L1 opened in it.
    func storeWithLetter() async throws -> (ManualClock, GatewayStore, Journey) {
        let clock = ManualClock()
        let store = try GatewayStore(path: Fixtures.temporaryDatabasePath(), clock: clock)
        return (clock, store, try await openLetter(store, id: "L1"))
    }

    @Test("the same ask on the same journey gets the first backend request id, under any client request id and after reopening")
    func sameAskSameID() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let clock = ManualClock()
        let journey: Journey
        do {
            let store = try GatewayStore(path: path, clock: clock)
            journey = try await openLetter(store, id: "L1")
            let first = try await store.stepIntent(letterID: "L1", method: "AssignClerk", asked: "ask-a",
                                                   journeyUpdatedAt: journey.updatedAt, proposed: "gw-from-r1")
            #expect(first == "gw-from-r1")
        }
        // A new process (the gateway was SIGKILLed): the intent is on disk.
        let store = try GatewayStore(path: path, clock: clock)
        let retried = try await store.stepIntent(letterID: "L1", method: "AssignClerk", asked: "ask-a",
                                                 journeyUpdatedAt: journey.updatedAt, proposed: "gw-from-r2")
        #expect(retried == "gw-from-r1")
        #expect(try await store.openIntent(letterID: "L1", method: "AssignClerk") == "gw-from-r1")
    }

    @Test("a different ask, or the same ask on a journey that moved, gets its own backend request id")
    func differentAskOrJourney() async throws {
        let (_, store, journey) = try await storeWithLetter()
        _ = try await store.stepIntent(letterID: "L1", method: "EditDraft", asked: "ask-a",
                                       journeyUpdatedAt: journey.updatedAt, proposed: "gw-1")
        let other = try await store.stepIntent(letterID: "L1", method: "EditDraft", asked: "ask-b",
                                               journeyUpdatedAt: journey.updatedAt, proposed: "gw-2")
        #expect(other == "gw-2")
        let moved = try await store.stepIntent(letterID: "L1", method: "EditDraft", asked: "ask-b",
                                               journeyUpdatedAt: journey.updatedAt.addingTimeInterval(1), proposed: "gw-3")
        #expect(moved == "gw-3")
    }

    @Test("recording the step closes its intent")
    func recordingCloses() async throws {
        let (clock, store, journey) = try await storeWithLetter()
        _ = try await store.stepIntent(letterID: "L1", method: "AssignClerk", asked: "ask-a",
                                       journeyUpdatedAt: journey.updatedAt, proposed: "gw-1")
        _ = try await store.update(letterID: "L1", method: "AssignClerk", requestID: "r1", requestDigest: "d") { journey in
            try journey.assignClerk(Fixtures.clerk, by: Fixtures.clerk, at: clock.now(), standards: .sop)
            return Data()
        }
        #expect(try await store.openIntent(letterID: "L1", method: "AssignClerk") == nil)
    }

    @Test("a recorded step is found by its natural key under a new request id, which then replays by request id")
    func naturalKey() async throws {
        let (clock, store, _) = try await storeWithLetter()
        let key = GatewayStore.naturalKey(letterID: "L1", asked: "ask-a")
        let first = try await store.update(letterID: "L1", method: "AssignClerk", requestID: "r1", requestDigest: "d1",
                                           naturalKey: key) { journey in
            try journey.assignClerk(Fixtures.clerk, by: Fixtures.clerk, at: clock.now(), standards: .sop)
            return Data("assigned".utf8)
        }
        #expect(try await store.storedStep(method: "AssignClerk", naturalKey: key, requestID: "r2", requestDigest: "d2") == first)
        #expect(try await store.storedResponse(method: "AssignClerk", requestID: "r2", requestDigest: "d2") == first)
        // r2 is now taken by that request: another request under it is refused.
        await #expect(throws: GatewayError.self) {
            try await store.storedStep(method: "AssignClerk", naturalKey: key, requestID: "r2", requestDigest: "other")
        }
        let otherAsk = GatewayStore.naturalKey(letterID: "L1", asked: "ask-b")
        #expect(try await store.storedStep(method: "AssignClerk", naturalKey: otherAsk, requestID: "r3", requestDigest: "d3") == nil)
        #expect(try await store.storedResponse(method: "AssignClerk", requestID: "r3", requestDigest: "d3") == nil)
    }
}
