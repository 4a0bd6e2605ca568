import Foundation
import Logging
import RegistryCore
import RPC
import ServiceKit
import ServiceLifecycle

/// Everything one `surat-registry` process runs: the store and its writer, the registry and inbox
/// services, the key directory and the outbox worker. The executable and in-process tests both
/// build it from configuration.
package final class RegistryApplication: Sendable {
    package let store: RegistryStore
    package let registry: RegistryService
    package let inbox: InboxService
    package let outbox: OutboxWorker
    let pollInterval: Duration

    package init(settings: ServiceSettings, configuration: RegistryConfiguration, logger: Logger) throws {
        let registrySettings = try configuration.registrySettings()
        let databasePath = settings.resolvedDatabasePath(service: "registry")
        let pool = try RegistryDatabase.open(path: databasePath) { DatabaseMetrics.forDatabase(path: databasePath)?.instrument(&$0) }
        let keyPath = configuration.registryKeyPath.isEmpty
            ? URL(fileURLWithPath: settings.dataDirectory).appendingPathComponent("registry-receipt.key").path
            : configuration.registryKeyPath
        let key = try RegistryKey.load(at: keyPath, for: pool)
        store = try RegistryStore(pool: pool, settings: registrySettings, key: key, logger: logger)
        let outboundTLS = try configuration.outboundTLS()
        let keys = try PublishedKeyDirectory(
            trustedKeysFile: configuration.trustedKeysFile, signingEndpoint: configuration.signingEndpoint,
            signingToken: configuration.signingToken, refreshInterval: .seconds(max(1, configuration.keyRefreshSeconds)),
            tls: outboundTLS, logger: logger)
        let officeSeal = try configuration.officeSeal()
        if let officeSeal {
            logger.info("final PDFs are sealed", metadata: ["seal.subject": "\(officeSeal.subject)"])
        } else {
            logger.warning("no office seal configured (officeSealCertificatePath/officeSealKeyPath or officeSealPKCS12Path): final PDFs are not sealed")
        }
        registry = RegistryService(store: store, keys: keys, officeSeal: officeSeal, logger: logger)
        inbox = InboxService(store: store, trustedOffices: try configuration.trustedOfficeKeys(), logger: logger)
        let transport = RPCDeliveryTransport(officeId: registrySettings.officeId, token: configuration.deliveryToken,
                                             registryPublicKey: key.publicKey, tls: outboundTLS, logger: logger)
        outbox = OutboxWorker(
            store: store, transport: transport,
            policy: RetryPolicy(maxAttempts: max(1, configuration.deliveryMaxAttempts),
                                initialBackoff: .milliseconds(max(1, configuration.deliveryInitialBackoffMilliseconds)),
                                maxBackoff: .seconds(max(1, configuration.deliveryMaxBackoffSeconds))),
            logger: logger)
        pollInterval = .milliseconds(max(50, configuration.deliveryPollMilliseconds))
        let outbox = outbox
        store.onNewDeliveries.set { outbox.wake() }
        logger.info("registry ready", metadata: [
            "database": "\(databasePath)", "office": "\(registrySettings.officeId)", "template": "\(registrySettings.numberFormat)",
            "scope": "\(registrySettings.scope.rawValue)", "timeZone": "\(registrySettings.timeZone)", "receiptKey": "\(key.keyId)",
        ])
    }

    package var services: [ServiceDescriptor] { [registry.descriptor, inbox.descriptor] }

    /// The outbox worker as a lifecycle service (stops with the server).
    package var outboxService: some Service { OutboxService(worker: outbox, pollInterval: pollInterval) }
}

struct OutboxService: Service {
    let worker: OutboxWorker
    let pollInterval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await worker.run(pollInterval: pollInterval)
        }
    }
}
