import Domain
import Wire
import Foundation
import RegistryCore
import RPC
import ServiceKit
import Testing
@testable import RegistryServer

@Suite("Registry service: register over RPC, distribution between two offices, inbox checks", .timeLimit(.minutes(10)))
struct DistributionTests {
    @Test func registerVerifyAndRejectBadSignatures() async throws {
        let signer = TestSigner()
        let office = try await OfficeFixture(officeId: "kec-sooko", signer: signer)
        let client = try office.client()
        defer { Task { await client.close(); await office.stop() } }
        let request = try signer.registration(addressees: [Domain.Addressee(name: "Kepala Desa Sooko", kind: .desa)])
        let response = try await client.call(RegistryAPI.register, request, metadata: OfficeFixture.clerk)
        let entry = try #require(response.entry)
        #expect(entry.number.hasPrefix("065/1/416-313/"))
        #expect(entry.signerID == "camat-sooko" && entry.signerName == "Drs. Camat Sooko")
        #expect(response.deliveries.map(\.state) == [.manual])
        // Retry: the first reply again (exactly once), the same number.
        let again = try await client.call(RegistryAPI.register, request, metadata: OfficeFixture.clerk)
        #expect(again == response && !again.alreadyRegistered)
        // Verify by number.
        let verified = try await client.call(RegistryAPI.verifyReceipt, RegistryAPI.VerifyReceiptRequest(number: entry.number),
                                             metadata: OfficeFixture.clerk)
        #expect(verified.valid, "\(verified.detail)")
        // Tampered content: the digest no longer matches the signed envelope.
        var tampered = try signer.registration(addressees: [Domain.Addressee(name: "Dinas PU")])
        var content = try ProtobufLetter.decode(tampered.content)
        content.subject = "Something else"
        tampered.content = Data(try content.canonicalBytes())
        await expectRPCError(.invalidArgument, containing: "content") {
            _ = try await client.call(RegistryAPI.register, tampered, metadata: OfficeFixture.clerk)
        }
        // Signed by a key the registry does not trust.
        let stranger = try TestSigner(signerId: "camat-sooko").registration(addressees: [Domain.Addressee(name: "Dinas PU")])
        await expectRPCError(.invalidArgument, containing: "signature") {
            _ = try await client.call(RegistryAPI.register, stranger, metadata: OfficeFixture.clerk)
        }
        // A drafter may not register.
        let drafter = ServiceMetadata.make(token: OfficeFixture.clerkToken, actor: ActorIdentity(id: "d", name: "D", role: .drafter))
        await expectRPCError(.permissionDenied, containing: "") {
            _ = try await client.call(RegistryAPI.register, try signer.registration(addressees: [Domain.Addressee(name: "X")]), metadata: drafter)
        }
        // No credentials at all.
        await expectRPCError(.unauthenticated, containing: "") {
            _ = try await client.call(RegistryAPI.getEntry, RegistryAPI.GetEntryRequest(number: entry.number))
        }
        let list = try await client.call(RegistryAPI.listAgenda, RegistryAPI.ListAgendaRequest(), metadata: OfficeFixture.clerk)
        #expect(list.entries.map(\.number) == [entry.number])
    }

