import Foundation
import Logging
import Observability
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
    /// service. In-process tests use this; executables use `run`. `authenticator` replaces the
    /// service-token check (the gateway authenticates user tokens). A configuration, TLS or bind
    /// failure throws `ServiceStartupError`.
    public static func startServer(
        settings: ServiceSettings, services: [ServiceDescriptor], descriptorFiles: [[UInt8]] = [],
        roleMethods: [String: Set<String>] = [:], authenticator: (any Authenticator)? = nil, logger: Logger
    ) async throws -> RPCServer {
        if settings.tlsCertificatePath.isEmpty != settings.tlsKeyPath.isEmpty {
            throw ServiceStartupError(.configuration, "tlsCertificatePath and tlsKeyPath must be set together")
        }
        let chosenAuthenticator: any Authenticator
        if let authenticator {
            chosenAuthenticator = authenticator
        } else {
            do {
                chosenAuthenticator = try ServiceTokenAuthenticator(settings: settings, roleMethods: roleMethods)
            } catch {
                throw ServiceStartupError(.configuration, error.description)
            }
            if settings.serviceTokens.isEmpty {
                logger.warning("no serviceTokens configured: every call except health and reflection will be UNAUTHENTICATED")
            }
        }
        // Every call's outcome is logged (successes at debug); a handler failure that reaches the
        // caller as UNKNOWN is logged at error with its cause, which is never sent on the wire.
        // Tracing first: every log line of a call, and every backend call it makes, carries its trace id.
        var configuration = serverConfiguration(settings)
        configuration.observer = observer
        let server = try RPCServer(
            configuration: configuration, services: services,
            authenticator: chosenAuthenticator, interceptors: [TracingInterceptor(), LoggingInterceptor()],
            descriptorFiles: descriptorFiles, logger: logger)
        server.health.info = healthInfo
        do {
            try await server.start()
        } catch {
            // A TLS file that does not load fails `start()` before it binds and leaves the server
            // unstarted: finish it, so its stop promise is not dropped unfulfilled.
            await server.shutdownGracefully()
            throw ServiceStartupError.starting(error, settings: settings)
        }
        for service in services { server.health.set(service: service.name, .serving) }
        return server
    }

    /// Response headers of every health check: the version and commit this process runs
    /// (`surat doctor` reads them; the check also carries `surat-time-ms`).
    public static var healthInfo: Metadata {
        ["surat-version": BuildInfo.version, "surat-commit": BuildInfo.commit]
    }

    /// What feeds the RPC metrics: an observer once metrics are on (`startMetrics`), else nil.
    public static var observer: (any ServerObserver)? {
        ServiceMetrics.current.map { _ in rpcMetrics }
    }

    private static let rpcMetrics = RPCMetrics()

    /// Turns metrics on when `metricsPort` is not -1: bootstraps swift-metrics with the Prometheus
    /// backend, registers the process gauges and `surat_build_info`, binds the `/metrics` listener
    /// and logs `metrics on HOST:PORT`. Returns the listener to run in the service group (nil
    /// when metrics are off). Call it before building the RPC server, so the server reports to it.
    public static func startMetrics(settings: ServiceSettings, service: String, logger: Logger) async throws -> MetricsEndpoint? {
        guard settings.metricsPort >= 0 else { return nil }
        let metrics = ServiceMetrics.bootstrap()
        metrics.registerProcessMetrics(service: service)
        SchemaVersions.registerMetrics(metrics)
        let endpoint: MetricsEndpoint
        do {
            endpoint = try await MetricsEndpoint.bind(host: settings.metricsHost, port: settings.metricsPort,
                                                      metrics: metrics, logger: logger)
        } catch {
            throw ServiceStartupError(.bind, "cannot listen for metrics on \(settings.metricsHost):\(settings.metricsPort): \(error)")
        }
        logger.info("metrics on \(settings.metricsHost):\(endpoint.localPort)")
        return endpoint
    }

    /// Runs until SIGTERM/SIGINT (graceful) or a fatal error. `background` services (outbox
    /// workers, say) run in the same ServiceGroup and stop with the server. A failure to start
    /// throws `ServiceStartupError` (hand it to `exit(_:executable:)`).
    public static func run(
        settings: ServiceSettings, services: [ServiceDescriptor], descriptorFiles: [[UInt8]] = [],
        background: [any Service] = [], roleMethods: [String: Set<String>] = [:], authenticator: (any Authenticator)? = nil,
        metricsCollectors: [ServiceMetrics.Collector] = [], logger: Logger
    ) async throws {
        logger.info("\(BuildInfo.versionLine(executable: logger.label))")
        let metricsEndpoint = try await startMetrics(settings: settings, service: logger.label, logger: logger)
        let traceExporter = try startTraceExport(settings: settings, service: logger.label, logger: logger)
        for collector in metricsCollectors { ServiceMetrics.current?.addCollector(collector) }
        let server = try await startServer(settings: settings, services: services, descriptorFiles: descriptorFiles,
                                           roleMethods: roleMethods, authenticator: authenticator, logger: logger)
        logger.info("listening on \(settings.host):\(server.localPort)", metadata: ["services": .string(services.map(\.name).joined(separator: ","))])
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: RPCServerService(server: server))] + background.map { .init(service: $0) }
                    + (metricsEndpoint.map { [.init(service: MetricsEndpointService(endpoint: $0))] } ?? []),
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        await traceExporter?.shutdown()
        logger.info("stopped")
    }

    /// Loads configuration for an executable, printing help or a config error and exiting
    /// (status 0 for help, 64 for bad configuration) instead of returning. With metrics on it
    /// also bootstraps the metrics backend, first thing.
    public static func loadConfiguration<Specific: ServiceConfiguration>(
        service: String, defaultPort: Int, _ type: Specific.Type
    ) -> LoadedConfiguration<Specific> {
        do {
            let loaded = try ConfigLoader(service: service, defaultPort: defaultPort).load(type)
            // The metrics backend goes in before anything else runs: metric handles made before it
            // (a service's static ones, collectors built in main) would stay no-ops for good.
            if loaded.settings.metricsPort >= 0 { _ = ServiceMetrics.bootstrap() }
            return loaded
        } catch .helpRequested(let text) {
            print(text)
            Foundation.exit(0)
        } catch {
            exit(error, executable: "surat-\(service)")
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

/// The /metrics listener as a lifecycle service: closes on graceful shutdown.
public struct MetricsEndpointService: Service {
    let endpoint: MetricsEndpoint

    public init(endpoint: MetricsEndpoint) {
        self.endpoint = endpoint
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await endpoint.run()
        } onGracefulShutdown: {
            endpoint.close()
        }
    }
}
