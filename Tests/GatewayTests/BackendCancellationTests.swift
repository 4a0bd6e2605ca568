import Domain
import Foundation
import GatewayCore
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
}
