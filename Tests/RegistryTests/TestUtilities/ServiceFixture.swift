import Crypto
import Domain
import Foundation
import Logging
import RegistryCore
import RPC
import ServiceKit
@testable import RegistryServer

/// A Camat key for tests; signs envelopes the way the signing service does.
struct TestSigner: @unchecked Sendable {  // Curve25519 keys are immutable values, not annotated Sendable in Crypto 3
    var signerId = "camat-sooko"
    let key = Curve25519.Signing.PrivateKey()
    var publicKey: Data { key.publicKey.rawRepresentation }
    var keyId: String { SigningKeyID.derive(publicKey: publicKey) }

    var trustedKeys: ListPublicKeysResponse {
        ListPublicKeysResponse(signers: [PublishedSigner(id: signerId, name: "Drs. Camat Sooko", position: "Camat Sooko", role: "camat")],
                               keys: [PublishedKey(keyId: keyId, signerId: signerId, publicKey: publicKey)])
    }

    func writeTrustedKeys(to directory: URL) throws -> String {
        let path = directory.appendingPathComponent("trusted-keys.json")
        try JSONEncoder().encode(trustedKeys).write(to: path)
        return path.path
    }

    func registration(letterId: String = UUID().uuidString.lowercased(), subject: String = "Undangan rapat",
                      classification: String = "065", addressees: [Domain.Addressee]) throws -> RegistryAPI.RegisterRequest {
        let content = LetterContent(type: .undangan, classificationCode: classification, subject: subject, body: "Dengan hormat.",
                                    sifat: .biasa, urgency: .segera, addressees: addressees)
        let bytes = try content.canonicalBytes()
        let envelope = SigningEnvelope(letterId: letterId, revisionDigest: Data(SHA256.hash(data: bytes)), signerId: signerId,
                                       keyId: keyId, signedAtUnixMillis: Int64(Date().timeIntervalSince1970 * 1000))
        let envelopeBytes = envelope.canonicalBytes()
        var request = RegistryAPI.RegisterRequest()
        request.requestID = "req-" + letterId
        request.letterID = letterId
        request.content = Data(bytes)
        request.signature = SignatureRecord(signatureId: "sig-" + letterId, envelope: Data(envelopeBytes),
                                            signature: Data(try key.signature(for: envelopeBytes)), fields: envelope,
                                            signerName: "Drs. Camat Sooko", publicKey: publicKey)
        return request
    }
}

/// One registry office served in-process on a free port.
final class OfficeFixture: Sendable {
    static let clerkToken = "clerk-token"
    let officeId: String
    let directory: URL
    let application: RegistryApplication
    let server: RPCServer
    let outboxTask: Task<Void, Never>
    let registryPublicKey: [UInt8]
    var port: Int { server.localPort }

    /// `peers`: office id → (its registry public key, the token it delivers with).
    /// With `tls`, the office serves mutual TLS and makes its own outgoing calls over TLS.
    let tls: TestCertificates?

    init(officeId: String, signer: TestSigner, peers: [String: [UInt8]] = [:], peerTokens: [String: String] = [:],
         directory: URL? = nil, tls: TestCertificates? = nil) async throws {
        self.officeId = officeId
        self.tls = tls
        let directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("registry-office-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        var settings = ServiceSettings(port: 0)
        settings.dataDirectory = directory.path
        settings.serviceTokens = ["gateway:" + ServiceCredential.hashHex(of: Self.clerkToken)]
            + peerTokens.map { "\($0.key):" + ServiceCredential.hashHex(of: $0.value) }
        var configuration = RegistryConfiguration()
        configuration.officeId = officeId
        configuration.signingEndpoint = ""
        configuration.trustedKeysFile = try signer.writeTrustedKeys(to: directory)
        configuration.trustedOffices = peers.map { "\($0.key)=\(Hex.encode($0.value))" }
        configuration.deliveryToken = "delivery-token-\(officeId)"
        configuration.deliveryInitialBackoffMilliseconds = 100
        configuration.deliveryMaxBackoffSeconds = 1
        if let tls {
            settings.tlsCertificatePath = tls.path("server.pem")
            settings.tlsKeyPath = tls.path("server.key")
            settings.tlsClientCAPath = tls.path("ca.pem")
            configuration.outboundTrustRootsPath = tls.path("ca.pem")
            configuration.outboundCertificatePath = tls.path("client.pem")
            configuration.outboundKeyPath = tls.path("client.key")
        }
        var logger = Logger(label: "registry-\(officeId)")
        logger.logLevel = .warning
        application = try RegistryApplication(settings: settings, configuration: configuration, logger: logger)
        registryPublicKey = application.store.key.publicKey
        server = try await ServiceMain.startServer(settings: settings, services: application.services,
                                                   roleMethods: RegistryAPI.serviceRoleMethods, logger: logger)
        let outbox = application.outbox
        outboxTask = Task { await outbox.run(pollInterval: .milliseconds(100)) }
    }

    /// Just the registry key this office will use, created ahead so peers can trust it.
    static func preparedKey(in directory: URL) throws -> [UInt8] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try RegistryKey.loadOrCreate(at: directory.appendingPathComponent("registry-receipt.key").path).publicKey
    }

    func client() throws -> RPCClient {
        try RPCClient(host: "127.0.0.1", port: port, tls: tls.map {
            ClientTLSConfiguration(trustRootsPath: $0.path("ca.pem"), certificateChainPath: $0.path("client.pem"),
                                   privateKeyPath: $0.path("client.key"))
        })
    }

    static var clerk: Metadata {
        ServiceMetadata.make(token: clerkToken, actor: ActorIdentity(id: "staf-1", name: "Staf Umum", role: .stafUmum))
    }

    func stop() async {
        outboxTask.cancel()
        await server.shutdownGracefully()
        application.store.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Polls `condition` every 50 ms for up to `seconds`.
func eventually(seconds: Double = 15, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}


/// A throwaway CA with a server certificate (localhost, 127.0.0.1) and a client certificate,
/// made by Tests/fixtures/make-test-certs.
struct TestCertificates: Sendable {
    let directory: URL

    init() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("registry-tls-\(UUID().uuidString)")
        let process = Process()
        process.executableURL = root.appendingPathComponent("Tests/fixtures/make-test-certs")
        process.arguments = [directory.path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}
