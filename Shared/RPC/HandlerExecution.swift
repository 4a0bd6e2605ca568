/// Where a unary method's handler runs. The connection's event loop also reads and writes every
/// other connection it owns, so synchronous work there (hashing megabytes, rendering a year of
/// the agenda book) stalls them all; off the loop, the handler runs on Swift's global concurrent
/// executor and hands its answer back to the loop (one thread hop each way).
public enum HandlerExecution: Sendable, Hashable {
    /// On the connection's event loop: no thread hop, the fast path for small calls. A request
    /// message of `ServerConfiguration.offLoopRequestSize` bytes or more still runs off the loop
    /// (decoding and hashing it is work in proportion to its size).
    case eventLoop
    /// Always off the event loop: for handlers whose synchronous work does not follow from the
    /// request's size (an export of a whole year, CPU-bound key derivation).
    case offEventLoop
}