    @Test func twoRegistriesDeliverToEachOther() async throws {
        let signerA = TestSigner(signerId: "camat-sooko"), signerB = TestSigner(signerId: "camat-trawas")
        let directoryA = FileManager.default.temporaryDirectory.appendingPathComponent("office-a-\(UUID().uuidString)")
        let directoryB = FileManager.default.temporaryDirectory.appendingPathComponent("office-b-\(UUID().uuidString)")
        let keyA = try OfficeFixture.preparedKey(in: directoryA), keyB = try OfficeFixture.preparedKey(in: directoryB)
        let officeA = try await OfficeFixture(officeId: "kec-sooko", signer: signerA, peers: ["kec-trawas": keyB],
                                              peerTokens: ["kec-trawas": "delivery-token-kec-trawas"], directory: directoryA)
        let officeB = try await OfficeFixture(officeId: "kec-trawas", signer: signerB, peers: ["kec-sooko": keyA],
                                              peerTokens: ["kec-sooko": "delivery-token-kec-sooko"], directory: directoryB)
        let clientA = try officeA.client(), clientB = try officeB.client()
        defer { Task { await clientA.close(); await clientB.close(); await officeA.stop(); await officeB.stop() } }

        let toB = try signerA.registration(subject: "Undangan musrenbang", addressees: [
            Domain.Addressee(name: "Camat Trawas", kind: .instansi, endpoint: "127.0.0.1:\(officeB.port)"),
            Domain.Addressee(name: "Kepala Desa Sooko", kind: .desa),
        ])
        let toA = try signerB.registration(subject: "Balasan undangan", addressees: [
            Domain.Addressee(name: "Camat Sooko", kind: .instansi, endpoint: "127.0.0.1:\(officeA.port)"),
        ])
        let sentByA = try #require(try await clientA.call(RegistryAPI.register, toB, metadata: OfficeFixture.clerk).entry)
        let sentByB = try #require(try await clientB.call(RegistryAPI.register, toA, metadata: OfficeFixture.clerk).entry)

        let deliveredAtB = try await eventually {
            try await clientA.call(RegistryAPI.getDeliveries, RegistryAPI.GetDeliveriesRequest(number: sentByA.number),
                                   metadata: OfficeFixture.clerk).deliveries.first?.state == .delivered
        }
        #expect(deliveredAtB)
        let deliveredAtA = try await eventually {
            try await clientB.call(RegistryAPI.getDeliveries, RegistryAPI.GetDeliveriesRequest(number: sentByB.number),
                                   metadata: OfficeFixture.clerk).deliveries.first?.state == .delivered
        }
        #expect(deliveredAtA)
        let deliveries = try await clientA.call(RegistryAPI.getDeliveries, RegistryAPI.GetDeliveriesRequest(number: sentByA.number),
                                                metadata: OfficeFixture.clerk).deliveries
        #expect(deliveries.map(\.state) == [.delivered, .manual])
        let incomingB = try await clientB.call(InboxAPI.listIncoming, InboxAPI.ListIncomingRequest(), metadata: OfficeFixture.clerk).letters
        #expect(incomingB.map(\.number) == [sentByA.number])
        #expect(incomingB.first?.senderOffice == "kec-sooko" && incomingB.first?.subject == "Undangan musrenbang")
        #expect(incomingB.first?.acknowledgement == deliveries.first?.acknowledgement)
        let incomingA = try await clientA.call(InboxAPI.listIncoming, InboxAPI.ListIncomingRequest(), metadata: OfficeFixture.clerk).letters
        #expect(incomingA.map(\.number) == [sentByB.number])

        // The clerk marks the manual one delivered.
        let marked = try await clientA.call(RegistryAPI.markDelivered, {
            var request = RegistryAPI.MarkDeliveredRequest()
            request.requestID = "mark-1"
            request.letterID = sentByA.letterID
            request.addresseeID = "2"
            request.note = "diantar kurir"
            return request
        }(), metadata: OfficeFixture.clerk)
        #expect(marked.delivery?.state == .deliveredManually)
    }

