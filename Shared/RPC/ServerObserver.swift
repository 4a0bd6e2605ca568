/// What a server reports about its traffic, for metrics. The server calls these on its event
/// loops and around every call, so implementations must be cheap and thread-safe; with no
/// observer configured (`ServerConfiguration.observer == nil`) nothing is counted at all.
public protocol ServerObserver: Sendable {
    /// A connection was accepted (and admitted by the connection caps) / has closed.
    func connectionOpened()
    func connectionClosed()
    /// Bytes read from / written to a connection's socket (TLS records included).
    func bytesReceived(_ count: Int)
    func bytesSent(_ count: Int)
    /// RST_STREAM / GOAWAY frames this server sent.
    func streamResetsSent(_ count: Int)
    func goAwaysSent(_ count: Int)
    /// A call (`package.Service/Method`) started, before authentication.
    func callStarted(method: String)
    /// The call ended with `code` after `duration`.
    func callFinished(method: String, code: RPCError.Code, duration: Duration)
}

/// Reports every call's start and outcome to the observer; the server runs it first, before
/// authentication, so refused calls are counted too.
struct ObservingInterceptor: ServerInterceptor {
    let observer: any ServerObserver

    func intercept<Response: Sendable>(
        context: ServerContext,
        next: @Sendable (ServerContext) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        observer.callStarted(method: context.method)
        do {
            let response = try await next(context)
            observer.callFinished(method: context.method, code: .ok, duration: ContinuousClock.now - start)
            return response
        } catch {
            observer.callFinished(method: context.method, code: RPCError.from(handlerError: error).code,
                                  duration: ContinuousClock.now - start)
            throw error
        }
    }
}
