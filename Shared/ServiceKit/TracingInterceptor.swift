import Logging
import RPC

/// Continues the caller's W3C trace (`traceparent` metadata) or starts one when the caller sent
/// none: every log line of the call carries `trace.id` (and `span.id`, this call's span), and the
/// backend calls made while handling it carry the same trace id (`RPCClient` reads
/// `TraceContext.current`). proto-notes/rpc.md, "Tracing".
public struct TracingInterceptor: ServerInterceptor {
    public init() {}

    public func intercept<Response: Sendable>(
        context: ServerContext,
        next: @Sendable (ServerContext) async throws -> Response
    ) async throws -> Response {
        let incoming = TraceContext.incoming(context.metadata)
        // This server's span for the call; its parent is the caller's span.
        let span = incoming.child()
        var context = context
        context.logger[metadataKey: LogKey.traceID] = "\(span.traceID)"
        context.logger[metadataKey: LogKey.spanID] = "\(span.spanID)"
        return try await TraceContext.$current.withValue(span) {
            try await next(context)
        }
    }
}
