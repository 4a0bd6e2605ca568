import Foundation
import GatewayCore
import GRDB
import Logging
import Observability
import ProtoDescriptors
import RPC
import ServiceKit
import ServiceLifecycle

/// Builds and runs the gateway: its database, the backend clients, the RPC server with user-token
/// authentication, health and reflection, under a ServiceGroup that shuts down gracefully on SIGTERM/SIGINT.
public enum GatewayServer {
    public static let serviceName = "gateway"
    public static let defaultPort = 7400

    public static func openStore(settings: ServiceSettings, configuration: GatewayConfiguration) throws -> GatewayStore {
        let pool = try ServiceDatabase.open(path: settings.resolvedDatabasePath(service: serviceName),
                                            migrations: GatewayStore.registerMigrations)
        return GatewayStore(migratedPool: pool, standards: try configuration.standards())
    }

    public static func run(_ loaded: LoadedConfiguration<GatewayConfiguration>) async throws {
        let settings = loaded.settings
        let logger = ServiceLogging.bootstrap(label: "surat.gateway", level: settings.logLevel)
        // Metrics backend first, so the database it opens next reports its commits.
        if settings.metricsPort >= 0 { _ = ServiceMetrics.bootstrap() }
        let store = try openStore(settings: settings, configuration: loaded.specific)
        let backends = try BackendClients(configuration: loaded.specific, logger: logger)
        let service = GatewayService(store: store, backends: backends, configuration: loaded.specific, logger: logger)
        let backfilled = try await service.backfillRegistrationRecords()
        if backfilled > 0 {
            logger.notice("registration records made from stored step-6 replies (registrations older than the records)",
                          metadata: ["count": .stringConvertible(backfilled)])
        }
        if settings.tlsCertificatePath.isEmpty != settings.tlsKeyPath.isEmpty {
            throw ConfigError.invalid("tlsCertificatePath and tlsKeyPath must be set together")
        }
        let descriptors = service.descriptors()
        logger.info("\(BuildInfo.versionLine(executable: "surat-gateway"))")
        let metricsEndpoint = try await ServiceMain.startMetrics(settings: settings, service: "surat-gateway", logger: logger)
        ServiceMetrics.current?.addCollector(GatewayMetrics.collector(store: store))
        var configuration = ServiceMain.serverConfiguration(settings)
        configuration.observer = ServiceMain.observer
        // Tracing first: every log line of a call, and every backend call it makes, carries its trace id.
        let server = try RPCServer(configuration: configuration, services: descriptors,
                               authenticator: service.authenticator, interceptors: [TracingInterceptor(), LoggingInterceptor()],
                               descriptorFiles: ProtoDescriptors.all, logger: logger)
        server.health.info = ServiceMain.healthInfo
        try await server.start()
        for descriptor in descriptors { server.health.set(service: descriptor.name, .serving) }
        logger.info("listening on \(settings.host):\(server.localPort)",
                    metadata: ["config": .string(loaded.sources.joined(separator: "; "))])
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: ServerService(server: server))] + (metricsEndpoint.map { [.init(service: MetricsEndpointService(endpoint: $0))] } ?? []),
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await backends.close()
        logger.info("stopped")
    }

    /// Creates the first admin and prints its token once (see proto-notes/auth.md).
    public static func bootstrapAdmin(_ loaded: LoadedConfiguration<GatewayConfiguration>, adminID: String,
                                      adminName: String) async throws -> IssuedToken {
        let store = try openStore(settings: loaded.settings, configuration: loaded.specific)
        return try await store.bootstrapAdmin(id: adminID, name: adminName,
                                              validFor: TimeInterval(loaded.specific.defaultTokenDays * 86_400))
    }
}

/// The RPC server as a lifecycle service.
struct ServerService: Service {
    let server: RPCServer

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.run()
        } onGracefulShutdown: {
            Task { await server.shutdownGracefully() }
        }
    }
}
