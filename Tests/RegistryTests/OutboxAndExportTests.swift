import Foundation
import Logging
import Testing
@testable import RegistryCore

/// An inbox in memory that fails the first `failures` attempts (`@unchecked`: `lock` guards its state).
final class FlakyTransport: DeliveryTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var failuresLeft: Int
    private(set) var received: [String: Int] = [:]

    init(failures: Int) { failuresLeft = failures }

    func deliver(_ letter: OutboundLetter) async throws -> String {
        try lock.withLock {
            if failuresLeft > 0 {
                failuresLeft -= 1
                throw RegistryError(.unavailable, "inbox down")
            }
            received[letter.entry.number + "→" + letter.delivery.addresseeId, default: 0] += 1
            return "ack-\(letter.entry.number)"
        }
    }

    var counts: [String: Int] { lock.withLock { received } }
}

/// An inbox that is always down and notes, at each call, the attempt count the store holds for the
/// delivery (`@unchecked`: `lock` guards `counts`).
final class CountWitnessTransport: DeliveryTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [Int] = []
    let store: RegistryStore

    init(store: RegistryStore) { self.store = store }

    func deliver(_ letter: OutboundLetter) async throws -> String {
        let stored = try await store.deliveries(letterId: letter.delivery.letterId).first?.attempts ?? -1
        lock.withLock { counts.append(stored) }
        throw RegistryError(.unavailable, "inbox down")
    }

    var seen: [Int] { lock.withLock { counts } }
}

