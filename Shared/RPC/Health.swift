import NIOConcurrencyHelpers

/// The statuses `grpc.health.v1.Health/Check` reports: one per service name, and the server as a
/// whole under the empty name.
public final class HealthStatus: Sendable {
    public enum ServingStatus: Int32, Codable, Sendable {
        case unknown = 0
        case serving = 1
        case notServing = 2
        case serviceUnknown = 3
    }

    private let statuses = NIOLockedValueBox<[String: ServingStatus]>(["": .serving])

    public init() {}

    public func set(service: String, _ status: ServingStatus) {
        statuses.withLockedValue { $0[service] = status }
    }

    public func status(of service: String) -> ServingStatus? {
        statuses.withLockedValue { $0[service] }
    }

    /// Marks every service NOT_SERVING (graceful shutdown: load balancers stop sending calls).
    func setAllNotServing() {
        statuses.withLockedValue { statuses in
            for key in statuses.keys { statuses[key] = .notServing }
        }
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
        descriptor.unary(healthCheck) { request, _ in
            guard let serving = status.status(of: request.service) else {
                throw RPCError(.notFound, "unknown service \"\(request.service)\"")
            }
            return HealthCheckResponse(status: serving)
        }
        return descriptor
    }
}
