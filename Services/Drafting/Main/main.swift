import DraftingCore
import Domain
import Foundation
import ProtoDescriptors
import ServiceKit

// surat-drafting: SOP step 2 (drafts, revisions, the drafter's paraf). `--help` lists every key.
let loaded = ServiceMain.loadConfiguration(service: "drafting", defaultPort: DraftingAPI.defaultPort, DraftingConfiguration.self)
let logger = ServiceLogging.bootstrap(label: "surat-drafting", level: loaded.settings.logLevel)
do {
    let databasePath = loaded.settings.resolvedDatabasePath(service: "drafting")
    let store = try DraftingStore(path: databasePath)
    logger.info("configuration loaded", metadata: ["sources": .string(loaded.sources.joined(separator: "; ")), "database": .string(databasePath)])
    let service = DraftingService(store: store, configuration: loaded.specific)
    try await ServiceMain.run(settings: loaded.settings, services: [service.descriptor], descriptorFiles: ProtoDescriptors.all, logger: logger)
} catch {
    ServiceMain.exit(error, executable: "surat-drafting")
}