@Suite("Outbox and export", .timeLimit(.minutes(10)))
struct OutboxAndExportTests {
    @Test func outboxRetriesWithBackoffThenDelivers() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_780_000_000))
        let fixture = try RegistryFixture(clock: clock.registryClock)
        defer { fixture.remove() }
        let transport = FlakyTransport(failures: 2)
        let worker = OutboxWorker(store: fixture.store, transport: transport,
                                  policy: RetryPolicy(maxAttempts: 5, initialBackoff: .seconds(2), maxBackoff: .seconds(60)),
                                  logger: Logger(label: "test"))
        let entry = try await fixture.store.register(fixture.request(addressees: [
            Addressee(id: "1", name: "Desa Sooko", endpoint: "127.0.0.1:9"),
        ])).entry
        #expect(try await worker.runOnce() == 1)  // fails, retry in 2 s
        var delivery = try #require(try await fixture.store.deliveries(letterId: entry.letterId).first)
        #expect(delivery.state == .pending && delivery.attempts == 1 && delivery.lastError.contains("inbox down"))
        #expect(try await worker.runOnce() == 0)  // not due yet
        clock.set(clock.now.addingTimeInterval(2))
        #expect(try await worker.runOnce() == 1)  // fails again, retry in 4 s
        clock.set(clock.now.addingTimeInterval(3))
        #expect(try await worker.runOnce() == 0)
        clock.set(clock.now.addingTimeInterval(1))
        #expect(try await worker.runOnce() == 1)
        delivery = try #require(try await fixture.store.deliveries(letterId: entry.letterId).first)
        #expect(delivery.state == .delivered && delivery.attempts == 3 && delivery.acknowledgement == "ack-\(entry.number)")
        #expect(transport.counts == ["\(entry.number)→1": 1])
    }

    /// Issue 11, item 19: an attempt a crash cuts short must still be counted, so the count is
    /// written before the inbox is called.
    @Test func attemptIsCountedBeforeItIsMade() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_780_000_000))
        let fixture = try RegistryFixture(clock: clock.registryClock)
        defer { fixture.remove() }
        let transport = CountWitnessTransport(store: fixture.store)
        let worker = OutboxWorker(store: fixture.store, transport: transport,
                                  policy: RetryPolicy(maxAttempts: 5, initialBackoff: .seconds(2), maxBackoff: .seconds(60)),
                                  logger: Logger(label: "test"))
        let entry = try await fixture.store.register(fixture.request(addressees: [
            Addressee(id: "1", name: "Desa Sooko", endpoint: "127.0.0.1:9"),
        ])).entry
        #expect(try await worker.runOnce() == 1)
        clock.set(clock.now.addingTimeInterval(2))
        #expect(try await worker.runOnce() == 1)
        // What the database said while each attempt was under way: already counted, and already
        // rescheduled (a crash at that moment leaves a pending row with its next try after backoff).
        #expect(transport.seen == [1, 2])
        let delivery = try #require(try await fixture.store.deliveries(letterId: entry.letterId).first)
        #expect(delivery.state == .pending && delivery.attempts == 2)
    }

    @Test func outboxGivesUpAfterMaxAttempts() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_780_000_000))
        let fixture = try RegistryFixture(clock: clock.registryClock)
        defer { fixture.remove() }
        let worker = OutboxWorker(store: fixture.store, transport: FlakyTransport(failures: 100),
                                  policy: RetryPolicy(maxAttempts: 3, initialBackoff: .seconds(1), maxBackoff: .seconds(1)),
                                  logger: Logger(label: "test"))
        let entry = try await fixture.store.register(fixture.request(addressees: [Addressee(id: "1", name: "Dinas", endpoint: "127.0.0.1:9")])).entry
        for _ in 0..<3 {
            try await worker.runOnce()
            clock.set(clock.now.addingTimeInterval(1))
        }
        let delivery = try #require(try await fixture.store.deliveries(letterId: entry.letterId).first)
        #expect(delivery.state == .failed && delivery.attempts == 3)
        let listed = try await fixture.store.deliveries(in: [.manual, .failed], limit: 10)
        #expect(listed.map(\.letterId) == [entry.letterId])
    }

    @Test func cancelledLettersAreNotDelivered() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let transport = FlakyTransport(failures: 0)
        let worker = OutboxWorker(store: fixture.store, transport: transport, logger: Logger(label: "test"))
        let entry = try await fixture.store.register(fixture.request(addressees: [Addressee(id: "1", name: "Desa", endpoint: "127.0.0.1:9")])).entry
        _ = try await fixture.store.cancel(requestId: "c", number: entry.number, letterId: nil, reason: "salah ketik", actor: "staf")
        #expect(try await worker.runOnce() == 0)
        #expect(try await fixture.store.deliveries(letterId: entry.letterId).first?.state == .withdrawn)
        #expect(transport.counts.isEmpty)
    }

    @Test func exportsCSVAndHTML() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let first = try await fixture.store.register(fixture.request(subject: "Rapat \"koordinasi\", RT/RW",
                                                                      addressees: [Addressee(id: "1", name: "=Desa <Sooko>")])).entry
        _ = try await fixture.store.register(fixture.request())
        _ = try await fixture.store.cancel(requestId: "c", number: first.number, letterId: nil, reason: "ralat", actor: "staf")
        let entries = try await fixture.store.export(AgendaQuery())
        let csv = String(decoding: AgendaExport.csv(entries, zone: .wib), as: UTF8.self)
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines.count == 4 && lines[3].isEmpty)
        #expect(lines[0].hasPrefix("\u{FEFF}No. Agenda,Tanggal,Nomor Surat"))
        #expect(lines[1].contains("\"Rapat \"\"koordinasi\"\", RT/RW\""))
        #expect(lines[1].contains("'=Desa <Sooko>"))
        // Cancelled: the date (office time zone) and who, then the reason.
        let cancelledOn = OfficeDate(try #require(entries.first?.cancelledAt), in: .wib).isoDay
        #expect(lines[1].contains("cancelled,DIBATALKAN \(cancelledOn) oleh staf: ralat"))
        let html = String(decoding: AgendaExport.html(entries, zone: .wib, officeName: "Kecamatan Sooko", title: "2026"), as: UTF8.self)
        #expect(html.contains("BUKU AGENDA SURAT KELUAR"))
        #expect(html.contains("=Desa &lt;Sooko&gt;"))
        #expect(html.contains("<tr class=\"cancelled\">"))
        #expect(!html.contains("<Sooko>"))
    }

    @Test func anExportOverItsEntryLimitIsRefusedBeforeRendering() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        for _ in 0..<3 { _ = try await fixture.store.register(fixture.request()) }
        #expect(try await fixture.store.export(AgendaQuery(), maxEntries: 3).count == 3)
        let error = await #expect(throws: RegistryError.self) {
            _ = try await fixture.store.export(AgendaQuery(), maxEntries: 2)
        }
        #expect(error?.kind == .resourceExhausted)
        #expect(error?.message.contains("more than 2 agenda entries") == true)
    }
}
