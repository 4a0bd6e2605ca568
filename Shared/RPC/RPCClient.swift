import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import Wire

/// A unary response with the metadata the server sent along.
public struct ClientResponse<Message: Sendable>: Sendable {
    public var message: Message
    public var headers: Metadata
    public var trailers: Metadata
}

/// A gRPC client over one multiplexed HTTP/2 connection. Calls run concurrently as streams;
/// after the connection fails or the server sends GOAWAY, the next call opens a new one.
/// Errors are always `RPCError`: UNAVAILABLE when the peer cannot be reached,
/// DEADLINE_EXCEEDED when the timeout passes, CANCELLED when the calling task is cancelled.
public final class RPCClient: Sendable {
    private struct Connection: Sendable {
        let channel: any Channel
        let handler: NIOLoopBound<ClientConnectionHandler>
        let goingAway: NIOLockedValueBox<Bool>
        /// Calls waiting to be started on the loop. Many concurrent callers share one loop
        /// wake-up and one flush instead of paying a thread hop each.
        let starts: NIOLockedValueBox<PendingStarts>
    }

    private struct State {
        var connection: Connection?
        var connecting: EventLoopFuture<Connection>?
        var closed = false
    }

    public let host: String
    public let port: Int
    /// Largest response message accepted (RESOURCE_EXHAUSTED beyond it).
    public let maxReceiveMessageSize: Int
    private let tls: ClientTLSConfiguration?
    private let sslContext: NIOSSLContext?
    private let group: any EventLoopGroup
    private let state = NIOLockedValueBox(State())

    public init(host: String, port: Int, tls: ClientTLSConfiguration? = nil, maxReceiveMessageSize: Int = 4 << 20) throws {
        self.host = host
        self.port = port
        self.tls = tls
        self.maxReceiveMessageSize = maxReceiveMessageSize
        self.group = MultiThreadedEventLoopGroup.singleton
        self.sslContext = try tls.map(Self.makeSSLContext)
    }

    /// Calls a unary method and returns its response message.
    public func call<Request, Response>(_ method: RPCMethod<Request, Response>, _ request: Request,
                                        metadata: Metadata = [:], timeout: Duration? = nil) async throws -> Response {
        try await callWithMetadata(method, request, metadata: metadata, timeout: timeout).message
    }

    /// Calls a unary method and returns its response with the server's headers and trailers.
    public func callWithMetadata<Request, Response>(
        _ method: RPCMethod<Request, Response>, _ request: Request,
        metadata: Metadata = [:], timeout: Duration? = nil
    ) async throws -> ClientResponse<Response> {
        let body: [UInt8]
        do {
            body = GRPCProtocol.frame(try ProtobufEncoder().encode(request))
        } catch {
            throw RPCError(.invalidArgument, "cannot encode \(Request.self): \(error)", cause: error)
        }
        let result = try await send(path: method.path, body: body, metadata: metadata, timeout: timeout)
        do {
            let message = try ProtobufDecoder().decode(Response.self, from: result.message)
            return ClientResponse(message: message, headers: result.headers, trailers: result.trailers)
        } catch {
            throw RPCError(.internalError, "cannot decode the \(Response.self) from \(method.fullName): \(error)", cause: error)
        }
    }

    /// Closes the connection; calls in flight fail with UNAVAILABLE, later calls too.
    public func close() async {
        let connection = state.withLockedValue { state -> Connection? in
            state.closed = true
            defer { state.connection = nil }
            return state.connection
        }
        try? await connection?.channel.close()
    }

    // MARK: Internals

