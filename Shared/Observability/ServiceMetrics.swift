import Foundation
import Metrics
import NIOConcurrencyHelpers
import Prometheus
import RPC

/// The process's metrics: the swift-metrics API backed by one Prometheus registry, bootstrapped
/// once per process when a service turns metrics on (`metricsPort`). Nothing is bootstrapped
/// while metrics are off, so every swift-metrics call made anywhere stays a no-op.
public final class ServiceMetrics: Sendable {
    /// Runs before every scrape: sets gauges that are read rather than counted (queue lengths
    /// from the database, process figures). Should be quick; runs off the event loops.
    public typealias Collector = @Sendable () async -> Void

    /// Renders metrics kept outside the registry (the RPC server's, counted per event loop) in
    /// the Prometheus text format; runs at every scrape, after the registry's own.
    public typealias Exposition = @Sendable () -> [UInt8]

    public let registry: PrometheusCollectorRegistry
    private let collectors = NIOLockedValueBox<[Collector]>([])
    private let expositions = NIOLockedValueBox<[Exposition]>([])

    /// Latency histogram buckets: calls take from well under a millisecond (health, a cached
    /// read) to seconds (a signature under scrypt, a fsync on a slow disk).
    public static let durationBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    private static let shared = NIOLockedValueBox<ServiceMetrics?>(nil)

    /// The process's instance, bootstrapping swift-metrics with the Prometheus backend on first use.
    public static func bootstrap() -> ServiceMetrics {
        shared.withLockedValue { shared in
            if let shared { return shared }
            let metrics = ServiceMetrics(registry: PrometheusCollectorRegistry())
            var factory = PrometheusMetricsFactory(registry: metrics.registry)
            factory.defaultDurationHistogramBuckets = durationBuckets
            MetricsSystem.bootstrap(factory)
            shared = metrics
            return metrics
        }
    }

    /// The running instance, or nil when metrics are off: code that would only feed metrics
    /// (a scrape-time collector, say) skips its work then.
    public static var current: ServiceMetrics? { shared.withLockedValue { $0 } }

    private init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    public func addCollector(_ collector: @escaping Collector) {
        collectors.withLockedValue { $0.append(collector) }
    }

    public func addExposition(_ exposition: @escaping Exposition) {
        expositions.withLockedValue { $0.append(exposition) }
    }

    /// Runs the collectors, then renders every metric in the Prometheus text format (0.0.4).
    public func scrape() async -> [UInt8] {
        for collector in collectors.withLockedValue({ $0 }) { await collector() }
        var text = registry.emitToBuffer()
        for exposition in expositions.withLockedValue({ $0 }) { text += exposition() }
        return text
    }

    /// `surat_build_info` and the process gauges (RSS, open descriptors, uptime).
    public func registerProcessMetrics(service: String) {
        Gauge(label: MetricNames.buildInfo,
              dimensions: [("service", service), ("version", BuildInfo.version), ("commit", BuildInfo.commit)]).record(1)
        let started = ContinuousClock.now
        let resident = Gauge(label: MetricNames.residentMemory)
        let descriptors = Gauge(label: MetricNames.openFileDescriptors)
        let uptime = Gauge(label: MetricNames.uptime)
        addCollector {
            if let rss = ProcessFigures.residentBytes() { resident.record(rss) }
            if let open = ProcessFigures.openFileDescriptors() { descriptors.record(open) }
            let elapsed = ContinuousClock.now - started
            uptime.record(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
    }
}

/// Figures about this process from /proc (Linux).
enum ProcessFigures {
    static func residentBytes() -> Int? {
        // statm: size resident shared ... in pages.
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    static func openFileDescriptors() -> Int? {
        // The listing itself holds one descriptor open while it reads the folder.
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")).map { max(0, $0.count - 1) }
    }
}
