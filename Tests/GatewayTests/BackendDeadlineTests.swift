import Foundation
import Logging
import RPC
import Testing
@testable import GatewayService

/// How the gateway bounds its backend calls: by the caller's remaining deadline when the caller
/// gave one, by backendTimeoutSeconds otherwise, and what a timeout then says.
@Suite("Gateway backend deadlines", .timeLimit(.minutes(10)))
struct BackendDeadlineTests {
    static func backends() throws -> BackendClients {
        var configuration = GatewayConfiguration()
        configuration.serviceToken = "test-service-token"
        configuration.backendTimeoutSeconds = 7
        return try BackendClients(configuration: configuration, logger: Logger(label: "deadline-tests"))
    }

    @Test("the caller's remaining deadline bounds backend calls; without one, backendTimeoutSeconds")
    func deadlineSource() async throws {
        let backends = try Self.backends()
        #expect(try backends.deadline(for: "signing") == .gateway(.seconds(7)))
        let source = try await BackendClients.withCallerDeadline(.now + .seconds(30)) { try backends.deadline(for: "signing") }
        guard case .caller(let remaining) = source else {
            Issue.record("expected the caller's deadline, got \(source)")
            return
        }
        // Less than the caller's 30 s (the reply margin is kept back), far more than the gateway's 7 s.
        #expect(remaining < .seconds(30) && remaining > .seconds(20))
        await #expect(throws: RPCError.self) {
            try await BackendClients.withCallerDeadline(.now - .seconds(1)) { try backends.deadline(for: "signing") }
        }
        await backends.close()
    }

    @Test("a timeout says whose deadline it was; a busy backend's retry hint reaches the caller")
    func translation() {
        let timeout = RPCError(.deadlineExceeded, "deadline of 1.5 seconds exceeded")
        let caller = BackendClients.translate(timeout, service: "signing", deadline: .caller(remaining: .milliseconds(1500)))
        #expect(caller.code == .deadlineExceeded)
        #expect(caller.message.contains("caller's deadline") && caller.message.contains("1500 ms"))
        let gateway = BackendClients.translate(timeout, service: "signing", deadline: .gateway(.seconds(10)))
        #expect(gateway.code == .unavailable)
        #expect(gateway.message.contains("backendTimeoutSeconds") && gateway.message.contains("10 s"))

        let busy = RPCError(.unavailable, "the signing service is busy", metadata: ["retry-after-ms": "420"])
        let passed = BackendClients.translate(busy, service: "signing", deadline: .caller(remaining: .seconds(3)))
        #expect(passed.code == .unavailable)
        #expect(passed.metadata["retry-after-ms"] == "420")
        #expect(passed.message.contains("retry with the same request_id"))
    }
}
