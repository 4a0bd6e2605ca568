import Foundation
import GRDB
import Testing
@testable import RegistryCore

/// A book restored from an older backup: it refuses to number once a caller shows it holds later
/// registrations, takes them back from their sealed receipts, and only then numbers again.
@Suite("Restore and reconcile", .timeLimit(.minutes(10)))
struct RestoreAndReconcileTests {
    /// Office A registers `before` letters, is backed up (SQLite online backup) into a new folder with
    /// its key, then registers `after` more. Returns the restored copy and what A acknowledged.
    struct Restored {
        let original: RegistryFixture
        let restored: RegistryFixture
        let lost: [(request: RegistrationRequest, entry: AgendaEntry)]
        let kept: [AgendaEntry]
        func remove() {
            original.remove()
            restored.remove()
        }
    }

    static func restore(before: Int = 10, after: Int = 5) async throws -> Restored {
        let original = try RegistryFixture()
        var kept: [AgendaEntry] = []
        for _ in 0..<before { kept.append(try await original.store.register(original.request()).entry) }
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("registry-restored-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        let target = try DatabaseQueue(path: copy.appendingPathComponent("registry.sqlite").path)
        try original.store.pool.backup(to: target)
        try target.close()
        try FileManager.default.copyItem(at: original.directory.appendingPathComponent("registry-key"),
                                         to: copy.appendingPathComponent("registry-key"))
        var lost: [(RegistrationRequest, AgendaEntry)] = []
        for _ in 0..<after {
            let request = original.request()
            lost.append((request, try await original.store.register(request).entry))
        }
        return Restored(original: original, restored: try RegistryFixture(directory: copy), lost: lost, kept: kept)
    }

    static func held(_ lost: (request: RegistrationRequest, entry: AgendaEntry)) -> HeldRegistration {
        HeldRegistration(receipt: lost.entry.receipt, letter: lost.request)
    }

    @Test func restoredBookRefusesToNumberUntilTheLostRegistrationsAreBack() async throws {
        let setup = try await Self.restore()
        defer { setup.remove() }
        let store = setup.restored.store
        let year = setup.lost[0].entry.agendaYear
        #expect(try await store.reconcileStatus().reconcileRequired == false)

        // The gateway holds agenda year/15; the restored book ends at 10.
        var next = setup.restored.request()
        next.knownAgendaSequences = [year: 15]
        let refused = await #expect(throws: RegistryError.self) { try await store.register(next) }
        #expect(refused?.kind == .failedPrecondition)
        #expect(refused?.message.contains("restored registry: reconcile first") == true)
        #expect(refused?.message.contains("surat admin registry reconcile") == true)
        // From then on every new letter is refused, also from callers without a mark…
        let unmarked = await #expect(throws: RegistryError.self) { try await store.register(setup.restored.request()) }
        #expect(unmarked?.kind == .failedPrecondition)
        // …but a letter already in the book still gets its number back.
        let replay = try await store.register(setup.original.request(letterId: setup.kept[3].letterId,
                                                                     content: "letter \(setup.kept[3].letterId) Undangan rapat koordinasi"))
        #expect(replay.alreadyRegistered && replay.entry.number == setup.kept[3].number)

        let status = try await store.reconcileStatus()
        #expect(status.reconcileRequired)
        let state = try #require(status.years.first { $0.year == year })
        #expect(state.lastSequence == 10 && state.knownSequence == 15 && state.missing == [11, 12, 13, 14, 15])

        // The stop is durable: a restart keeps refusing.
        store.shutdown()
        let reopened = try RegistryFixture(directory: setup.restored.directory)
        defer { reopened.store.shutdown() }
        await #expect(throws: RegistryError.self) { try await reopened.store.register(reopened.request()) }

        // Reconcile: the five lost registrations come back with their original numbers and receipts.
        let report = try await reopened.store.importRegistrations(setup.lost.map(Self.held))
        #expect(report.imported.count == 5 && report.problems.isEmpty && report.alreadyPresent == 0)
        #expect(!report.status.reconcileRequired)
        for (request, entry) in setup.lost {
            let back = try await reopened.store.entry(number: entry.number)
            #expect(back.letterId == request.letterId && back.sequence == entry.sequence)
            #expect(back.agendaSequence == entry.agendaSequence && back.receipt.text == entry.receipt.text)
            #expect(back.registeredAt.unixMilliseconds == entry.registeredAt.unixMilliseconds)
            #expect(back.unit == entry.unit && back.scope == entry.scope)
        }
        // Idempotent: the same import again writes nothing.
        let again = try await reopened.store.importRegistrations(setup.lost.map(Self.held))
        #expect(again.imported.isEmpty && again.alreadyPresent == 5 && again.problems.isEmpty)

        // Numbering resumes after the last imported number: no duplicate, no gap.
        var resumed = reopened.request()
        resumed.knownAgendaSequences = [year: 15]
        let sixteenth = try await reopened.store.register(resumed).entry
        #expect(sixteenth.sequence == 16 && sixteenth.agendaSequence == 16)
        #expect(sixteenth.registeredAt >= setup.lost.last!.entry.registeredAt)
        let book = try await reopened.store.export(AgendaQuery())
        #expect(book.map(\.sequence) == Array(1...16))
        #expect(Set(book.map(\.number)).count == 16)
        for entry in book {
            #expect(ReceiptText.isValidSeal(text: entry.receipt.text, signature: entry.receipt.signature,
                                            registryPublicKey: reopened.store.key.publicKey))
        }
    }

    @Test func importRefusesReceiptsThisRegistryDidNotSealOrThatNameOtherBytes() async throws {
        let setup = try await Self.restore(before: 2, after: 2)
        defer { setup.remove() }
        let store = setup.restored.store
        var tampered = Self.held(setup.lost[0])
        tampered.receipt.text[tampered.receipt.text.count - 2] ^= 0x01
        var foreignContent = Self.held(setup.lost[1])
        foreignContent.letter.content = Array("another letter".utf8)
        foreignContent.letter.contentDigest = Array(repeating: 7, count: 32)
        let other = try RegistryFixture()
        defer { other.remove() }
        let otherRequest = other.request()
        let otherEntry = try await other.store.register(otherRequest).entry
        let foreignKey = HeldRegistration(receipt: otherEntry.receipt, letter: otherRequest)

        let report = try await store.importRegistrations([tampered, foreignContent, foreignKey])
        #expect(report.imported.isEmpty)
        #expect(report.problems.count == 3)
        #expect(report.problems[0].problem.contains("seal does not verify"))
        #expect(report.problems[1].problem.hasPrefix("content"))
        #expect(report.problems[2].problem.contains("seal does not verify with this registry's key \(store.key.keyId)"))
        #expect(try await store.export(AgendaQuery()).count == 2)
    }

    @Test func aGapLeftByAPartialImportKeepsNumberingStopped() async throws {
        let setup = try await Self.restore(before: 3, after: 4)
        defer { setup.remove() }
        let store = setup.restored.store
        // Only the last three of the four lost ones are held: agenda 4 is still missing.
        let partial = try await store.importRegistrations(setup.lost.dropFirst().map(Self.held))
        #expect(partial.imported.count == 3)
        #expect(partial.status.reconcileRequired)
        #expect(partial.status.years.first?.missing == [4])
        let refused = await #expect(throws: RegistryError.self) { try await store.register(setup.restored.request()) }
        #expect(refused?.kind == .failedPrecondition)
        let complete = try await store.importRegistrations([Self.held(setup.lost[0])])
        #expect(complete.imported.count == 1 && !complete.status.reconcileRequired)
        #expect(try await store.register(setup.restored.request()).entry.sequence == 8)
    }

    @Test func aNumberGivenAwayTwiceIsReportedNotOverwritten() async throws {
        let setup = try await Self.restore(before: 1, after: 1)
        defer { setup.remove() }
        let store = setup.restored.store
        // A caller without a high-water mark got number 2 again before anyone noticed the restore.
        let duplicate = try await store.register(setup.restored.request()).entry
        #expect(duplicate.number == setup.lost[0].entry.number)
        let report = try await store.importRegistrations([Self.held(setup.lost[0])])
        #expect(report.imported.isEmpty)
        #expect(report.problems.first?.problem.contains("duplicate number") == true)
        #expect(try await store.entry(number: duplicate.number).letterId == duplicate.letterId)
    }

    @Test func theReceiptKeyMustBeTheOneThatSealedTheBook() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let pool = fixture.store.pool
        let missing = fixture.directory.appendingPathComponent("nowhere/registry-receipt.key").path
        // An empty book may get a new key…
        let emptyDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("registry-empty-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: emptyDirectory) }
        let emptyPool = try RegistryDatabase.open(path: emptyDirectory.appendingPathComponent("registry.sqlite").path)
        _ = try RegistryKey.load(at: emptyDirectory.appendingPathComponent("registry-receipt.key").path, for: emptyPool)
        // …a book with receipts may not.
        _ = try await fixture.store.register(fixture.request())
        let absent = #expect(throws: RegistryError.self) { try RegistryKey.load(at: missing, for: pool) }
        #expect(absent?.message.contains("\(missing) is missing") == true)
        #expect(absent?.message.contains("registry key \(fixture.store.key.keyId)") == true)
        #expect(!FileManager.default.fileExists(atPath: missing))
        let otherKey = fixture.directory.appendingPathComponent("other.key").path
        _ = try RegistryKey.loadOrCreate(at: otherKey)
        let wrong = #expect(throws: RegistryError.self) { try RegistryKey.load(at: otherKey, for: pool) }
        #expect(wrong?.message.contains("wrong key file") == true)
        #expect(wrong?.message.contains(otherKey) == true)
        let right = try RegistryKey.load(at: fixture.directory.appendingPathComponent("registry-key").path, for: pool)
        #expect(right.keyId == fixture.store.key.keyId)
    }

    @Test(arguments: [
        ("{classification}/{sequence}/{unit}/{year}", "065/87/416-313/2025", "416-313", Int64(87)),
        ("{classification}/{sequence:4}/{unit}/{year}", "000.8.3.3/0087/35.16.13/2025", "35.16.13", Int64(87)),
        ("{sequence}{unit}/{month_roman}/{year}", "12416-313/III/2025", "416-313", Int64(12)),
    ])
    func numbersParseBackIntoUnitAndSequence(template: String, number: String, unit: String, sequence: Int64) throws {
        let format = try LetterNumberFormat(template)
        let classification = number.split(separator: "/").first.map(String.init) ?? ""
        let found = try #require(format.sequence(of: number, classification: template.hasPrefix("{classification}") ? classification : "065",
                                                 units: ["35.16.13", "416-313"], year: 2025, month: 3, office: "kec-sooko"))
        #expect(found.unit == unit && found.sequence == sequence)
        #expect(format.sequence(of: number + "x", classification: classification, units: ["416-313", "35.16.13"], year: 2025,
                                month: 3, office: "kec-sooko") == nil)
    }
}
