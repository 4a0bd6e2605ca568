import Metrics
import NIOConcurrencyHelpers
import RPC

/// Feeds the RPC server's traffic into swift-metrics. The handles for each method and status
/// are made once and cached, so a call costs one lock round-trip and a few atomic updates
/// instead of a factory lookup by name and labels.
public final class RPCMetrics: ServerObserver {
    private struct CallHandles {
        let calls: Counter
        let duration: Timer
    }

    /// Per method and status code; one lock round-trip per finished call.
    private let handles = NIOLockedValueBox<[String: [Int: CallHandles]]>([:])
    /// One gauge for the server, not per method: a call's start then costs one atomic update.
    private let inFlight = Meter(label: MetricNames.rpcCallsInFlight)
    private let connectionsOpen = Meter(label: MetricNames.rpcConnectionsOpen)
    private let connections = Counter(label: MetricNames.rpcConnections)
    private let received = Counter(label: MetricNames.rpcReceivedBytes)
    private let sent = Counter(label: MetricNames.rpcSentBytes)
    private let resets = Counter(label: MetricNames.rpcStreamResetsSent)
    private let goAways = Counter(label: MetricNames.rpcGoAwaysSent)

    public init() {}

    public func connectionOpened() {
        connections.increment()
        connectionsOpen.increment()
    }

    public func connectionClosed() { connectionsOpen.decrement() }
    public func bytesReceived(_ count: Int) { received.increment(by: count) }
    public func bytesSent(_ count: Int) { sent.increment(by: count) }
    public func streamResetsSent(_ count: Int) { resets.increment(by: count) }
    public func goAwaysSent(_ count: Int) { goAways.increment(by: count) }

    public func callStarted(method: String) { inFlight.increment() }

    public func callFinished(method: String, code: RPCError.Code, duration: Duration) {
        inFlight.decrement()
        let handles = self.handles.withLockedValue { table in
            if let existing = table[method]?[code.rawValue] { return existing }
            let dimensions = [("method", method), ("code", code.description)]
            let made = CallHandles(calls: Counter(label: MetricNames.rpcCalls, dimensions: dimensions),
                                   duration: Timer(label: MetricNames.rpcCallDuration, dimensions: dimensions))
            table[method, default: [:]][code.rawValue] = made
            return made
        }
        handles.calls.increment()
        let (seconds, attoseconds) = duration.components
        handles.duration.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
