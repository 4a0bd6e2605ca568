import Crypto
import Domain
import Foundation
import RegistryCore
import RPC
import ServiceKit
import Testing
import Wire
@testable import RegistryServer

/// The office profile and the final PDF of step 6, through the registry's RPC server in-process
/// (proto-notes/registry.md, "The office profile" and "The final PDF").
@Suite("Final PDF and office profile", .timeLimit(.minutes(10)))
struct FinalPDFTests {
    static let profileURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy/letter")

    static var admin: Metadata {
        ServiceMetadata.make(token: OfficeFixture.clerkToken, actor: ActorIdentity(id: "admin-1", name: "Admin", role: .admin))
    }

    static func setProfile(_ client: RPCClient, requestID: String = "profile-1", json: Data? = nil,
                           expectedVersion: Int64 = 0) async throws -> RegistryAPI.OfficeProfileRecord {
        let profile = try json ?? Data(contentsOf: profileURL.appendingPathComponent("office-profile.json"))
        let emblem = try Data(contentsOf: profileURL.appendingPathComponent("sample-emblem.png"))
        return try await client.call(RegistryAPI.setOfficeProfile, RegistryAPI.SetOfficeProfileRequest(
            requestID: requestID, profileJSON: profile, emblemPNG: emblem, expectedVersion: expectedVersion), metadata: admin)
    }

    /// The whole PDF through GetLetterPDF in chunks of `chunk` bytes.
    static func download(_ client: RPCClient, number: String, chunk: UInt32) async throws -> (Data, Data) {
        var pdf = Data()
        var digest = Data()
        while true {
            let part = try await client.call(RegistryAPI.getLetterPDF, RegistryAPI.GetLetterPDFRequest(
                number: number, offset: UInt64(pdf.count), maxBytes: chunk), metadata: OfficeFixture.clerk)
            #expect(part.data.count <= Int(chunk == 0 ? RegistryAPI.PDFChunk.maximumBytes : chunk))
            pdf.append(part.data)
            digest = part.sha256
            if UInt64(pdf.count) >= part.totalSize { return (pdf, digest) }
        }
    }

    @Test func profileIsValidatedVersionedAndAdminOnly() async throws {
        let office = try await OfficeFixture(officeId: "kec-sooko", signer: TestSigner())
        let client = try office.client()
        do {
            let empty = try await client.call(RegistryAPI.getOfficeProfile, RegistryAPI.GetOfficeProfileRequest(), metadata: OfficeFixture.clerk)
            #expect(empty.version == 0)
            let unknownKey = await #expect(throws: RPCError.self) {
                try await Self.setProfile(client, json: Data(#"{"kop": {"unitLine": ["x"]}}"#.utf8))
            }
            #expect(unknownKey?.code == .invalidArgument && unknownKey?.message.contains("profile.kop.unitLine") == true)
            let noURL = await #expect(throws: RPCError.self) {
                try await Self.setProfile(client, json: Data(#"{"kop": {"unitLines": ["KECAMATAN"]}, "positions": [{"id": "c", "title": "CAMAT"}], "signers": [{"id": "s", "name": "N", "positionID": "c"}]}"#.utf8))
            }
            #expect(noURL?.code == .invalidArgument && noURL?.message.contains("profile.verificationBaseURL") == true)
            let notAdmin = await #expect(throws: RPCError.self) {
                try await client.call(RegistryAPI.setOfficeProfile, RegistryAPI.SetOfficeProfileRequest(
                    requestID: "p", profileJSON: Data("{}".utf8)), metadata: OfficeFixture.clerk)
            }
            #expect(notAdmin?.code == .permissionDenied)

            let first = try await Self.setProfile(client)
            #expect(first.version == 1 && first.setBy == "admin-1" && !first.emblemPNG.isEmpty)
            let retried = try await Self.setProfile(client)
            #expect(retried == first)
            let second = try await Self.setProfile(client, requestID: "profile-2", expectedVersion: 1)
            #expect(second.version == 2)
            let stale = await #expect(throws: RPCError.self) {
                try await Self.setProfile(client, requestID: "profile-3", expectedVersion: 1)
            }
            #expect(stale?.code == .failedPrecondition)
            let old = try await client.call(RegistryAPI.getOfficeProfile, RegistryAPI.GetOfficeProfileRequest(version: 1),
                                            metadata: OfficeFixture.clerk)
            #expect(old.version == 1 && old.sha256 == first.sha256)
        } catch {
            Issue.record(error)
        }
        await client.close()
        await office.stop()
    }

