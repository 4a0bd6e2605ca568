import Foundation
import RPC
import ServiceKit

/// surat-verify's own configuration keys, next to ServiceKit's common ones (of which it uses
/// host, port, logLevel and shutdownGraceSeconds). `surat-verify --help` lists every key;
/// proto-notes/verify.md explains them.
public struct VerifyConfiguration: ServiceConfiguration {
    /// `host:port` of the registry.
    public var registryAddress = "127.0.0.1:7404"
    /// PEM CA bundle for TLS to the registry; empty = plaintext (only when both run on one host).
    public var registryTrustRootsPath = ""
    /// PEM client certificate and key for mutual TLS to the registry (optional).
    public var registryCertificatePath = ""
    public var registryKeyPath = ""
    /// The read-only `verifier` service credential (prefer serviceTokenFile).
    public var serviceToken = ""
    public var serviceTokenFile = ""
    /// PEM: the office CA certificate(s) the seal must chain to.
    public var officeCaPath = ""
    /// Largest upload accepted by POST /periksa.
    public var maxUploadBytes = 10 << 20
    /// Seconds a registry answer (public record or not-found) is reused for the same id.
    public var cacheSeconds = 5
    /// Seconds one registry call may take before the page says the registry is unavailable.
    public var registryTimeoutSeconds = 5

    public init() {}

    public static let keys: [ConfigKey] = [
        ConfigKey("registryAddress", "host:port of the registry service."),
        ConfigKey("registryTrustRootsPath", "PEM CA bundle for TLS to the registry; empty = plaintext (same host only)."),
        ConfigKey("registryCertificatePath", "PEM client certificate for mutual TLS to the registry."),
        ConfigKey("registryKeyPath", "PEM private key for registryCertificatePath."),
        ConfigKey("serviceToken", "The read-only verifier credential sent to the registry (prefer serviceTokenFile)."),
        ConfigKey("serviceTokenFile", "File whose first line is the verifier credential."),
        ConfigKey("officeCaPath", "PEM office CA certificate(s) the seal on a letter must chain to."),
        ConfigKey("maxUploadBytes", "Largest PDF upload accepted by POST /periksa, bytes."),
        ConfigKey("cacheSeconds", "Seconds a registry answer for one verification id is reused (0 = none)."),
        ConfigKey("registryTimeoutSeconds", "Timeout of one registry call."),
    ]

    func resolvedServiceToken() throws -> String {
        if !serviceToken.isEmpty { return serviceToken }
        guard !serviceTokenFile.isEmpty else { throw ConfigError.invalid("set serviceTokenFile (or serviceToken): the verifier credential for the registry") }
        guard let text = try? String(contentsOfFile: serviceTokenFile, encoding: .utf8),
              let line = text.split(whereSeparator: \.isNewline).first, !line.isEmpty
        else { throw ConfigError.invalid("cannot read a token from serviceTokenFile \(serviceTokenFile)") }
        return line.trimmingCharacters(in: .whitespaces)
    }

    func registryEndpoint() throws -> (host: String, port: Int) {
        guard let colon = registryAddress.lastIndex(of: ":"), colon > registryAddress.startIndex,
              let port = Int(registryAddress[registryAddress.index(after: colon)...]) else {
            throw ConfigError.invalid("registryAddress must be host:port, got \"\(registryAddress)\"")
        }
        return (String(registryAddress[..<colon]), port)
    }
}
