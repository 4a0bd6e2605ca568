import Domain
import Foundation
import RegistryCore
import RPC
import Testing
import Wire
@testable import RegistryServer

/// Register under ServiceKit's exactly-once rule when the reply is completed after the numbering
/// transaction: with an office profile the final PDF (and its v2 receipt) is made afterwards, and every
/// replay gets the completed first reply (proto-notes/services.md, "Exactly once").
@Suite("Register: stored replies with the final PDF", .timeLimit(.minutes(10)))
struct RegisterExactlyOnceTests {
    /// An office with a profile (so every letter gets a final PDF), its client and a letter to register.
    func withProfiledOffice(_ body: (OfficeFixture, RPCClient, TestSigner, RegistryAPI.RegisterRequest) async throws -> Void) async throws {
        let signer = TestSigner()
        let office = try await OfficeFixture(officeId: "kec-sooko", signer: signer)
        let client = try office.client()
        do {
            _ = try await FinalPDFTests.setProfile(client)
            try await body(office, client, signer, try signer.registration(addressees: [.init(name: "Kepala Desa Sooko")]))
        } catch {
            Issue.record(error)
        }
        await client.close()
        await office.stop()
    }

    @Test func replayUnderANewRequestIDGetsTheFirstReplyWithItsV2Receipt() async throws {
        try await withProfiledOffice { _, client, _, request in
            var request = request
            let first = try await client.call(RegistryAPI.register, request, metadata: OfficeFixture.clerk)
            let receipt = try #require(first.entry?.receipt?.text)
            let fields = try #require(ReceiptText.parse(Array(receipt)))
            #expect(fields.pdfDigest != nil && !first.alreadyRegistered)
            #expect(try await client.call(RegistryAPI.register, request, metadata: OfficeFixture.clerk) == first)
            request.requestID = "lost-" + UUID().uuidString
            #expect(try await client.call(RegistryAPI.register, request, metadata: OfficeFixture.clerk) == first)
        }
    }

    /// Numbered with its stored reply, then "the process dies" before the PDF; the next start renders
    /// it. A retry gets the stored reply completed with the v2 receipt, not the stale v1 one.
    @Test func replyStoredBeforeACrashIsCompletedWithThePDFMadeAtTheNextStart() async throws {
        try await withProfiledOffice { office, client, signer, request in
            let numbered = try await office.numberWithoutPDF(request, signer: signer, storingReply: true)
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
        }
    }
}
