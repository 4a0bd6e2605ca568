import Logging

/// What every connection of one server shares: the method table, limits, authentication.
final class ServerRouter: Sendable {
    struct Route: Sendable {
        let handler: MethodHandler
        let fullName: String
        let requiresAuthentication: Bool
        /// Registered with `HandlerExecution.offEventLoop`.
        let runsOffLoop: Bool
        /// 0..<routes.count: where connections cache what they need per route.
        let index: Int
    }

    let routes: [String: Route]
    let configuration: ServerConfiguration
    let interceptors: [any ServerInterceptor]
    /// The same chain without authentication, for health and reflection.
    let unauthenticatedInterceptors: [any ServerInterceptor]
    /// Whether calls to other than health and reflection are authenticated at all.
    let authenticates: Bool
    let logger: Logger

    init(services: [ServiceDescriptor], configuration: ServerConfiguration,
         interceptors: [any ServerInterceptor], logger: Logger) {
        var routes: [String: Route] = [:]
        for service in services {
            let open = StandardServices.isUnauthenticated(service: service.name)
            for (name, handler) in service.methods {
                routes["/\(service.name)/\(name)"] = Route(
                    handler: handler, fullName: "\(service.name)/\(name)", requiresAuthentication: !open,
                    runsOffLoop: service.offLoopMethods.contains(name), index: routes.count)
            }
        }
        self.routes = routes
        self.configuration = configuration
        self.interceptors = interceptors
        self.unauthenticatedInterceptors = interceptors.filter { !($0 is AuthenticationInterceptor) }
        self.authenticates = interceptors.contains { $0 is AuthenticationInterceptor }
        self.logger = logger
    }
}
