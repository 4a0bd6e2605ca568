import Foundation
import GatewayCore
import GRDB
import Logging
import Observability
import ProtoDescriptors
import RPC
import ServiceKit

/// Builds and runs the gateway: its database, the backend clients, the RPC server with user-token
/// authentication, health and reflection, run by `ServiceMain` like every service.
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
        let logger = ServiceLogging.bootstrap(label: "surat-gateway", level: settings.logLevel)
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
        logger.info("configuration loaded", metadata: ["sources": .string(loaded.sources.joined(separator: "; "))])
        // The same startup as every backend, with user tokens instead of service tokens.
        try await ServiceMain.run(settings: settings, services: service.descriptors(), descriptorFiles: ProtoDescriptors.all,
                                  authenticator: service.authenticator,
                                  metricsCollectors: [GatewayMetrics.collector(store: store)], logger: logger)
        await backends.close()
    }

    /// Creates the first admin and prints its token once (see proto-notes/auth.md).
    public static func bootstrapAdmin(_ loaded: LoadedConfiguration<GatewayConfiguration>, adminID: String,
                                      adminName: String) async throws -> IssuedToken {
        let store = try openStore(settings: loaded.settings, configuration: loaded.specific)
        return try await store.bootstrapAdmin(id: adminID, name: adminName,
                                              validFor: TimeInterval(loaded.specific.defaultTokenDays * 86_400))
    }
}
