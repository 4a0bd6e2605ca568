import NIOConcurrencyHelpers
import RPC

/// The RPC server's traffic as Prometheus metrics. The server counts into `traffic` per event
/// loop, touching no memory shared between cores on a call (`ServerTraffic`); the counts are
/// added up and rendered only when `/metrics` is scraped. Same names and labels as
/// `MetricNames` documents (deploy/README.md, "Monitoring").
public final class RPCMetrics: ServerObserver {
    public let traffic: ServerTraffic

    /// Counts with `metrics`' latency buckets and renders at each of its scrapes.
    public init(metrics: ServiceMetrics? = ServiceMetrics.current) {
        traffic = ServerTraffic(durationBuckets: ServiceMetrics.durationBuckets)
        let traffic = self.traffic
        metrics?.addExposition { Self.render(traffic.snapshot(), buckets: traffic.durationBuckets) }
    }

    /// The Prometheus text format (0.0.4) of `snapshot`.
    static func render(_ snapshot: TrafficSnapshot, buckets: [Duration]) -> [UInt8] {
        var text = ""
        func family(_ name: String, _ type: String, _ value: Int) {
            text += "# TYPE \(name) \(type)\n\(name) \(value)\n"
        }
        family(MetricNames.rpcCallsInFlight, "gauge", snapshot.callsInFlight)
        family(MetricNames.rpcConnectionsOpen, "gauge", snapshot.connectionsOpen)
        family(MetricNames.rpcConnections, "counter", snapshot.connectionsOpened)
        family(MetricNames.rpcReceivedBytes, "counter", snapshot.bytesReceived)
        family(MetricNames.rpcSentBytes, "counter", snapshot.bytesSent)
        family(MetricNames.rpcStreamResetsSent, "counter", snapshot.streamResetsSent)
        family(MetricNames.rpcGoAwaysSent, "counter", snapshot.goAwaysSent)

        let calls = snapshot.calls.sorted { ($0.key.method, $0.key.code.rawValue) < ($1.key.method, $1.key.code.rawValue) }
        guard !calls.isEmpty else { return Array(text.utf8) }
        text += "# TYPE \(MetricNames.rpcCalls) counter\n"
        for (key, figures) in calls {
            text += "\(MetricNames.rpcCalls){\(labels(key))} \(figures.count)\n"
        }
        let bounds = buckets.map { seconds($0) }
        let histogram = MetricNames.rpcCallDuration
        text += "# TYPE \(histogram) histogram\n"
        for (key, figures) in calls {
            let labels = labels(key)
            var cumulative = 0
            for (index, bound) in bounds.enumerated() {
                cumulative += figures.bucketCounts[index]
                text += "\(histogram)_bucket{\(labels),le=\"\(bound)\"} \(cumulative)\n"
            }
            text += "\(histogram)_bucket{\(labels),le=\"+Inf\"} \(figures.count)\n"
            text += "\(histogram)_sum{\(labels)} \(Double(figures.totalNanoseconds) / 1e9)\n"
            text += "\(histogram)_count{\(labels)} \(figures.count)\n"
        }
        return Array(text.utf8)
    }

    private static func labels(_ key: TrafficSnapshot.CallKey) -> String {
        "method=\"\(escaped(key.method))\",code=\"\(key.code.description)\""
    }

    /// A label value as the text format wants it: backslash, double quote and newline escaped.
    private static func escaped(_ value: String) -> String {
        guard value.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
        return value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
