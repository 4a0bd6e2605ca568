import Crypto
import Domain
import Foundation
import GatewayCore
import Logging
import RPC
import ServiceKit

/// The four backend services as the gateway calls them: one multiplexed connection each, the gateway's
/// service credential on every call, the acting user in `surat-actor-*` metadata.
public final class BackendClients: Sendable {
    public let drafting: RPCClient
    public let approval: RPCClient
    public let signing: RPCClient
    public let registry: RPCClient
    let serviceToken: String
    let timeout: Duration

    public init(configuration: GatewayConfiguration, logger: Logger) throws {
        let tls = try ClientTLSConfiguration.fromConfiguration(
            trustRootsPath: configuration.backendTrustRootsPath, certificatePath: configuration.backendCertificatePath,
            keyPath: configuration.backendKeyPath, keyPrefix: "backend")
        func client(_ address: String, _ key: String) throws -> RPCClient {
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
                  colon > address.startIndex else {
                throw ConfigError.invalid("\(key) must be host:port, got \"\(address)\"")
            }
            return try RPCClient(host: String(address[..<colon]), port: port, tls: tls, logger: logger)
        }
        drafting = try client(configuration.draftingAddress, "draftingAddress")
        approval = try client(configuration.approvalAddress, "approvalAddress")
        signing = try client(configuration.signingAddress, "signingAddress")
        registry = try client(configuration.registryAddress, "registryAddress")
        serviceToken = try configuration.resolvedServiceToken()
        timeout = .seconds(configuration.backendTimeoutSeconds)
    }

    public func close() async {
        await drafting.close()
        await approval.close()
        await signing.close()
        await registry.close()
    }

    func metadata(for actor: GatewayCore.Actor?) -> Metadata {
        ServiceMetadata.make(token: serviceToken, actor: actor.map(ActorIdentity.init))
    }

    /// Calls a backend as `actor`. Transport failures become UNAVAILABLE with a message that says the journey
    /// did not move and the same request id may be retried; other statuses pass through, prefixed with the
    /// service's name so the caller knows which rule refused.
    func call<Request, Response>(_ client: RPCClient, _ service: String, _ method: RPCMethod<Request, Response>,
                                 _ request: Request, as actor: GatewayCore.Actor?) async throws -> Response {
        do {
            return try await client.call(method, request, metadata: metadata(for: actor), timeout: timeout)
        } catch let error as RPCError {
            throw Self.translate(error, service: service)
        }
    }

    static func translate(_ error: RPCError, service: String) -> RPCError {
        switch error.code {
        case .unavailable, .deadlineExceeded, .cancelled:
            return RPCError(.unavailable,
                            "the \(service) service is unavailable (\(error.message)); the letter did not move: retry with the same request_id",
                            cause: error)
        case .unauthenticated:
            return RPCError(.internalError,
                            "the \(service) service rejected the gateway's service credential; district IT: check serviceTokens on \(service) and serviceTokenFile on the gateway",
                            cause: error)
        default:
            return RPCError(error.code, "\(service): \(error.message)", metadata: error.metadata, cause: error)
        }
    }
}

/// Backend request ids derived from the gateway request id, the letter and the operation, so a retry of the
/// same gateway request (also after a gateway crash) sends the backend the same id and the backend returns
/// its first result instead of acting twice.
public enum BackendRequestID {
    public static func derive(requestID: String, letterID: String, operation: String) -> String {
        let digest = SHA256.hash(data: Data("surat-gateway\u{0}\(requestID)\u{0}\(letterID)\u{0}\(operation)".utf8))
        return "gw-" + digest.prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