    @Test func finalPDFDigestIsSealedInTheReceiptAndDownloadsInChunks() async throws {
        let signer = TestSigner()
        let office = try await OfficeFixture(officeId: "kec-sooko", signer: signer)
        let client = try office.client()
        do {
            // Without a profile: a v1 receipt and no PDF, as before.
            let before = try await client.call(RegistryAPI.register, try signer.registration(addressees: [.init(name: "Kepala Desa Sooko")]),
                                               metadata: OfficeFixture.clerk)
            let beforeText = String(decoding: try #require(before.entry?.receipt?.text), as: UTF8.self)
            #expect(beforeText.hasPrefix("surat-registry-receipt/v1\n"))
            _ = try await Self.setProfile(client)
            let registered = try await client.call(RegistryAPI.register, try signer.registration(addressees: [.init(name: "Kepala Desa Sooko")]),
                                                   metadata: OfficeFixture.clerk)
            let entry = try #require(registered.entry)
            let receipt = try #require(entry.receipt)
            #expect(ReceiptText.isValidSeal(text: Array(receipt.text), signature: Array(receipt.signature),
                                            registryPublicKey: office.registryPublicKey))
            let fields = try #require(ReceiptText.parse(Array(receipt.text)))
            #expect(String(decoding: receipt.text, as: UTF8.self).hasPrefix("surat-registry-receipt/v2\n"))
            let verificationID = try #require(fields.verificationId)
            #expect(VerificationID.isValid(verificationID) && !verificationID.contains(entry.letterID))

            let (pdf, digest) = try await Self.download(client, number: entry.number, chunk: 4096)
            #expect(pdf.count > 4096 && pdf.starts(with: Data("%PDF-".utf8)))
            #expect(Data(SHA256.hash(data: pdf)) == digest && Array(digest) == fields.pdfDigest)
            let (whole, _) = try await Self.download(client, number: entry.number, chunk: 0)
            #expect(whole == pdf)

            let verify = try await client.call(RegistryAPI.verifyReceipt, RegistryAPI.VerifyReceiptRequest(number: entry.number),
                                               metadata: OfficeFixture.clerk)
            #expect(verify.valid)
            let oldVerify = try await client.call(RegistryAPI.verifyReceipt,
                                                  RegistryAPI.VerifyReceiptRequest(number: try #require(before.entry).number),
                                                  metadata: OfficeFixture.clerk)
            #expect(oldVerify.valid)   // v1 receipts still verify

            let record = try await client.call(RegistryAPI.getPublicRecord, RegistryAPI.GetPublicRecordRequest(verificationID: verificationID),
                                               metadata: OfficeFixture.clerk)
            #expect(record.number == entry.number && record.signatureValid && record.receiptValid && record.pdfSHA256 == digest)
            #expect(record.signerPosition == "CAMAT SOOKO" && record.pdfDownloadable)
            let found = try await client.call(RegistryAPI.findByPDFDigest, RegistryAPI.FindByPDFDigestRequest(sha256: digest),
                                              metadata: OfficeFixture.clerk)
            #expect(found.verificationID == verificationID)
            var changed = pdf
            changed[changed.count / 2] ^= 1
            let unknown = await #expect(throws: RPCError.self) {
                try await client.call(RegistryAPI.findByPDFDigest, RegistryAPI.FindByPDFDigestRequest(sha256: Data(SHA256.hash(data: changed))),
                                      metadata: OfficeFixture.clerk)
            }
            #expect(unknown?.code == .notFound)
            let past = await #expect(throws: RPCError.self) {
                try await client.call(RegistryAPI.getLetterPDF, RegistryAPI.GetLetterPDFRequest(number: entry.number, offset: UInt64(pdf.count + 1)),
                                      metadata: OfficeFixture.clerk)
            }
            #expect(past?.code == .invalidArgument)
        } catch {
            Issue.record(error)
        }
        await client.close()
        await office.stop()
    }

    /// A crash after the numbering commit and before the PDF is stored: the letter keeps its number
    /// and verification id, the PDF is rendered at the next start, deterministically, no gap.
    @Test func pendingPDFIsRecoveredWithoutGapOrDuplicate() async throws {
        let signer = TestSigner()
        let office = try await OfficeFixture(officeId: "kec-sooko", signer: signer)
        let client = try office.client()
        do {
            _ = try await Self.setProfile(client)
            // Numbered through the store alone: the transaction commits, then "the process dies"
            // before the server renders.
            let request = try signer.registration(addressees: [.init(name: "Kepala Desa Sooko")])
            let numbered = try await office.numberWithoutPDF(request, signer: signer)
            let pending = try #require(try await office.application.store.pendingPDF(agendaId: numbered.entry.id))
            let missing = await #expect(throws: RPCError.self) {
                try await client.call(RegistryAPI.getLetterPDF, RegistryAPI.GetLetterPDFRequest(number: numbered.entry.number),
                                      metadata: OfficeFixture.clerk)
            }
            #expect(missing?.code == .notFound)

            // Rendering is deterministic: the same inputs give the same bytes.
            let (_, first) = try await office.application.registry.renderFinal(pending)
            let (_, second) = try await office.application.registry.renderFinal(pending)
            #expect(first == second)

            await office.application.registry.recoverPendingPDFs()
            #expect(try await office.application.store.pendingPDFs().isEmpty)
            let (pdf, digest) = try await Self.download(client, number: numbered.entry.number, chunk: 0)
            #expect(Array(pdf) == first && Data(SHA256.hash(data: pdf)) == digest)
            let entry = try await office.application.store.entry(number: numbered.entry.number)
            let fields = try #require(ReceiptText.parse(entry.receipt.text))
            #expect(fields.verificationId == pending.verificationId && fields.pdfDigest == Array(digest))
            #expect(entry.letterId == numbered.entry.letterId && entry.sequence == numbered.entry.sequence)

            // Registering the same letter again returns the same number; the next letter the next one.
            let again = try await client.call(RegistryAPI.register, request, metadata: OfficeFixture.clerk)
            #expect(again.alreadyRegistered && again.entry?.number == numbered.entry.number)
            #expect(again.entry?.receipt?.text == Data(entry.receipt.text))
            let next = try await client.call(RegistryAPI.register, try signer.registration(addressees: [.init(name: "Kepala Desa Jampirogo")]),
                                             metadata: OfficeFixture.clerk)
            #expect(next.entry?.sequence == numbered.entry.sequence + 1)
        } catch {
            Issue.record(error)
        }
        await client.close()
        await office.stop()
    }

    /// The outbox waits for the PDF and delivers it with the letter; the receiving inbox checks it
    /// against the v2 receipt and refuses a changed PDF.
    @Test func deliveryCarriesThePDFAndTheInboxChecksIt() async throws {
        let signer = TestSigner(signerId: "camat-sooko")
        let directoryA = FileManager.default.temporaryDirectory.appendingPathComponent("office-a-\(UUID().uuidString)")
        let directoryB = FileManager.default.temporaryDirectory.appendingPathComponent("office-b-\(UUID().uuidString)")
        let keyA = try OfficeFixture.preparedKey(in: directoryA)
        let officeA = try await OfficeFixture(officeId: "kec-sooko", signer: signer, directory: directoryA)
        let officeB = try await OfficeFixture(officeId: "kec-trawas", signer: TestSigner(signerId: "camat-trawas"), peers: ["kec-sooko": keyA],
                                              peerTokens: ["kec-sooko": "delivery-token-kec-sooko"], directory: directoryB)
        let clientA = try officeA.client(), clientB = try officeB.client()
        do {
            _ = try await Self.setProfile(clientA)
            let request = try signer.registration(subject: "Undangan musrenbang", addressees: [
                Domain.Addressee(name: "Camat Trawas", kind: .instansi, endpoint: "127.0.0.1:\(officeB.port)")])
            let entry = try #require(try await clientA.call(RegistryAPI.register, request, metadata: OfficeFixture.clerk).entry)
            let delivered = try await eventually {
                try await clientA.call(RegistryAPI.getDeliveries, RegistryAPI.GetDeliveriesRequest(number: entry.number),
                                       metadata: OfficeFixture.clerk).deliveries.first?.state == .delivered
            }
            #expect(delivered)

            // The same delivery by hand: accepted as a duplicate; with one PDF byte changed: refused.
            let (pdf, digest) = try await Self.download(clientA, number: entry.number, chunk: 0)
            var delivery = InboxAPI.DeliverLetterRequest()
            delivery.senderOffice = "kec-sooko"
            delivery.number = entry.number
            delivery.letterID = entry.letterID
            delivery.content = request.content
            delivery.signature = request.signature
            delivery.receipt = entry.receipt
            delivery.addresseeID = "1"
            delivery.addresseeName = "Camat Trawas"
            delivery.pdf = pdf
            delivery.pdfSHA256 = digest
            let sender: Metadata = ["authorization": "Bearer delivery-token-kec-sooko"]
            let again = try await clientB.call(InboxAPI.deliverLetter, delivery, metadata: sender)
            #expect(again.duplicate)
            delivery.pdf[delivery.pdf.count / 2] ^= 1
            let changed = await #expect(throws: RPCError.self) {
                try await clientB.call(InboxAPI.deliverLetter, delivery, metadata: sender)
            }
            #expect(changed?.code == .invalidArgument && changed?.message.contains("pdf") == true)
        } catch {
            Issue.record(error)
        }
        await clientA.close()
        await clientB.close()
        await officeA.stop()
        await officeB.stop()
    }

    @Test func verifierCredentialMayCallOnlyThePublicMethods() async throws {
        let authenticator = ServiceTokenAuthenticator(
            credentials: [try ServiceCredential(configEntry: "surat-verify:\(ServiceCredential.hashHex(of: "verify-secret")):verifier")],
            roleMethods: RegistryAPI.serviceRoleMethods)
        let metadata = ServiceMetadata.make(token: "verify-secret", actor: ActorIdentity(id: "x", name: "X", role: .admin))
        let allowed = try await authenticator.authenticate(method: RegistryAPI.getPublicRecord.fullName, metadata: metadata)
        #expect(allowed.roles.isEmpty && allowed.attributes[PrincipalAttribute.actorRole] == nil)   // claims no actor
        for method in [RegistryAPI.register.fullName, RegistryAPI.listAgenda.fullName, RegistryAPI.setOfficeProfile.fullName] {
            let denied = await #expect(throws: RPCError.self) { try await authenticator.authenticate(method: method, metadata: metadata) }
            #expect(denied?.code == .permissionDenied)
        }
        #expect(throws: ConfigError.self) { try ServiceCredential(configEntry: "v:\(ServiceCredential.hashHex(of: "t")):") }
    }
}
