import Crypto
import Domain
import Foundation
import GatewayCore
import Logging
import Observability
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
            return try RPCClient(host: String(address[..<colon]), port: port, tls: tls)
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

    /// The deadline of the gateway call being handled (from its `grpc-timeout`), for the backend calls
    /// made on its behalf; set around every handler that calls a backend (`withCallerDeadline`).
    @TaskLocal static var callerDeadline: ContinuousClock.Instant?

    /// Time kept back from the caller's deadline so the gateway can still answer with a reason.
    static let replyMargin: Duration = .milliseconds(50)

    /// Which deadline bounded a backend call.
    enum DeadlineSource: Sendable, Equatable {
        /// The caller's own deadline; this much of it was left when the backend was called.
        case caller(remaining: Duration)
        /// The caller gave none: the gateway's `backendTimeoutSeconds`.
        case gateway(Duration)
    }

    /// Runs `body` with the caller's deadline available to every backend call made inside it.
    static func withCallerDeadline<T: Sendable>(_ deadline: ContinuousClock.Instant?, _ body: () async throws -> T) async throws -> T {
        try await $callerDeadline.withValue(deadline) { try await body() }
    }

    /// The timeout of the next backend call: what is left of the caller's deadline (less a margin to
    /// reply), not a fixed figure, so a caller who waits 30 s gives the backends 30 s; the configured
    /// `backendTimeoutSeconds` only when the caller set no deadline.
    func deadline(for service: String) throws -> DeadlineSource {
        guard let callerDeadline = Self.callerDeadline else { return .gateway(timeout) }
        let remaining = callerDeadline - ContinuousClock.now - Self.replyMargin
        guard remaining > .zero else {
            throw RPCError(.deadlineExceeded,
                           "the caller's deadline leaves no time to call the \(service) service; the letter did not move: retry with the same request_id and a longer deadline")
        }
        return .caller(remaining: remaining)
    }

    /// Calls a backend as `actor`. Transport failures become UNAVAILABLE with a message that says the journey
    /// did not move and the same request id may be retried; other statuses pass through, prefixed with the
    /// service's name so the caller knows which rule refused. A call abandoned because the gateway's own
    /// caller went away (its task is cancelled) is CANCELLED: the backend was fine, and may have finished.
    func call<Request, Response>(_ client: RPCClient, _ service: String, _ method: RPCMethod<Request, Response>,
                                 _ request: Request, as actor: GatewayCore.Actor?) async throws -> Response {
        let source = try deadline(for: service)
        let timeout = switch source {
        case .caller(let remaining): remaining
        case .gateway(let timeout): timeout
        }
        do {
            // A client span of the call being handled when spans are exported (OTLPTraceExporter).
            return try await OTLPTraceExporter.clientSpan(method.path) { traceparent in
                var metadata = metadata(for: actor)
                if let traceparent { metadata.add(TraceContext.metadataName, traceparent) }
                return try await client.call(method, request, metadata: metadata, timeout: timeout)
            }
        } catch let error as RPCError {
            if error.code == .cancelled, Task.isCancelled { throw Self.cancelledByCaller(error, service: service) }
            throw Self.translate(error, service: service, deadline: source)
        }
    }

    /// The error for a backend call the gateway's caller cancelled (issue 11 item 19: it was logged as the
    /// backend being UNAVAILABLE). The backend may have completed the step; the retry finds its result.
    static func cancelledByCaller(_ error: RPCError, service: String) -> RPCError {
        RPCError(.cancelled,
                 "the caller cancelled the call while the \(service) service was handling it; if the step completed there, a retry with the same request_id returns its result",
                 cause: error)
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    static func translate(_ error: RPCError, service: String, deadline: DeadlineSource? = nil) -> RPCError {
        // A busy backend's hint (`retry-after-ms`) reaches the caller unchanged.
        var hint = Metadata()
        if let retryAfter = error.metadata["retry-after-ms"] { hint.add("retry-after-ms", retryAfter) }
        switch (error.code, deadline) {
        case (.deadlineExceeded, .caller(let remaining)?):
            return RPCError(.deadlineExceeded,
                            "the \(service) service did not answer within the caller's deadline (\(milliseconds(remaining)) ms of it were left when the gateway called); the letter did not move: retry with the same request_id",
                            metadata: hint, cause: error)
        case (.deadlineExceeded, .gateway(let timeout)?):
            return RPCError(.unavailable,
                            "the \(service) service did not answer within the gateway's backend timeout (backendTimeoutSeconds, \(milliseconds(timeout) / 1000) s; the call carried no deadline of its own); the letter did not move: retry with the same request_id",
                            metadata: hint, cause: error)
        case (.unavailable, _), (.deadlineExceeded, _), (.cancelled, _):
            return RPCError(.unavailable,
                            "the \(service) service is unavailable (\(error.message)); the letter did not move: retry with the same request_id",
                            metadata: hint, cause: error)
        case (.unauthenticated, _):
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
