import Domain
import Foundation
import GatewayCore
import InMemoryLogging
import Logging
import RPC
import Testing
@testable import GatewayService

/// Issue 11 item 19: a Sign the client cancelled was reported (and logged by the gateway) as the
/// signing service being UNAVAILABLE. It is CANCELLED: the backend was fine.
@Suite("Gateway backend calls the caller cancels", .timeLimit(.minutes(5)))
struct BackendCancellationTests {
    /// A stand-in signing service whose Sign announces the call and then works until it is cancelled.
    final class HangingSigning: Sendable {
        let server: RPCServer
        let arrived: AsyncStream<Void>

        init() async throws {
            let (arrived, announce) = AsyncStream<Void>.makeStream()
            self.arrived = arrived
            var service = ServiceDescriptor(name: SigningAPI.serviceName)
            service.unary(SigningAPI.sign) { _, _ -> SignatureRecord in
                announce.yield()
                try await Task.sleep(for: .seconds(600))
                throw RPCError(.internalError, "the stand-in was not cancelled")
            }
            var logger = Logger(label: "hanging-signing")
            logger.logLevel = .critical
            server = try RPCServer(configuration: ServerConfiguration(host: "127.0.0.1", port: 0), services: [service], logger: logger)
            try await server.start()
        }
    }

    @Test("a backend call abandoned because the caller cancelled is CANCELLED, not UNAVAILABLE")
    func cancelledCallIsCancelled() async throws {
        let signing = try await HangingSigning()
        var configuration = GatewayConfiguration()
        configuration.signingAddress = "127.0.0.1:\(signing.server.localPort)"
        configuration.serviceToken = "test-service-token"
        configuration.backendTimeoutSeconds = 60
        let backends = try BackendClients(configuration: configuration, logger: Logger(label: "cancel-tests"))
        let actor = GatewayCore.Actor(id: "camat", name: "Camat", role: .camat)
        let call = Task {
            try await backends.call(backends.signing, "signing", SigningAPI.sign,
                                    Domain.SignRequest(requestId: "r1", letterId: "L1", signerId: "camat", passphrase: "secret passphrase"),
                                    as: actor)
        }
        // Cancel only once the signing service is handling the call, as when a client gives up mid-Sign.
        var arrivals = signing.arrived.makeAsyncIterator()
        _ = await arrivals.next()
        call.cancel()
        let error = await #expect(throws: RPCError.self) { try await call.value }
        #expect(error?.code == .cancelled, "\(String(describing: error))")
        #expect(error?.message.contains("the caller cancelled") == true)
        #expect(error?.message.contains("unavailable") == false)
        await backends.close()
        await signing.server.shutdownGracefully()
    }

    @Test("a Sign the client cancels while the signing service works is logged by the gateway as cancelled, journey unchanged")
    func cancelledSignIsLoggedAsCancelled() async throws {
        let signing = try await HangingSigning()
        var configuration = GatewayConfiguration()
        for key in [\GatewayConfiguration.draftingAddress, \.approvalAddress, \.registryAddress] {
            configuration[keyPath: key] = "127.0.0.1:\(try LiveGateway.closedPort())"
        }
        configuration.signingAddress = "127.0.0.1:\(signing.server.localPort)"
        configuration.serviceToken = "test-service-token"
        let logs = InMemoryLogHandler()
        let logger = Logger(label: "gateway-cancel") { _ in logs }
        let store = try GatewayStore(path: Fixtures.temporaryDatabasePath())
        let service = GatewayService(store: store, backends: try BackendClients(configuration: configuration, logger: logger),
                                     configuration: configuration, logger: logger)
        let server = try RPCServer(configuration: ServerConfiguration(host: "127.0.0.1", port: 0),
                                   services: service.descriptors(), authenticator: service.authenticator, logger: logger)
        try await server.start()
        let client = try RPCClient(host: "127.0.0.1", port: server.localPort)
        func call<Request, Response>(_ method: RPCMethod<Request, Response>, _ request: Request, token: String) async throws -> Response {
            try await client.call(method, request, metadata: ["authorization": "Bearer \(token)"], timeout: .seconds(60))
        }
        let admin = try await store.bootstrapAdmin().token
        _ = try await call(GatewayAPI.createUser, GatewayAPI.CreateUserRequest(userID: "camat", name: "Pak Camat", role: "camat"), token: admin)
        let camat = try await call(GatewayAPI.issueToken, GatewayAPI.IssueTokenRequest(userID: "camat"), token: admin).token
        // A letter waiting for the Camat's signature (steps 1-4 are not what this test is about).
        let opened = Journey(letterID: "L1", subject: "Undangan", classification: "005", unit: "416-313",
                             openedBy: Fixtures.clerk, at: store.now(), standards: store.standards)
        _ = try await store.openLetter(opened, method: "OpenLetter", requestID: "open-L1", requestDigest: "L1") { _ in Data() }
        _ = try await store.update(letterID: "L1", method: "Test", requestID: "to-step-5", requestDigest: "t") { journey in
            journey.state = .awaitingSignature
            journey.signingRequestID = "sr-1"
            return Data()
        }

        let sign = Task {
            try await call(GatewayAPI.sign, GatewayAPI.SignRequest(requestID: "s1", letterID: "L1", passphrase: "rahasia-camat"),
                           token: camat)
        }
        var arrivals = signing.arrived.makeAsyncIterator()
        _ = await arrivals.next()
        sign.cancel()
        _ = try? await sign.value
        // The gateway's handler ends after the client has gone: wait for its line (the suite's time limit bounds this).
        func lines() -> [String] { logs.entries.map { "\($0.level) \($0.message) \($0.metadata)" } }
        while !lines().contains(where: { $0.contains("sign (step 5)") && !$0.contains("recorded") }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        let step = logs.entries.filter { "\($0.message)".contains("sign (step 5)") }
        #expect(step.count == 1, "\(lines())")
        let stepMessage = "\(step.first?.message ?? "")"
        #expect(stepMessage.contains("cancelled by the caller"), "\(lines())")
        #expect(step.first?.metadata["rpc.code"] == "\(RPCError.Code.cancelled.rawValue)", "\(lines())")
        let backendFailures = lines().filter { $0.contains("failed in a backend") || $0.contains("is unavailable") }
        #expect(backendFailures.isEmpty, "\(lines())")
        #expect(try await store.journey("L1").state == .awaitingSignature)
        await client.close()
        await server.shutdownGracefully()
        await signing.server.shutdownGracefully()
    }
}
