import Logging

/// Everything a handler knows about the call besides its request message.
public struct ServerContext: Sendable {
    /// `package.Service/Method`.
    public var method: String
    /// The request's custom metadata (reserved HTTP/2 and gRPC headers removed).
    public var metadata: Metadata
    /// When the client stops waiting (from `grpc-timeout`), if it said so.
    public var deadline: ContinuousClock.Instant?
    /// The authenticated caller; nil when the server has no authenticator or for health/reflection.
    public var principal: Principal?
    /// The peer's address, e.g. `127.0.0.1:53122`.
    public var peer: String
    /// A logger carrying `rpc.method` and `rpc.peer`.
    public var logger: Logger

    public init(method: String, metadata: Metadata = [:], deadline: ContinuousClock.Instant? = nil,
                principal: Principal? = nil, peer: String = "", logger: Logger) {
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
        self.principal = principal
        self.peer = peer
        self.logger = logger
    }
}
