import Foundation
import Testing
import Domain
@testable import RegistryCore
import ServiceKit

@Suite("Cancellation, receipts, queries", .timeLimit(.minutes(10)))
struct CancellationAndReceiptTests {
    @Test func cancellationKeepsTheNumberAndNeedsAReason() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let first = try await fixture.store.register(fixture.request())
        let missingReason = await #expect(throws: RegistryError.self) {
            try await fixture.store.cancel(requestId: "c-0", number: first.entry.number, letterId: nil, reason: "  ", actor: "staf")
        }
        #expect(missingReason?.message.hasPrefix("reason") == true)
        let cancelled = try await fixture.store.cancel(requestId: "c-1", number: first.entry.number, letterId: nil,
                                                        reason: "Salah alamat tujuan", actor: "staf")
        #expect(cancelled.response.entry?.status == .cancelled && cancelled.response.entry?.cancelReason == "Salah alamat tujuan")
        // Retrying the same request returns the same result; a new request is refused.
        let retry = try await fixture.store.cancel(requestId: "c-1", number: first.entry.number, letterId: nil,
                                                    reason: "Salah alamat tujuan", actor: "staf")
        #expect(retry.response == cancelled.response && retry.source == .requestID)
        let twice = await #expect(throws: RegistryError.self) {
            try await fixture.store.cancel(requestId: "c-2", number: first.entry.number, letterId: nil, reason: "lagi", actor: "staf")
        }
        #expect(twice?.kind == .failedPrecondition)
        // The number is never given out again.
        let next = try await fixture.store.register(fixture.request())
        #expect(next.entry.sequence == 2)
        let stored = try await fixture.store.entry(number: first.entry.number)
        #expect(stored.status == .cancelled && stored.letterId == first.entry.letterId)
        // Registering the cancelled letter again returns its (cancelled) entry, not a new number.
        let again = try await fixture.store.register(fixture.request(letterId: first.entry.letterId, content: "letter \(first.entry.letterId) Undangan rapat koordinasi"))
        #expect(again.alreadyRegistered && again.entry.number == first.entry.number && again.entry.status == .cancelled)
        let missing = await #expect(throws: RegistryError.self) {
            try await fixture.store.cancel(requestId: "c-3", number: "065/999/416-313/2025", letterId: nil, reason: "x", actor: "staf")
        }
        #expect(missing?.kind == .notFound)
    }

    @Test("seals made on several cores land at their own text's index")
    func parallelSealsMatchTheirTexts() throws {
        let key = RegistryKey(privateKey: .init())
        // 64 texts: enough for the workers to split them (texts.count / 8 > 1).
        let texts = (0..<64).map { Array("receipt \($0)\n".utf8) }
        let seals = try BatchContext.sign(texts, with: key)
        #expect(seals.count == texts.count)
        for (text, seal) in zip(texts, seals) {
            #expect(ReceiptText.isValidSeal(text: text, signature: seal, registryPublicKey: key.publicKey))
        }
    }

    @Test func receiptIsSealedAndParses() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let request = fixture.request()
        let entry = try await fixture.store.register(request).entry
        #expect(ReceiptText.isValidSeal(text: entry.receipt.text, signature: entry.receipt.signature,
                                        registryPublicKey: fixture.store.key.publicKey))
        let fields = try #require(ReceiptText.parse(entry.receipt.text))
        #expect(fields.number == entry.number)
        #expect(fields.letterId == request.letterId)
        #expect(fields.contentDigest == request.contentDigest)
        #expect(fields.signature == request.signature.signature)
        #expect(fields.office == "kec-sooko")
        #expect(fields.registryKeyId == fixture.store.key.keyId)
        // One changed byte breaks the seal.
        var forged = entry.receipt.text
        forged[forged.count - 2] ^= 0x01
        #expect(!ReceiptText.isValidSeal(text: forged, signature: entry.receipt.signature, registryPublicKey: fixture.store.key.publicKey))
        let text = String(decoding: entry.receipt.text, as: UTF8.self)
        #expect(text.hasPrefix("surat-registry-receipt/v1\noffice=kec-sooko\n"))
    }

    @Test func listsFiltersAndPages() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        for index in 0..<25 {
            let classification = index % 2 == 0 ? "065" : "000.8.3.3"
            let addressee = index % 5 == 0 ? Addressee(id: "dinas-pu", name: "Dinas PUPR") : Addressee(id: "desa-sooko", name: "Kepala Desa Sooko")
            _ = try await fixture.store.register(fixture.request(classification: classification,
                                                                 subject: index == 7 ? "Laporan banjir" : "Undangan \(index)",
                                                                 addressees: [addressee]))
        }
        var query = AgendaQuery()
        query.pageSize = 10
        var seen: [Int64] = []
        repeat {
            let page = try await fixture.store.list(query)
            seen += page.entries.map(\.agendaSequence)
            query.pageToken = page.nextPageToken
        } while !query.pageToken.isEmpty
        #expect(seen == Array(1...25))

        var byCode = AgendaQuery()
        byCode.classification = "000.8"
        #expect(try await fixture.store.list(byCode).entries.count == 12)
        var bySubject = AgendaQuery()
        bySubject.subjectContains = "banjir"
        #expect(try await fixture.store.list(bySubject).entries.map(\.agendaSequence) == [8])
        var byAddressee = AgendaQuery()
        byAddressee.addressee = "PUPR"
        #expect(try await fixture.store.list(byAddressee).entries.count == 5)
        var badToken = AgendaQuery()
        badToken.pageToken = "abc"
        await #expect(throws: RegistryError.self) { try await fixture.store.list(badToken) }
    }

    @Test func manualDeliveriesCanBeMarked() async throws {
        let fixture = try RegistryFixture(addressBook: ["desa-a": "127.0.0.1:1"])
        defer { fixture.remove() }
        let entry = try await fixture.store.register(fixture.request(addressees: [
            Addressee(id: "desa-a", name: "Desa A"), Addressee(id: "dinas-b", name: "Dinas B"),
        ])).entry
        let deliveries = try await fixture.store.deliveries(letterId: entry.letterId)
        #expect(deliveries.map(\.state) == [.pending, .manual])
        let marked = try await fixture.store.markDelivered(requestId: "m-1", letterId: entry.letterId, addresseeId: "dinas-b",
                                                           note: "diantar kurir", actor: "staf")
        #expect(marked.response.delivery?.state == .deliveredManually)
        let again = try await fixture.store.markDelivered(requestId: "m-1", letterId: entry.letterId, addresseeId: "dinas-b",
                                                          note: "diantar kurir", actor: "staf")
        #expect(again.response == marked.response && again.source == .requestID)
        await #expect(throws: RegistryError.self) {
            try await fixture.store.markDelivered(requestId: "m-2", letterId: entry.letterId, addresseeId: "dinas-b", note: "", actor: "staf")
        }
    }
}
