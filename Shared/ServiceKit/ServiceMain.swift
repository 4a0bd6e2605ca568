import Foundation
import Logging
import RPC
import ServiceLifecycle

/// Runs a service executable: builds the RPC server (service-token authenticator, call logging, health set
/// to SERVING for each service, reflection descriptors), runs it under swift-service-lifecycle's
/// ServiceGroup so SIGTERM/SIGINT shut down gracefully (in-flight calls finish), and logs the
/// bound address as `listening on HOST:PORT` (tests and `deploy/run-local` wait for that line).
public enum ServiceMain {
    /// The RPC server configuration that `settings` describes.
    public static func serverConfiguration(_ settings: ServiceSettings) -> ServerConfiguration {
        var configuration = ServerConfiguration(host: settings.host, port: settings.port)
        configuration.maxReceiveMessageSize = settings.maxReceiveMessageSize
        configuration.shutdownGracePeriod = .seconds(settings.shutdownGraceSeconds)
        configuration.maxConnections = settings.maxConnections
        configuration.maxConnectionsPerAddress = settings.maxConnectionsPerAddress
        configuration.handshakeTimeout = .seconds(settings.handshakeTimeoutSeconds)
        if !settings.tlsCertificatePath.isEmpty {
            configuration.tls = ServerTLSConfiguration(
                certificateChainPath: settings.tlsCertificatePath,
                privateKeyPath: settings.tlsKeyPath,
                clientCAPath: settings.tlsClientCAPath.isEmpty ? nil : settings.tlsClientCAPath)
        }
        return configuration
    }

    /// Builds and starts a server (port 0 works: read `localPort`), health SERVING for every
    /// service. In-process tests use this; executables use `run`.
    public static func startServer(
        settings: ServiceSettings, services: [ServiceDescriptor], descriptorFiles: [[UInt8]] = [],
        roleMethods: [String: Set<String>] = [:], logger: Logger
    ) async throws -> RPCServer {
        if settings.tlsCertificatePath.isEmpty != settings.tlsKeyPath.isEmpty {
            throw ConfigError.invalid("tlsCertificatePath and tlsKeyPath must be set together")
        }
        let authenticator = try ServiceTokenAuthenticator(settings: settings, roleMethods: roleMethods)
        if settings.serviceTokens.isEmpty {
            logger.warning("no serviceTokens configured: every call except health and reflection will be UNAUTHENTICATED")
        }
        // Every call's outcome is logged (successes at debug); a handler failure that reaches the
        // caller as UNKNOWN is logged at error with its cause, which is never sent on the wire.
        let server = try RPCServer(
            configuration: serverConfiguration(settings), services: services,
            authenticator: authenticator, interceptors: [LoggingInterceptor()],
            descriptorFiles: descriptorFiles, logger: logger)
        try await server.start()
        for service in services { server.health.set(service: service.name, .serving) }
        return server
    }

    /// Runs until SIGTERM/SIGINT (graceful) or a fatal error. `background` services (outbox
    /// workers, say) run in the same ServiceGroup and stop with the server.
    public static func run(
        settings: ServiceSettings, services: [ServiceDescriptor], descriptorFiles: [[UInt8]] = [],
        background: [any Service] = [], roleMethods: [String: Set<String>] = [:], logger: Logger
    ) async throws {
        let server = try await startServer(settings: settings, services: services, descriptorFiles: descriptorFiles,
                                           roleMethods: roleMethods, logger: logger)
        logger.info("listening on \(settings.host):\(server.localPort)", metadata: ["services": .string(services.map(\.name).joined(separator: ","))])
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: RPCServerService(server: server))] + background.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        logger.info("stopped")
    }

    /// Loads configuration for an executable, printing help or a config error and exiting
    /// (status 0 for help, 64 for bad configuration) instead of returning.
    public static func loadConfiguration<Specific: ServiceConfiguration>(
        service: String, defaultPort: Int, _ type: Specific.Type
    ) -> LoadedConfiguration<Specific> {
        do {
            return try ConfigLoader(service: service, defaultPort: defaultPort).load(type)
        } catch .helpRequested(let text) {
            print(text)
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("surat-\(service): \(error)\n".utf8))
            exit(64)
        }
    }
}

/// The RPC server as a lifecycle service: runs until the group asks for a graceful shutdown.
struct RPCServerService: Service {
    let server: RPCServer

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.run()
        } onGracefulShutdown: {
            Task { await server.shutdownGracefully() }
        }
    }
}