    @Test func deliveryBetweenOfficesOverMutualTLS() async throws {
        let certificates = try TestCertificates()
        let signerA = TestSigner(signerId: "camat-sooko")
        let directoryA = FileManager.default.temporaryDirectory.appendingPathComponent("office-a-\(UUID().uuidString)")
        let directoryB = FileManager.default.temporaryDirectory.appendingPathComponent("office-b-\(UUID().uuidString)")
        let keyA = try OfficeFixture.preparedKey(in: directoryA)
        // A sends over TLS with its client certificate; B accepts only mutual-TLS callers.
        let officeA = try await OfficeFixture(officeId: "kec-sooko", signer: signerA, directory: directoryA, tls: certificates)
        let officeB = try await OfficeFixture(officeId: "kec-trawas", signer: TestSigner(signerId: "camat-trawas"),
                                              peers: ["kec-sooko": keyA], peerTokens: ["kec-sooko": "delivery-token-kec-sooko"],
                                              directory: directoryB, tls: certificates)
        let clientA = try officeA.client(), clientB = try officeB.client()
        defer { Task { await clientA.close(); await clientB.close(); await officeA.stop(); await officeB.stop() } }

        let letter = try signerA.registration(subject: "Surat edaran lintas kecamatan", addressees: [
            Domain.Addressee(name: "Camat Trawas", kind: .instansi, endpoint: "localhost:\(officeB.port)"),
        ])
        let sent = try #require(try await clientA.call(RegistryAPI.register, letter, metadata: OfficeFixture.clerk).entry)
        let delivered = try await eventually {
            try await clientA.call(RegistryAPI.getDeliveries, RegistryAPI.GetDeliveriesRequest(number: sent.number),
                                   metadata: OfficeFixture.clerk).deliveries.first?.state == .delivered
        }
        #expect(delivered)
        let incoming = try await clientB.call(InboxAPI.listIncoming, InboxAPI.ListIncomingRequest(), metadata: OfficeFixture.clerk).letters
        #expect(incoming.map(\.number) == [sent.number])

        // A plaintext caller does not get through B's TLS listener.
        let plaintext = try RPCClient(host: "127.0.0.1", port: officeB.port)
        await #expect(throws: RPCError.self) {
            _ = try await plaintext.call(InboxAPI.listIncoming, InboxAPI.ListIncomingRequest(), metadata: OfficeFixture.clerk)
        }
        await plaintext.close()
    }

    @Test func inboxRejectsForgedSignatureAndReceipt() async throws {
        let signer = TestSigner()
        let senderDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("office-s-\(UUID().uuidString)")
        let senderKey = try OfficeFixture.preparedKey(in: senderDirectory)
        let sender = try await OfficeFixture(officeId: "kec-sooko", signer: signer, directory: senderDirectory)
        let receiver = try await OfficeFixture(officeId: "kec-trawas", signer: TestSigner(), peers: ["kec-sooko": senderKey],
                                               peerTokens: ["kec-sooko": "sooko-token", "kec-jatirejo": "jatirejo-token"])
        let senderClient = try sender.client(), inbox = try receiver.client()
        defer { Task { await senderClient.close(); await inbox.close(); await sender.stop(); await receiver.stop() } }

        let registration = try signer.registration(addressees: [Domain.Addressee(name: "Camat Trawas")])
        let entry = try #require(try await senderClient.call(RegistryAPI.register, registration, metadata: OfficeFixture.clerk).entry)
        var genuine = InboxAPI.DeliverLetterRequest()
        genuine.senderOffice = "kec-sooko"
        genuine.number = entry.number
        genuine.letterID = entry.letterID
        genuine.content = registration.content
        genuine.signature = registration.signature
        genuine.receipt = entry.receipt
        genuine.addresseeID = "1"
        let asSooko: Metadata = ["authorization": "Bearer sooko-token"]

        // Forged signature: same envelope, signed by another key.
        var forgedSignature = genuine
        let forger = TestSigner(signerId: "camat-sooko")
        forgedSignature.signature?.signature = Data(try forger.key.signature(for: registration.signature!.envelope))
        await expectRPCError(.invalidArgument, containing: "signature") {
            _ = try await inbox.call(InboxAPI.deliverLetter, forgedSignature, metadata: asSooko)
        }
        // Forged receipt: the number changed in the receipt text (seal no longer matches).
        var forgedReceipt = genuine
        let text = String(decoding: entry.receipt!.text, as: UTF8.self).replacingOccurrences(of: "number=\(entry.number)", with: "number=065/999/416-313/2026")
        forgedReceipt.receipt?.text = Data(text.utf8)
        forgedReceipt.number = "065/999/416-313/2026"
        await expectRPCError(.invalidArgument, containing: "receipt") {
            _ = try await inbox.call(InboxAPI.deliverLetter, forgedReceipt, metadata: asSooko)
        }
        // A receipt sealed by a key the inbox does not trust.
        var resealed = forgedReceipt
        let impostor = RegistryKey(privateKey: .init())
        let resealedText = Array(resealed.receipt!.text)
        resealed.receipt?.signature = Data(try impostor.sign(resealedText))
        await expectRPCError(.invalidArgument, containing: "receipt") {
            _ = try await inbox.call(InboxAPI.deliverLetter, resealed, metadata: asSooko)
        }
        // Content changed after registration.
        var changed = genuine
        changed.content.append(0x00)
        await expectRPCError(.invalidArgument, containing: "content") {
            _ = try await inbox.call(InboxAPI.deliverLetter, changed, metadata: asSooko)
        }
        // An office that is not trusted, and a credential used for another office.
        var untrusted = genuine
        untrusted.senderOffice = "kec-jatirejo"
        await expectRPCError(.permissionDenied, containing: "sender_office") {
            _ = try await inbox.call(InboxAPI.deliverLetter, untrusted, metadata: ["authorization": "Bearer jatirejo-token"])
        }
        await expectRPCError(.permissionDenied, containing: "sender_office") {
            _ = try await inbox.call(InboxAPI.deliverLetter, genuine, metadata: ["authorization": "Bearer jatirejo-token"])
        }
        // Nothing was recorded; the genuine letter is accepted once, then acknowledged again.
        let first = try await inbox.call(InboxAPI.deliverLetter, genuine, metadata: asSooko)
        let second = try await inbox.call(InboxAPI.deliverLetter, genuine, metadata: asSooko)
        #expect(!first.duplicate && second.duplicate && first.acknowledgement == second.acknowledgement)
        // Exactly once (issue 12): the delivery's reply is stored under the request id derived from its
        // fingerprint; the same delivery again is that reply (flagged duplicate), not a new answer.
        let requestId = RegistryStore.deliveryRequestId(fingerprint: try Idempotency.fingerprint(of: genuine, actorID: "service:kec-sooko"))
        let stored = try await receiver.application.store.pool.read { db in
            try Data.fetchOne(db, sql: "SELECT response FROM idempotency WHERE method = ? AND request_id = ?",
                              arguments: [RegistryStore.deliverLetterMethod, requestId])
        }
        #expect(try stored == Data(ProtobufEncoder().encode(first)))
        var replayed = second
        replayed.duplicate = false
        #expect(replayed == first)
        // Another addressee of the letter at this office: another delivery, answered from the record.
        var otherAddressee = genuine
        otherAddressee.addresseeID = "2"
        let third = try await inbox.call(InboxAPI.deliverLetter, otherAddressee, metadata: asSooko)
        #expect(third.duplicate && third.acknowledgement == first.acknowledgement)
        let storedCount = try await receiver.application.store.pool.read { db in
            try ExactlyOnce.storedReplyCount(db, method: RegistryStore.deliverLetterMethod)
        }
        #expect(storedCount == 2)
        let letters = try await inbox.call(InboxAPI.listIncoming, InboxAPI.ListIncomingRequest(), metadata: OfficeFixture.clerk).letters
        #expect(letters.count == 1)
    }
}

enum ProtobufLetter {
    static func decode(_ data: Data) throws -> LetterContent { try Wire.ProtobufDecoder().decode(LetterContent.self, from: data) }
}

func expectRPCError(_ code: RPCError.Code, containing text: String, sourceLocation: SourceLocation = #_sourceLocation,
                    _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected \(code) but the call succeeded", sourceLocation: sourceLocation)
    } catch let error as RPCError {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
        if !text.isEmpty { #expect(error.message.contains(text), "\(error.message)", sourceLocation: sourceLocation) }
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}
