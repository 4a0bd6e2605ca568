import EchoService
import Foundation
import Logging
import ProtoDescriptors
import RPC

/// Starts a real server on 127.0.0.1 and a free port, runs `body` with a client connected to
/// it, and shuts both down afterwards.
func withServer<T>(
    configuration: ServerConfiguration = ServerConfiguration(),
    services: [ServiceDescriptor] = [EchoAPI.service()],
    authenticator: (any Authenticator)? = nil,
    interceptors: [any ServerInterceptor] = [],
    _ body: (RPCServer, RPCClient) async throws -> T
) async throws -> T {
    var logger = Logger(label: "test.server")
    logger.logLevel = .warning
    let server = try RPCServer(configuration: configuration, services: services, authenticator: authenticator,
                               interceptors: interceptors, descriptorFiles: ProtoDescriptors.all, logger: logger)
    try await server.start()
    let client = try RPCClient(host: "127.0.0.1", port: server.localPort)
    do {
        let result = try await body(server, client)
        await client.close()
        await server.shutdownGracefully()
        return result
    } catch {
        await client.close()
        await server.shutdownGracefully()
        throw error
    }
}

/// Runs `operation` and returns the RPCError it threw, or nil when it did not throw one.
func rpcError(_ operation: () async throws -> Void) async -> RPCError? {
    do {
        try await operation()
        return nil
    } catch let error as RPCError {
        return error
    } catch {
        return RPCError(.unknown, "not an RPCError: \(error)")
    }
}

/// A one-shot signal a handler can raise and a test can wait for.
actor Flag {
    private(set) var isSet = false

    func set() { isSet = true }

    /// Waits until set, or until `timeout` passes; returns whether it was set.
    func wait(timeout: Duration = .seconds(10)) async -> Bool {
        if isSet { return true }
        let deadline = ContinuousClock.now + timeout
        while !isSet, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return isSet
    }
}
