import Logging
import Observability
import RPC

/// Continues the caller's W3C trace (`traceparent` metadata) or starts one when the caller sent
/// none: every log line of the call carries `trace.id` (and `span.id`, this call's span), and the
/// backend calls made while handling it carry the same trace id (`RPCClient` reads
/// `TraceContext.current`). With an OTLP endpoint configured, the call is also exported as a
/// server span whose parent is the caller's span. proto-notes/rpc.md, "Tracing".
public struct TracingInterceptor: ServerInterceptor {
    /// Taken once, when the server is built: without an exporter a call pays nothing for export.
    private let exporter: OTLPTraceExporter?

    public init(exporter: OTLPTraceExporter? = OTLPTraceExporter.current) {
        self.exporter = exporter
    }

    public func intercept<Response: Sendable>(
        context: ServerContext,
        next: @Sendable (ServerContext) async throws -> Response
    ) async throws -> Response {
        let sent = context.metadata[TraceContext.metadataName].flatMap(TraceContext.init(traceparent:))
        let incoming = sent ?? TraceContext.makeNew()
        // This server's span for the call; its parent is the caller's span.
        let span = incoming.child()
        var context = context
        context.logger[metadataKey: LogKey.traceID] = "\(span.traceID)"
        context.logger[metadataKey: LogKey.spanID] = "\(span.spanID)"
        // Health checks and reflection (`grpc.*`, a monitor's every few seconds) are not exported.
        guard let exporter, !context.method.hasPrefix("grpc.") else {
            return try await TraceContext.$current.withValue(span) {
                try await next(context)
            }
        }
        let start = OTLPTraceExporter.unixNanos()
        var status = ("OK", "")
        defer {
            exporter.record(OTLPSpan(trace: span, parentSpanID: sent?.spanID, name: context.method, kind: .server,
                                     startUnixNanos: start, endUnixNanos: OTLPTraceExporter.unixNanos(),
                                     statusCode: status.0, statusMessage: status.1))
        }
        do {
            return try await OTLPTraceExporter.$forCall.withValue(exporter) {
                try await TraceContext.$current.withValue(span) {
                    try await next(context)
                }
            }
        } catch {
            status = OTLPTraceExporter.statusOf(error)
            throw error
        }
    }
}
