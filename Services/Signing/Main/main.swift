import Domain
import Foundation
import ProtoDescriptors
import ServiceKit
import SigningCore

// surat-signing: SOP steps 4 and 5 (upload for e-signature, the Camat signs). `--help` lists every key.
let loaded = ServiceMain.loadConfiguration(service: "signing", defaultPort: SigningAPI.defaultPort, SigningConfiguration.self)
let logger = ServiceLogging.bootstrap(label: "surat-signing", level: loaded.settings.logLevel)
do {
    let policy = try loaded.specific.policy()
    let databasePath = loaded.settings.resolvedDatabasePath(service: "signing")
    let database = try ServiceDatabase.open(path: databasePath) { migrator in SigningSchema.register(in: &migrator) }
    logger.info("configuration loaded", metadata: [
        "sources": .string(loaded.sources.joined(separator: "; ")), "database": .string(databasePath),
        "scrypt": .string("N=2^\(policy.scrypt.log2N) r=\(policy.scrypt.blockSize) p=\(policy.scrypt.parallelism)"),
        "kdf": .string("\(policy.kdfWorkers) at once, \(policy.kdfQueueLimit) waiting"),
    ])
    let service = SigningService(database: database, policy: policy, logger: logger)
    // Measure one derivation in the background so the queue's deadline admission starts from this
    // machine's real figure; calls arriving meanwhile simply queue behind it.
    Task { await service.calibrateKeyDerivation() }
    try await ServiceMain.run(settings: loaded.settings, services: [service.descriptor], descriptorFiles: ProtoDescriptors.all,
                              metricsCollectors: [SigningMetrics.collector(database: database)], logger: logger)
} catch {
    ServiceMain.exit(error, executable: "surat-signing")
}
