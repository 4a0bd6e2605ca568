import Foundation
import GRDB
import Testing
@testable import RegistryCore

@Suite("Numbering and the agenda book", .timeLimit(.minutes(10)))
struct NumberingTests {
    @Test func hundredsOfParallelRegistrationsGetUniqueGaplessNumbers() async throws {
        let fixture = try RegistryFixture(maxBatch: 64)
        defer { fixture.remove() }
        let count = 600
        let outcomes = try await withThrowingTaskGroup(of: RegistrationOutcome.self) { group in
            for _ in 0..<count {
                group.addTask { try await fixture.store.register(fixture.request()) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let sequences = outcomes.map(\.entry.sequence).sorted()
        #expect(sequences == Array(1...Int64(count)))
        #expect(Set(outcomes.map(\.entry.number)).count == count)
        #expect(outcomes.allSatisfy { !$0.alreadyRegistered })
        let agenda = outcomes.map(\.entry.agendaSequence).sorted()
        #expect(agenda == Array(1...Int64(count)))
        // What was acknowledged is what is in the book.
        let stored = try await fixture.store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM agenda") }
        #expect(stored == count)
    }

    @Test func sameLetterRegisteredConcurrentlyGetsOneNumber() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let letterId = UUID()
        let request = fixture.request(letterId: letterId)
        let outcomes = try await withThrowingTaskGroup(of: RegistrationOutcome.self) { group in
            for caller in 0..<20 {
                var copy = request
                copy.requestId = "caller-\(caller)"
                group.addTask { [copy] in try await fixture.store.register(copy) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(outcomes.map(\.entry.number)).count == 1)
        #expect(outcomes.filter { !$0.alreadyRegistered }.count == 1)
        // And again later, from a fresh call: still the same number, no second sequence used.
        let again = try await fixture.store.register(request)
        #expect(again.alreadyRegistered && again.entry.number == outcomes[0].entry.number)
        let next = try await fixture.store.register(fixture.request())
        #expect(next.entry.sequence == 2)
    }

    @Test func sameLetterWithDifferentContentIsRefused() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let letterId = UUID()
        _ = try await fixture.store.register(fixture.request(letterId: letterId, content: "first"))
        let error = await #expect(throws: RegistryError.self) {
            try await fixture.store.register(fixture.request(letterId: letterId, requestId: "other", content: "second"))
        }
        #expect(error?.kind == .alreadyExists)
    }

    @Test func requestIdReusedForAnotherLetterIsInvalid() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        _ = try await fixture.store.register(fixture.request(requestId: "r-1"))
        let error = await #expect(throws: RegistryError.self) {
            try await fixture.store.register(fixture.request(requestId: "r-1"))
        }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.contains("request_id") == true)
    }

    @Test func requestIdsAndNumbersSurviveARestart() async throws {
        let first = try RegistryFixture()
        let entry = try await first.store.register(first.request(requestId: "r-1")).entry
        first.store.shutdown()
        let second = try RegistryFixture(directory: first.directory)
        defer { second.remove() }
        let error = await #expect(throws: RegistryError.self) {
            try await second.store.register(second.request(requestId: "r-1"))
        }
        #expect(error?.message.hasPrefix("request_id") == true)
        let next = try await second.store.register(second.request(requestId: "r-2")).entry
        #expect(next.sequence == entry.sequence + 1)
    }

    @Test func yearRollsOverAtMidnightOfficeTime() async throws {
        let clock = ManualClock(.office(2025, 12, 31, 23, 59, 58))
        let fixture = try RegistryFixture(clock: clock.registryClock)
        defer { fixture.remove() }
        let first = try await fixture.store.register(fixture.request())
        clock.set(.office(2025, 12, 31, 23, 59, 59).addingTimeInterval(0.999))
        let last = try await fixture.store.register(fixture.request())
        clock.set(.office(2026, 1, 1, 0, 0, 0))
        let newYear = try await fixture.store.register(fixture.request())
        let second = try await fixture.store.register(fixture.request())
        #expect(first.entry.number == "065/1/416-313/2025")
        #expect(last.entry.number == "065/2/416-313/2025")
        #expect(newYear.entry.number == "065/1/416-313/2026")
        #expect(second.entry.number == "065/2/416-313/2026")
        #expect(newYear.entry.agendaYear == 2026 && newYear.entry.agendaSequence == 1)
    }

    @Test func yearBoundaryFollowsTheConfiguredZone() async throws {
        // 23:30 WIB on 31 December is 00:30 WITA on 1 January.
        let clock = ManualClock(.office(2025, 12, 31, 23, 30, 0, .wib))
        let wib = try RegistryFixture(clock: clock.registryClock)
        let wita = try RegistryFixture(timeZone: .wita, clock: clock.registryClock)
        defer { wib.remove(); wita.remove() }
        #expect(try await wib.store.register(wib.request()).entry.number.hasSuffix("/2025"))
        #expect(try await wita.store.register(wita.request()).entry.number.hasSuffix("/2026"))
    }

    @Test func clockGoingBackwardsNeverReordersNumbers() async throws {
        let clock = ManualClock(.office(2026, 1, 1, 0, 0, 5))
        let fixture = try RegistryFixture(clock: clock.registryClock)
        defer { fixture.remove() }
        let newYear = try await fixture.store.register(fixture.request())
        clock.set(.office(2025, 12, 31, 23, 59, 50))  // NTP step back across the boundary
        let after = try await fixture.store.register(fixture.request())
        #expect(newYear.entry.number == "065/1/416-313/2026")
        #expect(after.entry.number == "065/2/416-313/2026")
        #expect(after.entry.registeredAt >= newYear.entry.registeredAt)
    }

    @Test func perClassificationScopeCountsEachCodeSeparately() async throws {
        let fixture = try RegistryFixture(scope: .unitClassificationYear)
        defer { fixture.remove() }
        var numbers: [String] = []
        for classification in ["065", "000.8.3.3", "065", "005", "000.8.3.3", "065"] {
            numbers.append(try await fixture.store.register(fixture.request(classification: classification)).entry.number)
        }
        let year = OfficeDate(Date(), in: .wib).year
        #expect(numbers == ["065/1/416-313/\(year)", "000.8.3.3/1/416-313/\(year)", "065/2/416-313/\(year)",
                            "005/1/416-313/\(year)", "000.8.3.3/2/416-313/\(year)", "065/3/416-313/\(year)"])
    }

    @Test func unitsHaveTheirOwnSequences() async throws {
        let fixture = try RegistryFixture(units: ["416-314"])
        defer { fixture.remove() }
        let a = try await fixture.store.register(fixture.request(unit: "416-313"))
        let b = try await fixture.store.register(fixture.request(unit: "416-314"))
        let c = try await fixture.store.register(fixture.request())
        #expect([a, b, c].map(\.entry.sequence) == [1, 1, 2])
        let error = await #expect(throws: RegistryError.self) {
            try await fixture.store.register(fixture.request(unit: "999"))
        }
        #expect(error?.message.hasPrefix("unit") == true)
    }

    @Test func customTemplateIsApplied() async throws {
        let clock = ManualClock(.office(2026, 3, 9, 10, 0, 0))
        let fixture = try RegistryFixture(template: "{classification}/{sequence:3}/{unit}/{month_roman}/{year}", clock: clock.registryClock)
        defer { fixture.remove() }
        let outcome = try await fixture.store.register(fixture.request(classification: "000.8.3.3"))
        #expect(outcome.entry.number == "000.8.3.3/001/416-313/III/2026")
    }

    @Test func badInputNamesTheField() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let cases: [(RegistrationRequest, String)] = [
            (fixture.request(classification: "06/5"), "classification"),
            (fixture.request(subject: ""), "subject"),
            (fixture.request(addressees: []), "addressees"),
            (fixture.request(requestId: ""), "request_id"),
            (fixture.request(addressees: [Addressee(id: "a", name: "A"), Addressee(id: "a", name: "B")]), "addressees.id"),
        ]
        for (request, field) in cases {
            let error = await #expect(throws: RegistryError.self) { try await fixture.store.register(request) }
            #expect(error?.kind == .invalidArgument)
            #expect(error?.message.hasPrefix(field) == true, "\(error?.message ?? "")")
        }
        let count = try await fixture.store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM agenda") }
        #expect(count == 0)
    }
}
