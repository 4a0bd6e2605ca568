import Crypto
import Domain
import Foundation
import RegistryCore
import RPC
import ServiceKit
import Testing
import Wire
@testable import RegistryServer

/// Register under ServiceKit's exactly-once rule when the reply is completed after the numbering
/// transaction: with an office profile the final PDF (and its v2 receipt) is made afterwards, and every
/// replay gets the completed first reply (proto-notes/services.md, "Exactly once").
@Suite("Register: stored replies with the final PDF", .timeLimit(.minutes(10)))
struct RegisterExactlyOnceTests {
    @Test func replayUnderANewRequestIDGetsTheFirstReplyWithItsV2Receipt() async throws {
        let signer = TestSigner()
        let office = try await OfficeFixture(officeId: "kec-sooko", signer: signer)
        let client = try office.client()
        do {
            _ = try await FinalPDFTests.setProfile(client)
            var request = try signer.registration(addressees: [.init(name: "Kepala Desa Sooko")])
            let first = try await client.call(RegistryAPI.register, request, metadata: OfficeFixture.clerk)
            let receipt = try #require(first.entry?.receipt?.text)
            let fields = try #require(ReceiptText.parse(Array(receipt)))
            #expect(fields.pdfDigest != nil && !first.alreadyRegistered)
            #expect(try await client.call(RegistryAPI.register, request, metadata: OfficeFixture.clerk) == first)
            request.requestID = "lost-" + UUID().uuidString
            #expect(try await client.call(RegistryAPI.register, request, metadata: OfficeFixture.clerk) == first)
        } catch {
            Issue.record(error)
        }
        await client.close()
        await office.stop()
    }

    /// Numbered with its stored reply, then "the process dies" before the PDF; the next start renders
    /// it. A retry gets the stored reply completed with the v2 receipt, not the stale v1 one.
    @Test func replyStoredBeforeACrashIsCompletedWithThePDFMadeAtTheNextStart() async throws {
        let signer = TestSigner()
        let office = try await OfficeFixture(officeId: "kec-sooko", signer: signer)
        let client = try office.client()
        do {
            _ = try await FinalPDFTests.setProfile(client)
            let request = try signer.registration(addressees: [.init(name: "Kepala Desa Sooko")])
            let record = try #require(request.signature)
            let letterId = try #require(UUID(uuidString: request.letterID))
            let digest = Data(SHA256.hash(data: request.content))
            var registration = try RegistryService.registration(
                requestID: request.requestID, letterId: letterId,
                content: try ProtobufDecoder().decode(LetterContent.self, from: request.content), contentBytes: request.content,
                digest: digest, record: record, envelope: try SigningEnvelope(canonicalBytes: record.envelope),
                signerName: "Drs. Camat Sooko", signerPublicKey: Array(signer.publicKey), unit: "", remarks: "", registeredBy: "staf-1")
            registration.exactlyOnce = try RegistryService.exactlyOnce(request, letterId: letterId, contentDigest: digest, actorID: "staf-1")
            let numbered = try await office.application.store.register(registration)
            let stored = try ProtobufDecoder().decode(RegistryAPI.RegisterResponse.self, from: try #require(numbered.reply))
            #expect(stored.entry?.number == numbered.entry.number)

            await office.application.registry.recoverPendingPDFs()
            let entry = try await office.application.store.entry(number: numbered.entry.number)
            let again = try await client.call(RegistryAPI.register, request, metadata: OfficeFixture.clerk)
            #expect(again.entry?.receipt?.text == Data(entry.receipt.text) && again.entry?.receipt?.text != stored.entry?.receipt?.text)
            #expect(again.entry?.number == stored.entry?.number && again.deliveries == stored.deliveries && !again.alreadyRegistered)
            var renewed = request
            renewed.requestID = "after-crash-" + UUID().uuidString
            #expect(try await client.call(RegistryAPI.register, renewed, metadata: OfficeFixture.clerk) == again)
        } catch {
            Issue.record(error)
        }
        await client.close()
        await office.stop()
    }
}
