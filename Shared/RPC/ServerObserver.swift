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
    /// A unary call (`package.Service/Method`) started, before authentication (refused calls
    /// count too). Streaming calls (health Watch, reflection) are not reported.
    func callStarted(method: String)
    /// The call was answered with `code` after `duration`, or its client abandoned it (CANCELLED).
    /// Reported by the connection, not by an interceptor: no closure chain per call.
    func callFinished(method: String, code: RPCError.Code, duration: Duration)
}
