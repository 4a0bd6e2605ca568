#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers
import Wire

/// The statuses `grpc.health.v1.Health/Check` reports: one per service name, and the server as a
/// whole under the empty name.
public final class HealthStatus: Sendable {
    public enum ServingStatus: Int32, Codable, Sendable {
        case unknown = 0
        case serving = 1
        case notServing = 2
        case serviceUnknown = 3
    }

    private struct State {
        var statuses: [String: ServingStatus] = ["": .serving]
        var watchers: [Int: (service: String, continuation: AsyncStream<ServingStatus>.Continuation)] = [:]
        var nextWatcher = 0
        var watchesEnded = false
    }

    private let state = NIOLockedValueBox(State())
    private let infoBox = NIOLockedValueBox(Metadata())

    public init() {}

    /// Response headers of every `Check` (the service's version and commit, say), so monitoring
    /// learns what runs from the call it makes anyway. `surat-time-ms` (the server's clock, ms
    /// since the Unix epoch) is added to each answer, for clock-skew checks.
    public var info: Metadata {
        get { infoBox.withLockedValue { $0 } }
        set { infoBox.withLockedValue { $0 = newValue } }
    }

    public func set(service: String, _ status: ServingStatus) {
        state.withLockedValue { state in
            guard state.statuses[service] != status else { return }
            state.statuses[service] = status
            for watcher in state.watchers.values where watcher.service == service {
                watcher.continuation.yield(status)
            }
        }
    }

    public func status(of service: String) -> ServingStatus? {
        state.withLockedValue { $0.statuses[service] }
    }

    /// Marks every service NOT_SERVING (graceful shutdown: load balancers stop sending calls).
    func setAllNotServing() {
        state.withLockedValue { state in
            for key in state.statuses.keys { state.statuses[key] = .notServing }
            for watcher in state.watchers.values {
                watcher.continuation.yield(state.statuses[watcher.service] ?? .serviceUnknown)
            }
        }
    }

    /// The status of `service` now and after every change (SERVICE_UNKNOWN while it is not
    /// registered), for `Health/Watch`. Only the latest few changes are kept for a slow watcher:
    /// a watcher wants the current status, not the history.
    func watch(service: String) -> AsyncStream<ServingStatus> {
        let (stream, continuation) = AsyncStream<ServingStatus>.makeStream(bufferingPolicy: .bufferingNewest(4))
        let id = state.withLockedValue { state -> Int? in
            continuation.yield(state.statuses[service] ?? .serviceUnknown)
            guard !state.watchesEnded else { return nil }
            let id = state.nextWatcher
            state.nextWatcher += 1
            state.watchers[id] = (service, continuation)
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLockedValue { $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Ends every watch once it has delivered what it has (graceful shutdown: after the
    /// NOT_SERVING update, so the connections can drain).
    func endWatches() {
        let ended = state.withLockedValue { state in
            state.watchesEnded = true
            defer { state.watchers.removeAll() }
            return Array(state.watchers.values)
        }
        for watcher in ended { watcher.continuation.finish() }
    }
}

struct HealthCheckRequest: Codable, Sendable {
    var service = ""
    enum CodingKeys: Int, CodingKey { case service = 1 }
}

struct HealthCheckResponse: Codable, Sendable {
    var status: HealthStatus.ServingStatus = .unknown
    enum CodingKeys: Int, CodingKey { case status = 1 }
}

enum StandardServices {
    static let healthService = "grpc.health.v1.Health"
    static let reflectionV1 = "grpc.reflection.v1.ServerReflection"
    static let reflectionV1Alpha = "grpc.reflection.v1alpha.ServerReflection"

    /// Services any caller may use without credentials.
    static func isUnauthenticated(service: String) -> Bool {
        service == healthService || service == reflectionV1 || service == reflectionV1Alpha
    }

    static let healthCheck = RPCMethod<HealthCheckRequest, HealthCheckResponse>(service: healthService, name: "Check")

    static func health(_ status: HealthStatus) -> ServiceDescriptor {
        var descriptor = ServiceDescriptor(name: healthService)
        descriptor.unaryWithMetadata(healthCheck) { request, _ in
            guard let serving = status.status(of: request.service) else {
                throw RPCError(.notFound, "unknown service \"\(request.service)\"")
            }
            var headers = status.info
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            headers.add("surat-time-ms", String(Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000))
            return ServerResponse(HealthCheckResponse(status: serving), headers: headers)
        }
        descriptor.bidirectionalStreaming("Watch") { requests, writer, _ in
            var iterator = requests.makeAsyncIterator()
            guard let first = try await iterator.next() else {
                throw RPCError(.invalidArgument, "Watch takes one HealthCheckRequest")
            }
            let request: HealthCheckRequest
            do {
                request = try ProtobufDecoder().decode(HealthCheckRequest.self, from: first)
            } catch {
                throw RPCError(.invalidArgument, "malformed HealthCheckRequest: \(error)", cause: error)
            }
            for await serving in status.watch(service: request.service) {
                await writer.send(try ProtobufEncoder().encode(HealthCheckResponse(status: serving)))
            }
            // Watches end only when the server shuts down (or the client cancels).
            throw RPCError(.unavailable, "the server is shutting down")
        }
        return descriptor
    }
}
