import ApprovalCore
import Domain
import Foundation
import ProtoDescriptors
import ServiceKit

// surat-approval: SOP step 3 (the Sekretaris approves or returns). `--help` lists every key.
let loaded = ServiceMain.loadConfiguration(service: "approval", defaultPort: ApprovalAPI.defaultPort, ApprovalConfiguration.self)
let logger = ServiceLogging.bootstrap(label: "surat-approval", level: loaded.settings.logLevel)
do {
    let databasePath = loaded.settings.resolvedDatabasePath(service: "approval")
    let store = try ApprovalStore(path: databasePath)
    logger.info("configuration loaded", metadata: ["sources": .string(loaded.sources.joined(separator: "; ")), "database": .string(databasePath)])
    let service = ApprovalService(store: store, configuration: loaded.specific)
    try await ServiceMain.run(settings: loaded.settings, services: [service.descriptor], descriptorFiles: ProtoDescriptors.all, logger: logger)
} catch {
    ServiceMain.exit(error, executable: "surat-approval")
}
