import Foundation
import Hummingbird
import Logging
import ServiceKit
import ServiceLifecycle

/// Builds and runs surat-web: the gateway link, the router, and a Hummingbird server under a
/// ServiceGroup that stops gracefully on SIGTERM/SIGINT (open requests finish, then the gateway
/// connection closes).
public enum WebServer {
    public static let serviceName = "web"

    public static func run(_ loaded: LoadedConfiguration<WebConfiguration>) async throws {
        let settings = loaded.settings
        let logger = ServiceLogging.bootstrap(label: "surat.web", level: settings.logLevel)
        if !settings.tlsCertificatePath.isEmpty {
            throw ConfigError.invalid("surat-web does not terminate TLS itself: put it behind the TLS proxy of deploy/web.md and set cookieSecure=true")
        }
        let gateway = try GatewayLink(configuration: loaded.specific, logger: logger)
        let app = try WebApp(configuration: loaded.specific, gateway: gateway, logger: logger)
        let server = Application(
            router: app.router(),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? settings.port
                logger.info("listening on http://\(settings.host):\(port)",
                            metadata: ["gateway": .string(loaded.specific.gatewayAddress), "config": .string(loaded.sources.joined(separator: "; "))])
            },
            logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: server)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await gateway.close()
        logger.info("stopped")
    }
}
