import Metrics
import NIOConcurrencyHelpers
import RPC

/// Feeds the RPC server's traffic into swift-metrics. The handles for each method and status
/// are made once and cached, so a call costs two lock round-trips and a few atomic updates
/// instead of a factory lookup by name and labels.
public final class RPCMetrics: ServerObserver {
    private struct MethodHandles {
        let inFlight: Meter
        var byCode: [Int: (calls: Counter, duration: Timer)] = [:]
    }

    private let handles = NIOLockedValueBox<[String: MethodHandles]>([:])
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

    public func callStarted(method: String) {
        let inFlight = handles.withLockedValue { table in
            if let existing = table[method] { return existing.inFlight }
            let made = MethodHandles(inFlight: Meter(label: MetricNames.rpcCallsInFlight, dimensions: [("method", method)]))
            table[method] = made
            return made.inFlight
        }
        inFlight.increment()
    }

    public func callFinished(method: String, code: RPCError.Code, duration: Duration) {
        let (inFlight, calls, timer) = handles.withLockedValue { table in
            var entry = table[method] ?? MethodHandles(
                inFlight: Meter(label: MetricNames.rpcCallsInFlight, dimensions: [("method", method)]))
            if let pair = entry.byCode[code.rawValue] { return (entry.inFlight, pair.calls, pair.duration) }
            let dimensions = [("method", method), ("code", code.description)]
            let pair = (calls: Counter(label: MetricNames.rpcCalls, dimensions: dimensions),
                        duration: Timer(label: MetricNames.rpcCallDuration, dimensions: dimensions))
            entry.byCode[code.rawValue] = pair
            table[method] = entry
            return (entry.inFlight, pair.calls, pair.duration)
        }
        inFlight.decrement()
        calls.increment()
        let (seconds, attoseconds) = duration.components
        timer.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
