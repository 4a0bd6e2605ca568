import Foundation

/// The configuration keys every Surat Keluar service has. A service's own keys live in its
/// own `ServiceConfiguration` struct; the loader reads both from the same sources, so a config
/// file is one flat JSON object holding common and service keys side by side.
public struct ServiceSettings: Codable, Sendable, Hashable {
    /// Address to bind; `0.0.0.0` listens on every interface.
    public var host: String = "127.0.0.1"
    /// Port to bind; 0 picks a free one (the `listening on HOST:PORT` log line tells which).
    public var port: Int = 0
    /// Folder for the service's SQLite database (created when missing).
    public var dataDirectory: String = ".data"
    /// Database file; empty means `<dataDirectory>/<service>.sqlite`.
    public var databasePath: String = ""
    /// `trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical`.
    public var logLevel: String = "info"
    /// PEM certificate chain for TLS; empty serves plaintext HTTP/2 (fine on loopback only).
    public var tlsCertificatePath: String = ""
    /// PEM private key for TLS.
    public var tlsKeyPath: String = ""
    /// PEM CA that client certificates must chain to (mutual TLS); empty = no client certificates.
    public var tlsClientCAPath: String = ""
    /// Accepted service credentials as `name:sha256hex` entries, one per calling service
    /// (e.g. `gateway:9f86d0...`). The caller sends `authorization: Bearer <token>`; only the
    /// SHA-256 of the token is configured here, never the token itself.
    public var serviceTokens: [String] = []
    /// Largest request message accepted, in bytes.
    public var maxReceiveMessageSize: Int = 4 << 20
    /// Seconds a graceful shutdown waits for in-flight calls.
    public var shutdownGraceSeconds: Int = 10
    /// Connections open at once (the systemd units allow 8192 open files); more are closed at once.
    public var maxConnections: Int = 4096
    /// Connections open at once from one IP address; more are closed at once.
    public var maxConnectionsPerAddress: Int = 512
    /// Seconds a new connection has to finish TLS and send the HTTP/2 preface.
    public var handshakeTimeoutSeconds: Int = 5
    /// Port of the Prometheus `/metrics` listener (HTTP/1.1); -1 = no metrics (the default:
    /// nothing listens unless asked), 0 = a free port (the `metrics on HOST:PORT` log line tells).
    public var metricsPort: Int = -1
    /// Address of the `/metrics` listener; loopback unless a scraper on another host needs it.
    public var metricsHost: String = "127.0.0.1"
    /// OpenTelemetry collector (`http://HOST:PORT`) that receives every call's span over OTLP/HTTP;
    /// empty = no export (the default), unless `SURAT_OTLP_ENDPOINT` names one for every service.
    public var otlpEndpoint: String = ""

    public init() {}

    public init(port: Int) {
        self.port = port
    }

    /// The database file for `service`, honouring `databasePath` when set.
    public func resolvedDatabasePath(service: String) -> String {
        if !databasePath.isEmpty { return databasePath }
        let folder = dataDirectory.isEmpty ? "." : dataDirectory
        return folder.hasSuffix("/") ? "\(folder)\(service).sqlite" : "\(folder)/\(service).sqlite"
    }

    /// Documentation of every common key (name as in the JSON file, then what it does).
    public static let keys: [ConfigKey] = [
        ConfigKey("host", "Address to bind; 0.0.0.0 listens on every interface."),
        ConfigKey("port", "Port to bind; 0 picks a free port (see the `listening on HOST:PORT` log line)."),
        ConfigKey("dataDirectory", "Folder for the service's SQLite database; created when missing."),
        ConfigKey("databasePath", "Database file; empty = <dataDirectory>/<service>.sqlite."),
        ConfigKey("logLevel", "trace, debug, info, notice, warning, error or critical."),
        ConfigKey("tlsCertificatePath", "PEM certificate chain; empty = plaintext HTTP/2 (loopback only)."),
        ConfigKey("tlsKeyPath", "PEM private key for tlsCertificatePath."),
        ConfigKey("tlsClientCAPath", "PEM CA for client certificates (mutual TLS); empty = none required."),
        ConfigKey("serviceTokens", "Accepted service credentials, `name:sha256hex` each (comma-separated in env/flags). Callers send `authorization: Bearer <token>`."),
        ConfigKey("maxReceiveMessageSize", "Largest request message in bytes."),
        ConfigKey("shutdownGraceSeconds", "Seconds a graceful shutdown (SIGTERM/SIGINT) waits for in-flight calls."),
        ConfigKey("maxConnections", "Connections open at once; more are closed as soon as accepted. Keep under LimitNOFILE."),
        ConfigKey("maxConnectionsPerAddress", "Connections open at once from one IP address; more are closed at once."),
        ConfigKey("handshakeTimeoutSeconds", "Seconds a new connection has to finish TLS and send the HTTP/2 preface."),
        ConfigKey("metricsPort", "Port of the Prometheus /metrics listener (HTTP/1.1); -1 = off, 0 = a free port."),
        ConfigKey("metricsHost", "Address of the /metrics listener (loopback by default)."),
        ConfigKey("otlpEndpoint", "OpenTelemetry collector http://HOST:PORT for spans (OTLP/HTTP, POST /v1/traces); empty = off, or SURAT_OTLP_ENDPOINT for every service."),
    ]
}

/// One documented configuration key.
public struct ConfigKey: Sendable, Hashable {
    /// The key as written in the JSON file; nested keys are dotted (`limits.maxBodyLength`).
    public var name: String
    public var help: String

    public init(_ name: String, _ help: String) {
        self.name = name
        self.help = help
    }
}

/// A service's own configuration: a plain struct whose `init()` holds the defaults.
/// Use only JSON-friendly stored properties (strings, numbers, booleans, arrays, nested structs).
public protocol ServiceConfiguration: Codable, Sendable {
    init()
    /// Documentation of every key this service adds to `ServiceSettings.keys`.
    static var keys: [ConfigKey] { get }
}

/// A service without keys of its own.
public struct NoServiceConfiguration: ServiceConfiguration {
    public init() {}
    public static let keys: [ConfigKey] = []
}
