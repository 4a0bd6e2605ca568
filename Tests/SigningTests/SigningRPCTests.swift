import Crypto
import Domain
import Foundation
import Logging
import RPC
import ServiceKit
import Testing
@testable import SigningCore

/// The service descriptor over real RPC (HTTP/2 on loopback, port 0) with a service token, as the
/// gateway and the registry call it: status codes, metadata and auth as a client sees them.
@Suite("Signing over RPC", .timeLimit(.minutes(5)))
struct SigningRPCTests {
    static let token = "test-gateway-token"

    static func metadata(_ id: String, _ role: String) -> Metadata {
        ServiceMetadata.make(token: token, actor: ActorIdentity(id: id, name: "Tester", role: role))
    }

    static func withServer(_ body: (SigningHarness, RPCClient) async throws -> Void) async throws {
        let harness = try SigningHarness()
        var settings = ServiceSettings(port: 0)
        settings.serviceTokens = ["gateway:\(ServiceCredential.hashHex(of: token))"]
        let server = try await ServiceMain.startServer(settings: settings, services: [harness.service.descriptor],
                                                       logger: Logger(label: "signing-rpc-test"))
        let client = try RPCClient(host: "127.0.0.1", port: server.localPort)
        do {
            try await body(harness, client)
        } catch {
            await client.close()
            await server.shutdownGracefully()
            throw error
        }
        await client.close()
        await server.shutdownGracefully()
    }

    static func expectCode<T>(_ code: RPCError.Code, _ body: () async throws -> T, sourceLocation: SourceLocation = #_sourceLocation) async -> RPCError? {
        do {
            _ = try await body()
            Issue.record("expected \(code), call succeeded", sourceLocation: sourceLocation)
        } catch let error as RPCError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            return error
        } catch {
            Issue.record("expected RPCError \(code), got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    @Test("whole flow, status codes and lockout metadata over the wire")
    func flow() async throws {
        try await Self.withServer { harness, client in
            let admin = Self.metadata("admin-1", "admin")
            let camat = Self.metadata("camat-1", "camat")
            let clerk = Self.metadata("staf-1", "staf_umum")

            // No token: UNAUTHENTICATED, also for the public queries.
            _ = await Self.expectCode(.unauthenticated) { try await client.call(SigningAPI.listPublicKeys, ListPublicKeysRequest()) }
            // A token but no acting user: mutations refuse.
            var tokenOnly = Metadata()
            tokenOnly.add("authorization", "Bearer \(Self.token)")
            _ = await Self.expectCode(.unauthenticated) {
                try await client.call(SigningAPI.sign, SignRequest(requestId: "s", letterId: "x", passphrase: "p"), metadata: tokenOnly)
            }

            let registration = try await client.call(SigningAPI.registerSigner, RegisterSignerRequest(
                requestId: "reg", signer: PublishedSigner(id: "camat-1", name: "Camat", nip: "196801011990031001", position: "Camat Sooko", role: "camat"),
                passphrase: SigningHarness.camatPassphrase), metadata: admin)
            let content = SigningHarness.content()
            let (drafter, sekretaris) = try SigningHarness.parafs(for: content)
            _ = await Self.expectCode(.failedPrecondition) {
                try await client.call(SigningAPI.uploadForSignature, UploadForSignatureRequest(
                    requestId: "u0", letterId: "L-1", content: content, drafterParaf: drafter), metadata: clerk)
            }
            let upload = try await client.call(SigningAPI.uploadForSignature, UploadForSignatureRequest(
                requestId: "u1", letterId: "L-1", content: content, drafterParaf: drafter, sekretarisParaf: sekretaris), metadata: clerk)

            let wrong = await Self.expectCode(.permissionDenied) {
                try await client.call(SigningAPI.sign, SignRequest(requestId: "s1", signingRequestId: upload.signingRequestId,
                                                                   passphrase: "tebakan-salah-1"), metadata: camat)
            }
            #expect(wrong?.message.contains("wrong passphrase") == true)
            #expect(wrong?.message.contains("tebakan") == false)

            let signature = try await client.call(SigningAPI.sign, SignRequest(requestId: "s1", signingRequestId: upload.signingRequestId,
                                                                               passphrase: SigningHarness.camatPassphrase), metadata: camat)
            // Public queries need only the service token (the registry verifies without an actor).
            let published = try await client.call(SigningAPI.listPublicKeys, ListPublicKeysRequest(), metadata: tokenOnly)
            #expect(published.keys.map(\.keyId) == [registration.key.keyId])
            let offline = published.verifier.verify(envelopeBytes: signature.envelope, signature: signature.signature,
                                                    contentDigest: try content.digest(), letterId: "L-1")
            #expect(offline.valid, "\(offline.checks)")
            let online = try await client.call(SigningAPI.verify, VerifyRequest(signatureId: signature.signatureId, content: content), metadata: tokenOnly)
            #expect(online.valid)
            let fetched = try await client.call(SigningAPI.getSignature, GetSignatureRequest(letterId: "L-1"), metadata: tokenOnly)
            #expect(fetched == signature)

            // Lockout: RESOURCE_EXHAUSTED with the time it ends in trailing metadata.
            let second = try await client.call(SigningAPI.uploadForSignature, UploadForSignatureRequest(
                requestId: "u2", letterId: "L-2", content: SigningHarness.content(subject: "Kedua"),
                drafterParaf: try SigningHarness.parafs(for: SigningHarness.content(subject: "Kedua")).0,
                sekretarisParaf: try SigningHarness.parafs(for: SigningHarness.content(subject: "Kedua")).1), metadata: clerk)
            for attempt in 1...4 {
                _ = await Self.expectCode(.permissionDenied) {
                    try await client.call(SigningAPI.sign, SignRequest(requestId: "g\(attempt)", signingRequestId: second.signingRequestId,
                                                                       passphrase: "tebakan-\(attempt)"), metadata: camat)
                }
            }
            let locked = await Self.expectCode(.resourceExhausted) {
                try await client.call(SigningAPI.sign, SignRequest(requestId: "g5", signingRequestId: second.signingRequestId,
                                                                   passphrase: "tebakan-5"), metadata: camat)
            }
            #expect(locked?.metadata["retry-after-unix-millis"] == String(harness.clock.now + 15 * 60_000))
        }
    }
}
