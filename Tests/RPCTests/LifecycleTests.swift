import EchoService
import Foundation
import Logging
import RPC
import Testing

@Suite("Connections, shutdown, authentication and health", .timeLimit(.minutes(10)))
struct LifecycleTests {
    @Test func unreachablePeerIsUnavailable() async throws {
        // Port 1 (tcpmux): privileged and unused, so no server of a test running in parallel can
        // have taken it (a port found free a moment ago could be, and answered UNIMPLEMENTED).
        let client = try RPCClient(host: "127.0.0.1", port: 1)
        let error = await rpcError { _ = try await client.call(EchoAPI.echo, EchoRequest()) }
        #expect(error?.code == .unavailable)
        await client.close()
    }

    @Test func clientReconnectsAfterTheServerRestarts() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let first = try RPCServer(configuration: ServerConfiguration(), services: [EchoAPI.service()], logger: logger)
        try await first.start()
        let port = first.localPort
        let client = try RPCClient(host: "127.0.0.1", port: port)
        let value1 = try await client.call(EchoAPI.echo, EchoRequest(text: "one"))
        #expect(value1.text == "one")
        await first.shutdownGracefully()
        let down = await rpcError { _ = try await client.call(EchoAPI.echo, EchoRequest()) }
        #expect(down?.code == .unavailable)

        let second = try RPCServer(configuration: ServerConfiguration(host: "127.0.0.1", port: port),
                                   services: [EchoAPI.service()], logger: logger)
        try await second.start()
        let value2 = try await client.call(EchoAPI.echo, EchoRequest(text: "two"))
        #expect(value2.text == "two")
        await client.close()
        await second.shutdownGracefully()
    }

    @Test func gracefulShutdownLetsInFlightCallsFinishAndRefusesNewOnes() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let started = Flag(), release = Flag()
        let slowMethod = RPCMethod<EchoRequest, EchoResponse>(service: "test.Slow", name: "Slow")
        var slowService = ServiceDescriptor(name: "test.Slow")
        slowService.unary(slowMethod) { request, _ in
            await started.set()
            _ = await release.wait(timeout: .seconds(30))
            return EchoResponse(text: request.text)
        }
        let server = try RPCServer(configuration: ServerConfiguration(), services: [slowService, EchoAPI.service()],
                                   logger: logger)
        try await server.start()
        let client = try RPCClient(host: "127.0.0.1", port: server.localPort)
        let slow = Task { try await client.call(slowMethod, EchoRequest(text: "slow")) }
        #expect(await started.wait())
        let shutdown = Task { await server.shutdownGracefully() }
        // New calls are refused while the in-flight one is still running.
        var refused: RPCError?
        for _ in 0..<100 where refused == nil {
            refused = await rpcError { _ = try await client.call(EchoAPI.echo, EchoRequest()) }
            if refused == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(refused?.code == .unavailable)
        await release.set()
        let finished = try await slow.value
        #expect(finished.text == "slow", "the in-flight call completed")
        await shutdown.value
        await client.close()
    }

    struct TokenAuthenticator: Authenticator {
        func authenticate(method: String, metadata: Metadata) async throws -> Principal {
            guard let header = metadata["authorization"] else {
                throw RPCError(.unauthenticated, "missing authorization")
            }
            guard header == "Bearer sekcam-token" else { throw RPCError(.unauthenticated, "invalid token") }
            return Principal(subject: "user:sekcam", roles: ["sekretaris"])
        }
    }

    @Test func authenticatorGuardsApplicationMethodsButNotHealth() async throws {
        let whoAmI = RPCMethod<EchoRequest, EchoResponse>(service: "test.Auth", name: "WhoAmI")
        var service = ServiceDescriptor(name: "test.Auth")
        service.unary(whoAmI) { _, context in
            EchoResponse(text: context.principal?.subject ?? "nobody")
        }
        try await withServer(services: [service], authenticator: TokenAuthenticator()) { _, client in
            let missing = await rpcError { _ = try await client.call(whoAmI, EchoRequest()) }
            #expect(missing?.code == .unauthenticated)
            let wrong = await rpcError { _ = try await client.call(whoAmI, EchoRequest(), metadata: ["authorization": "Bearer nope"]) }
            #expect(wrong?.code == .unauthenticated)
            let me = try await client.call(whoAmI, EchoRequest(), metadata: ["authorization": "Bearer sekcam-token"])
            #expect(me.text == "user:sekcam")
            let health = try await client.call(HealthProbe.check, HealthProbe.Request(service: ""))
            #expect(health.status == 1)
        }
    }

    @Test func healthReportsPerServiceAndUnknownServices() async throws {
        try await withServer { server, client in
            let value4 = try await client.call(HealthProbe.check, .init(service: EchoAPI.serviceName))
            #expect(value4.status == 1)
            server.health.set(service: EchoAPI.serviceName, .notServing)
            let value5 = try await client.call(HealthProbe.check, .init(service: EchoAPI.serviceName))
            #expect(value5.status == 2)
            let unknown = await rpcError { _ = try await client.call(HealthProbe.check, .init(service: "no.Such")) }
            #expect(unknown?.code == .notFound)
        }
    }
}

/// grpc.health.v1 messages as an outside client declares them.
enum HealthProbe {
    struct Request: Codable, Sendable {
        var service = ""
        enum CodingKeys: Int, CodingKey { case service = 1 }
    }
    struct Response: Codable, Sendable {
        var status: Int32 = 0
        enum CodingKeys: Int, CodingKey { case status = 1 }
    }
    static let check = RPCMethod<Request, Response>(service: "grpc.health.v1.Health", name: "Check")
}

func freePort() async throws -> Int {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    let server = try RPCServer(configuration: ServerConfiguration(), services: [], logger: logger)
    try await server.start()
    let port = server.localPort
    await server.shutdownGracefully()
    return port
}

@Suite("Server lifecycle edges", .timeLimit(.minutes(10)))
struct ServerLifecycleEdgeTests {
    @Test func shuttingDownAServerThatNeverStartedReturns() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = try RPCServer(configuration: ServerConfiguration(), services: [], logger: logger)
        await server.shutdownGracefully()
        await server.shutdownGracefully()
        await #expect(throws: RPCError.self) { try await server.start() }
    }

    @Test func aPortInUseIsUnavailableAndRunReturnsTheError() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let first = try RPCServer(configuration: ServerConfiguration(), services: [], logger: logger)
        try await first.start()
        let second = try RPCServer(configuration: ServerConfiguration(host: "127.0.0.1", port: first.localPort),
                                   services: [], logger: logger)
        let error = await rpcError { try await second.run() }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("cannot listen") == true)
        await second.shutdownGracefully()
        await first.shutdownGracefully()
    }
}
