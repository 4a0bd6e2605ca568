import Foundation
import GatewayCore
import ServiceKit

/// The gateway's own configuration keys (next to ServiceKit's common keys; `surat-gateway --help` lists all).
public struct GatewayConfiguration: ServiceConfiguration {
    /// `host:port` of each backend.
    public var draftingAddress = "127.0.0.1:7401"
    public var approvalAddress = "127.0.0.1:7402"
    public var signingAddress = "127.0.0.1:7403"
    public var registryAddress = "127.0.0.1:7404"
    /// The gateway's service credential, presented to every backend as `authorization: Bearer <token>`.
    /// Prefer `serviceTokenFile` so the secret is not in the process list or a world-readable config.
    public var serviceToken = ""
    /// File holding the service credential (first line); used when `serviceToken` is empty.
    public var serviceTokenFile = ""
    /// PEM CA bundle to verify the backends' TLS certificates; empty = plaintext HTTP/2 to backends.
    public var backendTrustRootsPath = ""
    /// PEM client certificate and key for mutual TLS to the backends (optional).
    public var backendCertificatePath = ""
    public var backendKeyPath = ""
    /// Seconds one backend call may take before the step fails with UNAVAILABLE (journey unchanged).
    public var backendTimeoutSeconds = 10
    /// The SOP time standards in minutes for steps 1 to 6 (mutu baku).
    public var standardMinutes = [3, 10, 5, 15, 5, 10]
    /// Days a token issued without an explicit validity lasts.
    public var defaultTokenDays = 30
    /// Minutes a password sign-in session (SignIn's token) lasts.
    public var sessionMinutes = 480
    /// scrypt cost of stored sign-in passwords (N = 2^log2N, r = 8, p = 1); kept with each hash.
    public var passwordScryptLog2N = 15

    public init() {}

    public static let keys: [ConfigKey] = [
        ConfigKey("draftingAddress", "host:port of the drafting service (SOP step 2)."),
        ConfigKey("approvalAddress", "host:port of the approval service (SOP step 3)."),
        ConfigKey("signingAddress", "host:port of the signing service (SOP steps 4-5)."),
        ConfigKey("registryAddress", "host:port of the registry service (SOP step 6)."),
        ConfigKey("serviceToken", "The gateway's service credential sent to backends (prefer serviceTokenFile)."),
        ConfigKey("serviceTokenFile", "File whose first line is the gateway's service credential."),
        ConfigKey("backendTrustRootsPath", "PEM CA bundle for TLS to the backends; empty = plaintext (one host only)."),
        ConfigKey("backendCertificatePath", "PEM client certificate for mutual TLS to the backends."),
        ConfigKey("backendKeyPath", "PEM private key for backendCertificatePath."),
        ConfigKey("backendTimeoutSeconds", "Timeout of one backend call; on expiry the step fails UNAVAILABLE."),
        ConfigKey("standardMinutes", "SOP time standards in minutes for steps 1-6 (comma-separated in env/flags)."),
        ConfigKey("defaultTokenDays", "Validity in days of a token issued without valid_for_seconds."),
        ConfigKey("sessionMinutes", "Validity in minutes of a SignIn session token (a working day by default)."),
        ConfigKey("passwordScryptLog2N", "scrypt cost (log2 N, 10-22) for new sign-in password hashes."),
    ]

    public func standards() throws -> SOPStandards {
        guard standardMinutes.count == 6, standardMinutes.allSatisfy({ $0 > 0 }) else {
            throw ConfigError.invalid("standardMinutes needs six positive numbers (steps 1-6), got \(standardMinutes)")
        }
        return SOPStandards(minutes: standardMinutes)
    }

    public func resolvedServiceToken() throws -> String {
        if !serviceToken.isEmpty { return serviceToken }
        if !serviceTokenFile.isEmpty {
            guard let text = try? String(contentsOfFile: serviceTokenFile, encoding: .utf8),
                  let line = text.split(whereSeparator: \.isNewline).first, !line.isEmpty else {
                throw ConfigError.invalid("cannot read a token from serviceTokenFile \(serviceTokenFile)")
            }
            return String(line).trimmingCharacters(in: .whitespaces)
        }
        throw ConfigError.invalid("set serviceTokenFile (or serviceToken): the gateway needs a service credential for the backends")
    }
}
