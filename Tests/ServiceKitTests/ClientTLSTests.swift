import RPC
import ServiceKit
import Testing

@Suite("Client TLS from configuration keys", .timeLimit(.minutes(5)))
struct ClientTLSTests {
    @Test func emptyTrustRootsMeansPlaintext() throws {
        #expect(try ClientTLSConfiguration.fromConfiguration(trustRootsPath: "", certificatePath: "", keyPath: "",
                                                             keyPrefix: "outbound") == nil)
    }

    @Test func pathsCarryOverForMutualTLS() throws {
        let tls = try #require(try ClientTLSConfiguration.fromConfiguration(
            trustRootsPath: "/etc/surat/ca.pem", certificatePath: "/etc/surat/me.pem", keyPath: "/etc/surat/me.key",
            keyPrefix: "outbound"))
        #expect(tls.trustRootsPath == "/etc/surat/ca.pem")
        #expect(tls.certificateChainPath == "/etc/surat/me.pem")
        #expect(tls.privateKeyPath == "/etc/surat/me.key")
    }

    @Test func halfConfiguredClientCertificatesAreRejectedNamingTheKeys() {
        #expect(throws: ConfigError.self) {
            try ClientTLSConfiguration.fromConfiguration(trustRootsPath: "/ca.pem", certificatePath: "/me.pem",
                                                         keyPath: "", keyPrefix: "backend")
        }
        do {
            _ = try ClientTLSConfiguration.fromConfiguration(trustRootsPath: "", certificatePath: "/me.pem",
                                                             keyPath: "/me.key", keyPrefix: "backend")
            Issue.record("a client certificate without trust roots was accepted")
        } catch {
            #expect("\(error)".contains("backendTrustRootsPath"))
        }
    }
}
