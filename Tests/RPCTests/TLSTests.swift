import EchoService
import Foundation
import Logging
import RPC
import Testing

@Suite("TLS and mutual TLS", .timeLimit(.minutes(10)))
struct TLSTests {
    let certificates: URL

    init() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        certificates = FileManager.default.temporaryDirectory.appendingPathComponent("surat-tls-\(UUID().uuidString)")
        let process = Process()
        process.executableURL = root.appendingPathComponent("Tests/fixtures/make-test-certs")
        process.arguments = [certificates.path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw RPCError(.internalError, "make-test-certs failed") }
    }

    func path(_ name: String) -> String { certificates.appendingPathComponent(name).path }

    func server(clientCA: Bool) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.tls = ServerTLSConfiguration(certificateChainPath: path("server.pem"), privateKeyPath: path("server.key"),
                                                   clientCAPath: clientCA ? path("ca.pem") : nil)
        return configuration
    }

    @Test func tlsCallsSucceedAndPlaintextClientsAreTurnedAway() async throws {
        try await withServer(configuration: server(clientCA: false)) { server, plaintext in
            let client = try RPCClient(host: "localhost", port: server.localPort,
                                       tls: ClientTLSConfiguration(trustRootsPath: path("ca.pem")))
            let response = try await client.call(EchoAPI.echo, EchoRequest(text: "rahasia"))
            #expect(response.text == "rahasia")
            await client.close()

            let refused = await rpcError { _ = try await plaintext.call(EchoAPI.echo, EchoRequest()) }
            #expect(refused?.code == .unavailable)
            #expect((refused?.cause as? ConnectionFailure)?.kind == .serverExpectsTLS, "the mismatch is named: \(String(describing: refused))")

            let untrusting = try RPCClient(host: "localhost", port: server.localPort, tls: ClientTLSConfiguration())
            let unverified = await rpcError { _ = try await untrusting.call(EchoAPI.echo, EchoRequest()) }
            #expect(unverified?.code == .unavailable, "a certificate from an unknown CA is rejected")
            #expect((unverified?.cause as? ConnectionFailure)?.kind == .untrustedServerCertificate, "\(String(describing: unverified))")
            await untrusting.close()
        }
    }

    @Test func mutualTLSRequiresAClientCertificate() async throws {
        try await withServer(configuration: server(clientCA: true)) { server, _ in
            let anonymous = try RPCClient(host: "127.0.0.1", port: server.localPort,
                                          tls: ClientTLSConfiguration(trustRootsPath: path("ca.pem")))
            let refused = await rpcError { _ = try await anonymous.call(EchoAPI.echo, EchoRequest()) }
            #expect(refused?.code == .unavailable, "a client without a certificate is refused")
            #expect((refused?.cause as? ConnectionFailure)?.kind == .clientCertificateRequired, "\(String(describing: refused))")
            await anonymous.close()

            let known = try RPCClient(host: "127.0.0.1", port: server.localPort, tls: ClientTLSConfiguration(
                trustRootsPath: path("ca.pem"), certificateChainPath: path("client.pem"), privateKeyPath: path("client.key")))
            let response = try await known.call(EchoAPI.echo, EchoRequest(text: "mtls"))
            #expect(response.text == "mtls")
            await known.close()
        }
    }
}
