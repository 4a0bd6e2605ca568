import Foundation
import Testing
@testable import GatewayCore

/// The registrations the gateway keeps from step 6: the high-water mark it sends with every
/// Register and what ReconcileRegistry gives back to a restored registry.
@Suite("Gateway store: registration records", .timeLimit(.minutes(10)))
struct RegistrationRecordTests {
    static func held(_ letter: String, year: Int32, sequence: Int64) -> GatewayStore.HeldRegistration {
        GatewayStore.HeldRegistration(
            letterID: letter, number: "005/\(sequence)/416-313/\(year)", agendaYear: year, agendaSequence: sequence,
            registeredAt: Date(timeIntervalSince1970: 1_700_000_000 + Double(sequence)), receiptText: Data("receipt \(letter)".utf8),
            receiptSeal: Data(repeating: 1, count: 64), content: Data("content \(letter)".utf8),
            signatureRecord: Data("record \(letter)".utf8), registeredBy: "ani", requestID: "gw-\(letter)", unit: "416-313")
    }

    @Test("a record is kept only when step 6's transaction commits, and a replay stores nothing new")
    func recordsFollowTheJourneyTransaction() async throws {
        let clock = ManualClock()
        let store = try GatewayStore(path: Fixtures.temporaryDatabasePath(), clock: clock)
        #expect(try await store.highestAgendaSequences().isEmpty)
        for (index, letter) in ["L1", "L2", "L3"].enumerated() {
            let journey = Journey(letterID: letter, subject: "Perihal", classification: "005", unit: "416-313",
                                  openedBy: Fixtures.clerk, at: clock.now(), standards: store.standards)
            _ = try await store.openLetter(journey, method: "OpenLetter", requestID: "open-\(letter)", requestDigest: letter) { _ in Data() }
            _ = try await store.update(letterID: letter, method: "Register", requestID: "reg-\(letter)", requestDigest: letter,
                                       registration: Self.held(letter, year: 2026, sequence: Int64(index + 1))) { _ in Data() }
        }
        // A transition that fails records nothing.
        await #expect(throws: GatewayError.self) {
            _ = try await store.update(letterID: "L1", method: "Register", requestID: "reg-fail", requestDigest: "x",
                                       registration: Self.held("L9", year: 2026, sequence: 9)) { _ in
                throw GatewayError(.failedPrecondition, "not at step 6")
            }
        }
        #expect(try await store.highestAgendaSequences() == [2026: 3])
        #expect(try await store.registrationYears() == [2026])
        let after1 = try await store.registrations(year: 2026, after: 1)
        #expect(after1.map(\.letterID) == ["L2", "L3"])
        #expect(after1.first == Self.held("L2", year: 2026, sequence: 2))
        #expect(try await store.registrations(year: 2025, after: 0).isEmpty)
    }
}
