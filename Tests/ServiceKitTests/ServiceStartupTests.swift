import Foundation
import Logging
import RPC
import ServiceKit
import Testing

@Suite("Process-level startup failures are ServiceStartupError, not RPCError", .timeLimit(.minutes(5)))
struct ServiceStartupTests {
    let logger = Logger(label: "test")

    @Test("a port already listened on is a bind failure (exit status 69)")
    func portInUse() async throws {
        let first = try await ServiceMain.startServer(settings: ServiceSettings(port: 0), services: [], logger: logger)
        let second = await #expect(throws: ServiceStartupError.self) {
            _ = try await ServiceMain.startServer(settings: ServiceSettings(port: first.localPort), services: [], logger: logger)
        }
        #expect(second?.code == .bind && second?.exitStatus == 69)
        #expect(second?.message.contains("cannot listen on 127.0.0.1:\(first.localPort)") == true)
        await first.shutdownGracefully()
    }

    @Test("a TLS certificate file that does not exist is a TLS failure (exit status 64)")
    func missingTLSFile() async throws {
        var settings = ServiceSettings(port: 0)
        settings.tlsCertificatePath = "/nonexistent/surat-cert.pem"
        settings.tlsKeyPath = "/nonexistent/surat-key.pem"
        let error = await #expect(throws: ServiceStartupError.self) {
            _ = try await ServiceMain.startServer(settings: settings, services: [], logger: logger)
        }
        #expect(error?.code == .tls && error?.exitStatus == 64)
        #expect(error.map { "\($0)" }?.hasPrefix("cannot start (tls): ") == true)
    }

    @Test("a malformed service token entry is a configuration failure")
    func badServiceToken() async throws {
        var settings = ServiceSettings(port: 0)
        settings.serviceTokens = ["no-colon-here"]
        let error = await #expect(throws: ServiceStartupError.self) {
            _ = try await ServiceMain.startServer(settings: settings, services: [], logger: logger)
        }
        #expect(error?.code == .configuration)
    }

    @Test("configuration errors classify as configuration; other errors are not startup failures")
    func classify() {
        #expect(ServiceStartupError.classify(ConfigError.invalid("port: bad"))?.code == .configuration)
        #expect(ServiceStartupError.classify(RPCError(.internalError, "a bug")) == nil)
    }
}
