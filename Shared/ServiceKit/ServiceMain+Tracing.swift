import Foundation
import Logging
import Observability

extension ServiceMain {
    /// Starts span export when `otlpEndpoint` (or `SURAT_OTLP_ENDPOINT`) names a collector; nil
    /// (nothing started, nothing per call) otherwise. Call before the server is built: its
    /// TracingInterceptor takes the exporter when created. A malformed endpoint is a
    /// configuration failure (exit status 64).
    public static func startTraceExport(
        settings: ServiceSettings, service: String, logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> OTLPTraceExporter? {
        let endpoint = settings.otlpEndpoint.isEmpty
            ? environment[OTLPTraceExporter.environmentVariable] ?? "" : settings.otlpEndpoint
        do {
            return try OTLPTraceExporter.start(endpoint: endpoint, service: service, logger: logger)
        } catch {
            throw ServiceStartupError(.configuration, "\(error)")
        }
    }
}
