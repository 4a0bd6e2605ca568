import Domain
import Foundation
import ProtoDescriptors
import RegistryCore
import RegistryServer
import ServiceKit

// surat-registry: SOP step 6 — letter numbers, the agenda book, distribution, and the inbox for
// letters from other offices. `--help` lists every configuration key.
let loaded = ServiceMain.loadConfiguration(service: "registry", defaultPort: RegistryAPI.defaultPort, RegistryConfiguration.self)
let logger = ServiceLogging.bootstrap(label: "surat-registry", level: loaded.settings.logLevel)
do {
    logger.info("configuration loaded", metadata: ["sources": .string(loaded.sources.joined(separator: "; "))])
    let application = try RegistryApplication(settings: loaded.settings, configuration: loaded.specific, logger: logger)
    // A crash between numbering and storing a final PDF left it pending: render it before serving.
    await application.registry.recoverPendingPDFs()
    try SchemaVersions.record(path: loaded.settings.resolvedDatabasePath(service: "registry"), pool: application.store.pool)
    try await ServiceMain.run(settings: loaded.settings, services: application.services, descriptorFiles: ProtoDescriptors.all,
                              background: [application.outboxService], roleMethods: RegistryAPI.serviceRoleMethods,
                              metricsCollectors: [RegistryMetrics.collector(store: application.store)], logger: logger)
    application.store.shutdown()
} catch {
    ServiceMain.exit(error, executable: "surat-registry")
}
