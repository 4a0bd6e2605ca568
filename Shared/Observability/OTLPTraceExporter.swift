import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import RPC

/// Exports spans to an OpenTelemetry collector over OTLP/HTTP (protobuf), when `otlpEndpoint`
/// is configured: finished spans are queued in memory and POSTed to `<endpoint>/v1/traces` in
/// batches, every `interval` or as soon as `batchSize` are waiting. Off by default; while off
/// there is no exporter, and the RPC paths only check that `current` is nil.
///
/// Export never slows a call: `record` appends under a lock; a full queue (the collector down)
/// drops the newest spans and counts them; a failed POST is logged and its batch dropped.
public final class OTLPTraceExporter: Sendable {
    public static let environmentVariable = "SURAT_OTLP_ENDPOINT"

    let host: String
    let port: Int
    let path: String
    let service: String
    let batchSize: Int
    let maxQueued: Int
    let interval: Duration
    let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var queued: [OTLPSpan] = []
        var dropped = 0
        var flushing = false
        var loop: Task<Void, Never>?
    }

    private static let shared = NIOLockedValueBox<OTLPTraceExporter?>(nil)

    /// The process's exporter; nil when no OTLP endpoint is configured.
    public static var current: OTLPTraceExporter? { shared.withLockedValue { $0 } }

    /// The exporter of the call this task is handling (bound by ServiceKit's TracingInterceptor
    /// only when exporting): client spans look here, a task-local read, so a backend call costs
    /// no lock when export is off.
    @TaskLocal public static var forCall: OTLPTraceExporter?

    /// Starts the process's exporter for `endpoint` (`http://HOST:PORT`, optionally with a path
    /// prefix); an empty endpoint leaves tracing export off.
    @discardableResult
    public static func start(endpoint: String, service: String, logger: Logger,
                             interval: Duration = .seconds(1)) throws -> OTLPTraceExporter? {
        guard !endpoint.isEmpty else { return nil }
        let exporter = try OTLPTraceExporter(endpoint: endpoint, service: service, interval: interval, logger: logger)
        shared.withLockedValue { $0 = exporter }
        exporter.startLoop()
        logger.info("exporting spans to \(endpoint)/v1/traces (OTLP/HTTP)")
        return exporter
    }

    init(endpoint: String, service: String, batchSize: Int = 512, maxQueued: Int = 8192,
         interval: Duration, logger: Logger) throws {
        guard let url = URL(string: endpoint), url.scheme == "http", let host = url.host, !host.isEmpty else {
            throw OTLPEndpointError(endpoint: endpoint)
        }
        self.host = host
        self.port = url.port ?? 4318
        let prefix = url.path.hasSuffix("/") ? String(url.path.dropLast()) : url.path
        self.path = prefix + "/v1/traces"
        self.service = service
        self.batchSize = batchSize
        self.maxQueued = maxQueued
        self.interval = interval
        self.logger = logger
    }

    /// Queues a finished span.
    public func record(_ span: OTLPSpan) {
        let full = state.withLockedValue { state -> Bool in
            guard state.queued.count < maxQueued else {
                state.dropped += 1
                return false
            }
            state.queued.append(span)
            return state.queued.count >= batchSize && !state.flushing
        }
        if full { Task { await self.flush() } }
    }

    /// Sends what is queued (one POST per batch).
    public func flush() async {
        while true {
            let (batch, dropped) = state.withLockedValue { state -> ([OTLPSpan], Int) in
                guard !state.flushing, !state.queued.isEmpty else { return ([], 0) }
                state.flushing = true
                let batch = Array(state.queued.prefix(batchSize))
                state.queued.removeFirst(batch.count)
                defer { state.dropped = 0 }
                return (batch, state.dropped)
            }
            guard !batch.isEmpty else { return }
            if dropped > 0 { logger.warning("dropped \(dropped) spans: the OTLP collector is not keeping up or not reachable") }
            do {
                // In a task of its own: stopping the periodic loop (shutdown cancels it) must not
                // cancel a POST it is making, or that batch would be lost.
                let body = OTLPTraceEncoding.exportRequest(service: service, version: BuildInfo.version, spans: batch)
                try await Task { try await self.post(body) }.value
            } catch {
                logger.warning("could not export \(batch.count) spans to http://\(host):\(port)\(path): \(error)")
            }
            state.withLockedValue { $0.flushing = false }
        }
    }

    /// Stops the periodic export and sends what is left (at shutdown).
    public func shutdown() async {
        let loop = state.withLockedValue { state -> Task<Void, Never>? in
            defer { state.loop = nil }
            return state.loop
        }
        loop?.cancel()
        await loop?.value
        await flush()
    }

    private func startLoop() {
        let loop = Task { [interval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await self.flush()
            }
        }
        state.withLockedValue { $0.loop = loop }
    }

    private typealias Connection = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

    private func post(_ body: [UInt8]) async throws {
        let connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        let status = try await connection.executeThenClose { inbound, outbound -> UInt in
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: "\(host):\(port)")
            headers.add(name: "Content-Type", value: "application/x-protobuf")
            headers.add(name: "Content-Length", value: String(body.count))
            headers.add(name: "Connection", value: "close")
            try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: headers)))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
            try await outbound.write(.end(nil))
            var status: UInt = 0
            for try await part in inbound {
                if case .head(let head) = part { status = head.status.code }
                if case .end = part { break }
            }
            return status
        }
        guard (200..<300).contains(status) else { throw OTLPExportError(status: status) }
    }
}

