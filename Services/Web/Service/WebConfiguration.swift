import Foundation
import RPC
import ServiceKit

/// surat-web's own configuration keys, next to ServiceKit's common ones (`host`, `port` 7480,
/// `logLevel`, `tlsCertificatePath`/`tlsKeyPath` unused: TLS is terminated by the proxy in front,
/// see deploy/web.md). Sources as for every service: defaults ← JSON file (`--config`,
/// `SURAT_WEB_CONFIG`) ← env `SURAT_WEB_<KEY>` ← flags; `surat-web --help` lists every key.
public struct WebConfiguration: ServiceConfiguration {
    public static let defaultPort = 7480

    /// The gateway, the only service surat-web talks to.
    public var gatewayAddress = "127.0.0.1:7400"
    /// PEM CA bundle to verify the gateway's TLS certificate; empty = plaintext (same host only).
    public var gatewayTrustRootsPath = ""
    /// Client certificate and key when the gateway requires mutual TLS.
    public var gatewayCertificatePath = ""
    public var gatewayKeyPath = ""
    /// Seconds one gateway call may take before the page says the service is busy.
    public var gatewayTimeoutSeconds = 30
    /// Mark the session cookie `Secure`: set it whenever browsers reach surat-web over HTTPS.
    public var cookieSecure = false
    /// The office's time zone: every date on a page is shown in it.
    public var timeZone = "Asia/Jakarta"
    /// The office's name in the page header.
    public var officeName = "Kecamatan Sooko"
    /// Minutes of inactivity after which a web session ends (the gateway session may last longer).
    public var idleMinutes = 60

    public init() {}

    public static let keys: [ConfigKey] = [
        ConfigKey("gatewayAddress", "host:port of surat-gateway (the only service surat-web calls)."),
        ConfigKey("gatewayTrustRootsPath", "PEM CA bundle for TLS to the gateway; empty = plaintext (one host only)."),
        ConfigKey("gatewayCertificatePath", "PEM client certificate for mutual TLS to the gateway."),
        ConfigKey("gatewayKeyPath", "PEM private key for gatewayCertificatePath."),
        ConfigKey("gatewayTimeoutSeconds", "Timeout of one gateway call."),
        ConfigKey("cookieSecure", "true when browsers reach surat-web over HTTPS (cookie gets the Secure flag)."),
        ConfigKey("timeZone", "Office time zone for every date shown (IANA name, e.g. Asia/Jakarta)."),
        ConfigKey("officeName", "Office name in the page header."),
        ConfigKey("idleMinutes", "Minutes without a request after which the web session ends."),
    ]

    func gatewayEndpoint() throws -> (host: String, port: Int) {
        guard let colon = gatewayAddress.lastIndex(of: ":"), let port = Int(gatewayAddress[gatewayAddress.index(after: colon)...]) else {
            throw ConfigError.invalid("gatewayAddress must be host:port, got \(gatewayAddress)")
        }
        var host = String(gatewayAddress[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    func gatewayTLS() throws -> ClientTLSConfiguration? {
        try ClientTLSConfiguration.fromConfiguration(trustRootsPath: gatewayTrustRootsPath, certificatePath: gatewayCertificatePath,
                                                     keyPath: gatewayKeyPath, keyPrefix: "gateway")
    }

    func zone() throws -> TimeZone {
        guard let zone = TimeZone(identifier: timeZone) else { throw ConfigError.invalid("timeZone \(timeZone) is not a known IANA zone") }
        return zone
    }
}
