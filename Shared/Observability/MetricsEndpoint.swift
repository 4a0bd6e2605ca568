import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The `/metrics` listener: plain HTTP/1.1 on its own port (Prometheus scrapes HTTP/1.1, and
/// keeping it off the gRPC port keeps scrapers out of the service's connection caps and
/// authentication). GET /metrics answers in the Prometheus text format; anything else is 404.
public final class MetricsEndpoint: Sendable {
    private typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    private let listener: NIOAsyncChannel<Connection, Never>
    private let metrics: ServiceMetrics
    private let logger: Logger

    /// The bound port (useful with port 0).
    public let localPort: Int

    /// Binds at once, so the caller can log (and tests read) the port before serving.
    public static func bind(host: String, port: Int, metrics: ServiceMetrics, logger: Logger) async throws -> MetricsEndpoint {
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        return MetricsEndpoint(listener: listener, metrics: metrics, logger: logger)
    }

    private init(listener: NIOAsyncChannel<Connection, Never>, metrics: ServiceMetrics, logger: Logger) {
        self.listener = listener
        self.metrics = metrics
        self.logger = logger
        self.localPort = listener.channel.localAddress?.port ?? 0
    }

    /// Serves until `close()` (then scrapes in progress finish).
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            try await listener.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask { await self.serve(connection) }
                }
            }
        }
    }

    /// Stops accepting scrapes; `run()` returns once the scrapes in progress are answered.
    public func close() {
        listener.channel.close(promise: nil)
    }

    private func serve(_ connection: Connection) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var request: HTTPRequestHead?
                for try await part in inbound {
                    switch part {
                    case .head(let head):
                        request = head
                    case .body:
                        break
                    case .end:
                        guard let head = request else { return }
                        let (status, body) = await answer(head)
                        var headers = HTTPHeaders()
                        headers.add(name: "Content-Type", value: status == .ok
                                    ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8")
                        headers.add(name: "Content-Length", value: String(body.count))
                        headers.add(name: "Date", value: Self.httpDate())
                        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
                        try await outbound.write(.head(HTTPResponseHead(version: head.version, status: status, headers: headers)))
                        if head.method != .HEAD {
                            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                        }
                        try await outbound.write(.end(nil))
                        if !head.isKeepAlive { return }
                        request = nil
                    }
                }
            }
        } catch {
            logger.debug("metrics connection ended", metadata: ["error": "\(error)"])
        }
    }

    private func answer(_ head: HTTPRequestHead) async -> (HTTPResponseStatus, [UInt8]) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard path == "/metrics" else { return (.notFound, Array("not found: metrics are at /metrics\n".utf8)) }
        guard head.method == .GET || head.method == .HEAD else {
            return (.methodNotAllowed, Array("use GET\n".utf8))
        }
        return (.ok, await metrics.scrape())
    }

    private static func httpDate() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: Date())
    }
}