/// `otlpEndpoint` is not an `http://HOST[:PORT][/PATH]` URL.
public struct OTLPEndpointError: Error, CustomStringConvertible {
    public var endpoint: String
    public var description: String {
        "otlpEndpoint \"\(endpoint)\" is not an http://HOST[:PORT] URL (OTLP/HTTP to a collector on this host or a trusted network; https is not supported)"
    }
}

struct OTLPExportError: Error, CustomStringConvertible {
    var status: UInt
    var description: String { "the collector answered HTTP \(status)" }
}

extension OTLPTraceExporter {
    /// Unix time in nanoseconds (span start and end times).
    public static func unixNanos() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// Runs a client call as a span of the current trace (the gateway's backend calls): `call`
    /// gets the `traceparent` to send (the client span's). Without an exporter, or outside a
    /// traced call, `call` gets nil and runs as it is. `method` is the call's path
    /// (`/package.Service/Method`); the span is named as the server names its own (no slash).
    public static func clientSpan<Result>(
        _ method: String, _ call: (_ traceparent: String?) async throws -> Result
    ) async throws -> Result {
        guard let exporter = forCall, let parent = TraceContext.current else { return try await call(nil) }
        let method = method.hasPrefix("/") ? String(method.dropFirst()) : method
        let span = parent.child()
        let start = unixNanos()
        do {
            let result = try await call(span.traceparent)
            exporter.record(OTLPSpan(trace: span, parentSpanID: parent.spanID, name: method, kind: .client,
                                     startUnixNanos: start, endUnixNanos: unixNanos(), statusCode: "OK"))
            return result
        } catch {
            let (code, message) = statusOf(error)
            exporter.record(OTLPSpan(trace: span, parentSpanID: parent.spanID, name: method, kind: .client,
                                     startUnixNanos: start, endUnixNanos: unixNanos(), statusCode: code, statusMessage: message))
            throw error
        }
    }

    /// The gRPC status name and message of an error a call ended with.
    public static func statusOf(_ error: any Error) -> (String, String) {
        if let rpc = error as? RPCError { return ("\(rpc.code)", rpc.message) }
        if let convertible = error as? any RPCErrorConvertible {
            let rpc = convertible.rpcError
            return ("\(rpc.code)", rpc.message)
        }
        return ("UNKNOWN", "")
    }
}