    private func send(path: String, body: [UInt8], metadata: Metadata, timeout: Duration?) async throws -> ClientCallResult {
        if Task.isCancelled { throw RPCError(.cancelled, "call cancelled") }
        var metadata = metadata
        // A call made while handling a traced call continues that trace (a new span per call).
        if let trace = TraceContext.current, metadata[TraceContext.metadataName] == nil {
            metadata.add(TraceContext.metadataName, trace.child().traceparent)
        }
        let started = ContinuousClock.now
        let connection = try await connect()
        let remaining = try timeout.map { timeout in
            let left = timeout - (ContinuousClock.now - started)
            guard left > .zero else { throw RPCError(.deadlineExceeded, "deadline of \(timeout.roundedMilliseconds) exceeded while connecting") }
            return left
        }
        let eventLoop = connection.channel.eventLoop
        let promise = eventLoop.makePromise(of: ClientCallResult.self)
        let handler = connection.handler
        let starts = connection.starts
        let (id, mustWake) = starts.withLockedValue { pending in
            pending.lastID &+= 1
            pending.calls.append(PendingCall(id: pending.lastID, path: path, metadata: metadata, timeout: remaining,
                                             body: body, maxReceiveSize: maxReceiveMessageSize, promise: promise))
            defer { pending.wakeScheduled = true }
            return (pending.lastID, !pending.wakeScheduled)
        }
        return try await withTaskCancellationHandler {
            if mustWake {
                eventLoop.execute { handler.value.startPendingCalls(starts) }
            }
            return try await promise.futureResult.get()
        } onCancel: {
            eventLoop.execute { handler.value.abandon(id: id, error: RPCError(.cancelled, "call cancelled")) }
        }
    }

    private func connect() async throws -> Connection {
        enum Next { case ready(Connection), wait(EventLoopFuture<Connection>), start(EventLoopPromise<Connection>) }
        let next = try state.withLockedValue { state throws -> Next in
            if state.closed { throw RPCError(.unavailable, "the client was closed") }
            if let connection = state.connection {
                if connection.channel.isActive, !connection.goingAway.withLockedValue({ $0 }) { return .ready(connection) }
                state.connection = nil
            }
            if let connecting = state.connecting { return .wait(connecting) }
            let promise = group.next().makePromise(of: Connection.self)
            state.connecting = promise.futureResult
            return .start(promise)
        }
        switch next {
        case .ready(let connection):
            return connection
        case .wait(let future):
            return try await future.get()
        case .start(let promise):
            do {
                let connection = try await openConnection()
                state.withLockedValue { state in
                    state.connecting = nil
                    state.connection = connection
                }
                promise.succeed(connection)
                return connection
            } catch {
                let failure = (error as? RPCError) ?? RPCError(.unavailable, "cannot connect to \(host):\(port): \(error)", cause: error)
                state.withLockedValue { $0.connecting = nil }
                promise.fail(failure)
                throw failure
            }
        }
    }

    private func openConnection() async throws -> Connection {
        let goingAway = NIOLockedValueBox(false)
        let setupFailure = NIOLockedValueBox<RPCError?>(nil)
        let authority = "\(host):\(port)"
        let sslContext = self.sslContext
        let serverHostname = tls?.serverHostname ?? (Self.isIPAddress(host) ? nil : host)
        let presentsClientCertificate = tls?.certificateChainPath != nil
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname))
                    }
                    try channel.pipeline.syncOperations.addHandler(ClientConnectionHandler(
                        eventLoop: channel.eventLoop, authority: authority, tls: sslContext != nil,
                        presentsClientCertificate: presentsClientCertificate,
                        onGoAway: { goingAway.withLockedValue { $0 = true } },
                        onFailure: { error in setupFailure.withLockedValue { if $0 == nil { $0 = error } } }))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            throw RPCError(.unavailable, "cannot connect to \(authority): \(error)", cause: error)
        }
        let handler: NIOLoopBound<ClientConnectionHandler>
        do {
            handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: ClientConnectionHandler.self),
                             eventLoop: channel.eventLoop)
            }.get()
        } catch {
            // The connection failed (a TLS handshake refused, say) and closed before we looked: say why.
            throw setupFailure.withLockedValue { $0 }
                ?? RPCError(.unavailable, "connection to \(authority) closed while it was being set up", cause: error)
        }
        return Connection(channel: channel, handler: handler, goingAway: goingAway,
                          starts: NIOLockedValueBox(PendingStarts()))
    }

    private static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    private static func makeSSLContext(_ tls: ClientTLSConfiguration) throws -> NIOSSLContext {
        do {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.applicationProtocols = ["h2"]
            configuration.minimumTLSVersion = .tlsv12
            if let roots = tls.trustRootsPath { configuration.trustRoots = .file(roots) }
            if let chain = tls.certificateChainPath, let key = tls.privateKeyPath {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(chain).map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            }
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw RPCError(.failedPrecondition, "cannot load the client's TLS files: \(error)", cause: error)
        }
    }
}
