import Logging
import NIOCore

/// What every connection of one server shares: the method table, limits, authentication.
final class ServerRouter: Sendable {
    struct Route: Sendable {
        let handler: MethodHandler
        let fullName: String
        let requiresAuthentication: Bool
    }

    let routes: [String: Route]
    let configuration: ServerConfiguration
    let interceptors: [any ServerInterceptor]
    /// The same chain without authentication, for health and reflection.
    let unauthenticatedInterceptors: [any ServerInterceptor]
    let logger: Logger

    init(services: [ServiceDescriptor], configuration: ServerConfiguration,
         interceptors: [any ServerInterceptor], logger: Logger) {
        var routes: [String: Route] = [:]
        for service in services {
            let open = StandardServices.isUnauthenticated(service: service.name)
            for (name, handler) in service.methods {
                routes["/\(service.name)/\(name)"] = Route(
                    handler: handler, fullName: "\(service.name)/\(name)", requiresAuthentication: !open)
            }
        }
        self.routes = routes
        self.configuration = configuration
        self.interceptors = interceptors
        self.unauthenticatedInterceptors = interceptors.filter { !($0 is AuthenticationInterceptor) }
        self.logger = logger
    }
}

/// One inbound stream (one call) on a server connection. Confined to the connection's loop.
private final class ServerStream {
    let id: Int32
    var method: String?
    var path: String?
    var contentType: String?
    var timeout: String?
    var encoding: String?
    var metadata = Metadata()
    var headerBytes = 0
    var headersDone = false
    var requestEnded = false
    var responded = false
    var rejected = false
    var body: [UInt8] = []
    var route: ServerRouter.Route?
    var task: Task<Void, Never>?
    var deadlineTimer: Scheduled<Void>?
    var deadline: ContinuousClock.Instant?
    var messages: RequestMessages.Continuation?
    /// The request message of a call waiting for admission (see `admissionQueue`).
    var pendingMessage: [UInt8]?
    /// Reset the stream with this code once the response's last frame is out (the client's
    /// side is still open after an early answer; nghttp2 1.52 does not do it itself).
    var resetAfterResponse: HTTP2ErrorCode?

    init(id: Int32) { self.id = id }
}

/// Owns one server-side nghttp2 session on one channel: reads bytes into it, dispatches calls
/// as Swift tasks (preferring this loop as their executor, so a handler that does not block
/// costs no thread hop), and writes whatever nghttp2 produces.
final class ServerConnectionHandler: ChannelDuplexHandler, HTTP2SessionDelegate {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let router: ServerRouter
    private let eventLoop: any EventLoop
    private let executor: EventLoopTaskExecutor
    private var session: HTTP2Session?
    private var context: ChannelHandlerContext?
    private var streams: [Int32: ServerStream] = [:]
    /// Calls whose request is complete but which wait to start because too many response bytes
    /// are already waiting for this peer to read them.
    private var admissionQueue: [Int32] = []
    private var flushScheduled = false
    private var readPending = false
    private var idleTimer: Scheduled<Void>?
    private var draining = false
    private var peer = ""
    private var logger: Logger
    private var routeLoggers: [String: Logger] = [:]

    init(router: ServerRouter, eventLoop: any EventLoop) {
        self.router = router
        self.eventLoop = eventLoop
        self.executor = EventLoopTaskExecutor(eventLoop)
        self.logger = router.logger
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        peer = context.channel.remoteAddress.map(Self.describe) ?? "unknown"
        logger[metadataKey: "rpc.peer"] = "\(peer)"
        let configuration = router.configuration
        do {
            let session = try HTTP2Session(role: .server, settings: .init(
                maxConcurrentStreams: configuration.maxConcurrentStreams,
                maxHeaderListSize: configuration.maxHeaderListSize,
                streamResetBurst: configuration.streamResetBurst,
                streamResetRatePerSecond: configuration.streamResetRatePerSecond))
            session.delegate = self
            self.session = session
        } catch {
            logger.error("cannot create an HTTP/2 session", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
        if context.channel.isActive { channelActive(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        tearDown()
        session?.delegate = nil
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        flush()
        armIdleTimer()
    }

    func channelInactive(context: ChannelHandlerContext) {
        tearDown()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session else { return }
        do {
            try session.receive(unwrapInboundIn(data))
        } catch {
            logger.debug("closing connection after an HTTP/2 error", metadata: ["error": "\(error)"])
            flush()
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            flush()
            if readPending {
                readPending = false
                context.read()
            }
        }
        context.fireChannelWritabilityChanged()
    }

    /// Backpressure: a peer that does not read what we write gets no more of its input read.
    func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            readPending = true
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is GracefulShutdownEvent {
            beginGracefulShutdown()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    // MARK: Writing

    private func flush() {
        guard let context, let session else { return }
        guard context.channel.isWritable else { return }
        var buffer = context.channel.allocator.buffer(capacity: 0)
        do {
            try session.send(into: &buffer, limit: 1 << 20)
        } catch {
            logger.debug("HTTP/2 session failed", metadata: ["error": "\(error)"])
            context.close(promise: nil)
            return
        }
        if buffer.readableBytes > 0 {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            if session.wantsWrite, context.channel.isWritable { scheduleFlush() }
        }
        if !admissionQueue.isEmpty { admitWaitingCalls() }
        if !session.isAlive {
            context.close(promise: nil)
        }
    }

    /// Coalesces flushes requested by completing calls into one write per loop tick.
    private func scheduleFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        eventLoop.execute { [loopBound = NIOLoopBound(self, eventLoop: eventLoop)] in
            loopBound.value.flushScheduled = false
            loopBound.value.flush()
        }
    }

    // MARK: Session events

    func sessionBeginHeaders(streamID: Int32) {
        if streams[streamID] == nil {
            streams[streamID] = ServerStream(id: streamID)
            idleTimer?.cancel()
            idleTimer = nil
        }
    }

    func sessionHeader(streamID: Int32, name: String, value: String) -> Bool {
        guard let stream = streams[streamID] else { return true }
        if stream.headersDone { return true }  // trailers from a client: nothing in them for us
        stream.headerBytes += name.utf8.count + value.utf8.count + 32
        if stream.headerBytes > router.configuration.maxHeaderListSize {
            stream.rejected = true
            logger.debug("request headers over the limit", metadata: ["http2.stream": "\(streamID)"])
            return false
        }
        switch name {
        case ":method": stream.method = value
        case ":path": stream.path = value
        case "content-type": stream.contentType = value
        case "grpc-timeout": stream.timeout = value
        case "grpc-encoding": stream.encoding = value
        default:
            if !Metadata.isReserved(name), !stream.metadata.appendWire(name: name, value: value) {
                logger.debug("dropping -bin metadata that is not base64", metadata: ["rpc.header": "\(name)"])
            }
        }
        return true
    }

    func sessionHeadersComplete(streamID: Int32, endStream: Bool) {
        guard let stream = streams[streamID], !stream.rejected else { return }
        if !stream.headersDone {
            stream.headersDone = true
            startStream(stream)
        }
        if endStream { requestEnded(stream) }
    }

    func sessionData(streamID: Int32, bytes: [UInt8]) {
        guard let stream = streams[streamID], !stream.responded || stream.messages != nil else { return }
        if stream.body.isEmpty { stream.body = bytes } else { stream.body.append(contentsOf: bytes) }
        if let continuation = stream.messages {
            do {
                for message in try GRPCProtocol.takeMessages(from: &stream.body, maxSize: router.configuration.maxReceiveMessageSize) {
                    continuation.yield(message)
                }
            } catch {
                continuation.finish(throwing: deframeError(error))
            }
        } else if let length = GRPCProtocol.declaredLength(stream.body, at: 0),
                  length > router.configuration.maxReceiveMessageSize {
            respond(stream, error: RPCError(.resourceExhausted,
                "request message of \(length) bytes exceeds the limit of \(router.configuration.maxReceiveMessageSize) bytes"))
        }
    }

    func sessionDataEndStream(streamID: Int32) {
        guard let stream = streams[streamID] else { return }
        requestEnded(stream)
    }

    func sessionStreamClosed(streamID: Int32, errorCode: UInt32) {
        guard let stream = streams.removeValue(forKey: streamID) else { return }
        stream.deadlineTimer?.cancel()
        if stream.task != nil, !stream.responded || stream.messages != nil {
            // The client reset the stream (or the connection went away): stop the handler.
            stream.task?.cancel()
        }
        stream.messages?.finish(throwing: RPCError(.cancelled, "the client cancelled the call"))
        if streams.isEmpty {
            if draining { flush() } else { armIdleTimer() }
        }
    }

    func sessionGoAway(lastStreamID: Int32, errorCode: UInt32) {}

    func sessionFrameSent(streamID: Int32, endStream: Bool) {
        guard endStream, let stream = streams[streamID], let code = stream.resetAfterResponse else { return }
        stream.resetAfterResponse = nil
        session?.resetStream(streamID, code: code)
    }

    // MARK: Calls

    private func startStream(_ stream: ServerStream) {
        guard stream.method == "POST" else {
            respondHTTP(stream, status: 405, text: "gRPC requests use POST\n")
            return
        }
        guard let contentType = stream.contentType, contentType.hasPrefix(GRPCProtocol.contentType) else {
            respondHTTP(stream, status: 415, text: "this is a gRPC server: content-type must be application/grpc\n")
            return
        }
        guard let path = stream.path, let route = router.routes[path] else {
            respond(stream, error: RPCError(.unimplemented, "unknown method \(stream.path ?? "(none)")"))
            return
        }
        stream.route = route
        if let encoding = stream.encoding, encoding != "identity" {
            var metadata = Metadata()
            metadata.add("grpc-accept-encoding", "identity")
            respond(stream, error: RPCError(.unimplemented,
                "message encoding \"\(encoding)\" is not supported; use identity", metadata: metadata))
            return
        }
        if let timeout = stream.timeout {
            guard let duration = GRPCProtocol.parseTimeout(timeout) else {
                respond(stream, error: RPCError(.invalidArgument, "malformed grpc-timeout \"\(timeout)\""))
                return
            }
            stream.deadline = .now + duration
            let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
            let id = stream.id
            stream.deadlineTimer = eventLoop.scheduleTask(in: .nanoseconds(duration.nanosecondsClamped)) {
                loopBound.value.deadlineExpired(streamID: id)
            }
        }
        if case .bidirectionalStreaming(let handler) = route.handler {
            startStreamingCall(stream, route: route, handler: handler)
        }
    }

    private func requestEnded(_ stream: ServerStream) {
        guard !stream.requestEnded else { return }
        stream.requestEnded = true
        if let continuation = stream.messages {
            if stream.body.isEmpty {
                continuation.finish()
            } else {
                continuation.finish(throwing: RPCError(.internalError, "the request ended inside a message"))
            }
            return
        }
        guard !stream.responded, let route = stream.route, case .unary(let handler) = route.handler else { return }
        let message: [UInt8]
        do {
            let messages = try GRPCProtocol.takeMessages(from: &stream.body, maxSize: router.configuration.maxReceiveMessageSize)
            guard messages.count == 1, stream.body.isEmpty else {
                respond(stream, error: RPCError(.internalError,
                    "a unary call carries exactly one request message, this one carried \(messages.count)\(stream.body.isEmpty ? "" : " and a partial one")"))
                return
            }
            message = messages[0]
        } catch {
            respond(stream, error: deframeError(error))
            return
        }
        stream.body = []
        if session?.outboundPendingBytes ?? 0 > router.configuration.maxPendingOutboundBytesPerConnection {
            stream.pendingMessage = message
            admissionQueue.append(stream.id)
            return
        }
        dispatchUnary(stream, route: route, handler: handler, message: message)
    }

    /// Starts calls that waited for the peer to read, while the backlog allows.
    private func admitWaitingCalls() {
        let limit = router.configuration.maxPendingOutboundBytesPerConnection
        while !admissionQueue.isEmpty, session?.outboundPendingBytes ?? 0 <= limit {
            let id = admissionQueue.removeFirst()
            guard let stream = streams[id], !stream.responded, let message = stream.pendingMessage,
                  let route = stream.route, case .unary(let handler) = route.handler else { continue }
            stream.pendingMessage = nil
            dispatchUnary(stream, route: route, handler: handler, message: message)
        }
    }

    private func dispatchUnary(_ stream: ServerStream, route: ServerRouter.Route,
                               handler: @escaping @Sendable ([UInt8], ServerContext) async throws -> UnaryResult,
                               message: [UInt8]) {
        let context = makeContext(stream, route: route)
        let interceptors = route.requiresAuthentication ? router.interceptors : router.unauthenticatedInterceptors
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let id = stream.id
        let executor: any TaskExecutor = self.executor
        let task = Task(executorPreference: executor) { [handler, message, context, interceptors, id, loopBound] in
            await ServerConnectionHandler.execute(handler, message: message, context: context,
                                                  interceptors: interceptors, streamID: id, connection: loopBound)
        }
        stream.task = task
    }

    /// Runs a unary call and hands its result back to the connection on its loop (directly
    /// when the task already runs there, which is the usual case).
    private static func execute(_ handler: @escaping @Sendable ([UInt8], ServerContext) async throws -> UnaryResult,
                                message: [UInt8], context: ServerContext, interceptors: [any ServerInterceptor],
                                streamID: Int32, connection: NIOLoopBound<ServerConnectionHandler>) async {
        let result: Result<UnaryResult, RPCError>
        do {
            result = .success(try await runUnary(handler, message: message, context: context, interceptors: interceptors))
        } catch {
            result = .failure(RPCError.from(handlerError: error))
        }
        let eventLoop = connection.eventLoop
        if eventLoop.inEventLoop {
            connection.value.finishUnary(streamID: streamID, result: result)
        } else {
            eventLoop.execute { connection.value.finishUnary(streamID: streamID, result: result) }
        }
    }

    private static func runUnary(_ handler: @escaping @Sendable ([UInt8], ServerContext) async throws -> UnaryResult,
                                 message: [UInt8], context: ServerContext,
                                 interceptors: [any ServerInterceptor]) async throws -> UnaryResult {
        if interceptors.isEmpty { return try await handler(message, context) }
        // Interceptors wrap the handler outermost-first; the result travels back through them.
        var next: @Sendable (ServerContext) async throws -> UnaryResult = { context in
            try await handler(message, context)
        }
        for interceptor in interceptors.reversed() {
            let inner = next
            next = { context in try await interceptor.intercept(context: context, next: inner) }
        }
        return try await next(context)
    }

    private func finishUnary(streamID: Int32, result: Result<UnaryResult, RPCError>) {
        guard let stream = streams[streamID], !stream.responded else { return }
        stream.task = nil
        switch result {
        case .success(let response):
            guard response.message.count <= router.configuration.maxSendMessageSize else {
                respond(stream, error: RPCError(.resourceExhausted,
                    "response message of \(response.message.count) bytes exceeds the server's send limit"))
                return
            }
            stream.responded = true
            stream.deadlineTimer?.cancel()
            var headers = [(":status", "200"), ("content-type", GRPCProtocol.contentType)]
            headers.append(contentsOf: response.headers.wirePairs)
            var trailers = [("grpc-status", "0")]
            trailers.append(contentsOf: response.trailers.wirePairs)
            if !stream.requestEnded { stream.resetAfterResponse = .noError }
            _ = session?.submitResponse(streamID: streamID, headers: headers,
                                        body: GRPCProtocol.frame(response.message), trailers: trailers)
            scheduleFlush()
        case .failure(let error):
            respond(stream, error: error)
        }
    }

    private func startStreamingCall(
        _ stream: ServerStream, route: ServerRouter.Route,
        handler: @escaping @Sendable (RequestMessages, ResponseWriter, ServerContext) async throws -> Void
    ) {
        let (messages, continuation) = RequestMessages.makeStream()
        stream.messages = continuation
        stream.responded = true
        _ = session?.submitResponse(streamID: stream.id, headers: [(":status", "200"), ("content-type", GRPCProtocol.contentType)],
                                    body: [], finished: false)
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let eventLoop = self.eventLoop
        let id = stream.id
        let writer = ResponseWriter { message in
            eventLoop.execute { loopBound.value.appendStreamMessage(streamID: id, message: message) }
        }
        let context = makeContext(stream, route: route)
        stream.task = Task(executorPreference: executor) {
            let status: RPCError?
            do {
                try await handler(messages, writer, context)
                status = nil
            } catch {
                status = RPCError.from(handlerError: error)
            }
            eventLoop.execute { loopBound.value.finishStreamingCall(streamID: id, status: status) }
        }
    }

    private func appendStreamMessage(streamID: Int32, message: [UInt8]) {
        guard streams[streamID] != nil else { return }
        session?.appendBody(streamID: streamID, bytes: GRPCProtocol.frame(message))
        scheduleFlush()
    }

    private func finishStreamingCall(streamID: Int32, status: RPCError?) {
        guard let stream = streams[streamID] else { return }
        stream.deadlineTimer?.cancel()
        stream.messages = nil
        if !stream.requestEnded { stream.resetAfterResponse = .noError }
        session?.finishBody(streamID: streamID, trailers: GRPCProtocol.statusFields(status))
        scheduleFlush()
    }

    private func deadlineExpired(streamID: Int32) {
        guard let stream = streams[streamID] else { return }
        stream.task?.cancel()
        let error = RPCError(.deadlineExceeded, "the call's deadline passed")
        if stream.messages != nil {
            stream.messages?.finish(throwing: error)
            stream.messages = nil
            stream.resetAfterResponse = .cancel
            session?.finishBody(streamID: streamID, trailers: GRPCProtocol.statusFields(error))
            scheduleFlush()
        } else if !stream.responded {
            respond(stream, error: error, reset: .cancel)
        }
    }

    private func makeContext(_ stream: ServerStream, route: ServerRouter.Route) -> ServerContext {
        // Setting logger metadata allocates; do it once per method and connection, not per call.
        let logger: Logger
        if let cached = routeLoggers[route.fullName] {
            logger = cached
        } else {
            var fresh = self.logger
            fresh[metadataKey: "rpc.method"] = "\(route.fullName)"
            routeLoggers[route.fullName] = fresh
            logger = fresh
        }
        return ServerContext(method: route.fullName, metadata: stream.metadata, deadline: stream.deadline,
                             principal: nil, peer: peer, logger: logger)
    }

    private func deframeError(_ error: GRPCProtocol.DeframeError) -> RPCError {
        switch error {
        case .compressedWithoutEncoding:
            RPCError(.internalError, "compressed message without a grpc-encoding header")
        case .tooLarge(let length):
            RPCError(.resourceExhausted,
                     "request message of \(length) bytes exceeds the limit of \(router.configuration.maxReceiveMessageSize) bytes")
        }
    }

    // MARK: Answers

    /// A Trailers-Only answer: one HEADERS frame with the status, ending the stream.
    private func respond(_ stream: ServerStream, error: RPCError, reset: HTTP2ErrorCode = .noError) {
        guard !stream.responded else { return }
        stream.responded = true
        stream.deadlineTimer?.cancel()
        stream.task?.cancel()
        var headers = [(":status", "200"), ("content-type", GRPCProtocol.contentType)]
        headers.append(contentsOf: GRPCProtocol.statusFields(error))
        if !stream.requestEnded || reset != .noError { stream.resetAfterResponse = reset }
        _ = session?.submitResponse(streamID: stream.id, headers: headers, body: nil)
        scheduleFlush()
    }

    /// A plain HTTP answer for requests that are not gRPC at all.
    private func respondHTTP(_ stream: ServerStream, status: Int, text: String) {
        stream.responded = true
        if !stream.requestEnded { stream.resetAfterResponse = .noError }
        _ = session?.submitResponse(streamID: stream.id,
                                    headers: [(":status", String(status)), ("content-type", "text/plain; charset=utf-8")],
                                    body: Array(text.utf8))
        scheduleFlush()
    }

    // MARK: Lifecycle

    private func armIdleTimer() {
        idleTimer?.cancel()
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let timeout = router.configuration.idleTimeout
        idleTimer = eventLoop.scheduleTask(in: .nanoseconds(timeout.nanosecondsClamped)) {
            let handler = loopBound.value
            guard handler.streams.isEmpty else { return }
            handler.logger.debug("closing idle connection")
            handler.session?.submitGoAway()
            handler.draining = true
            handler.flush()
            handler.context?.close(promise: nil)
        }
    }

    /// GOAWAY: first a notice (no new streams), then the final GOAWAY with the last stream we
    /// will process; in-flight calls finish and the connection closes when none is left.
    private func beginGracefulShutdown() {
        guard !draining else { return }
        draining = true
        session?.submitShutdownNotice()
        flush()
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.scheduleTask(in: .milliseconds(100)) {
            let handler = loopBound.value
            handler.session?.submitGoAway()
            handler.flush()
            if handler.streams.isEmpty { handler.closeWhenFlushed() }
        }
    }

    private func closeWhenFlushed() {
        guard let context else { return }
        flush()
        context.close(promise: nil)
    }

    private func tearDown() {
        idleTimer?.cancel()
        idleTimer = nil
        for stream in streams.values {
            stream.deadlineTimer?.cancel()
            stream.task?.cancel()
            stream.messages?.finish(throwing: RPCError(.unavailable, "connection closed"))
        }
        streams.removeAll()
    }

    private static func describe(_ address: SocketAddress) -> String {
        if let ip = address.ipAddress, let port = address.port { return "\(ip):\(port)" }
        return "\(address)"
    }
}

/// Sent down a connection's pipeline to start a graceful shutdown.
struct GracefulShutdownEvent: Sendable {}

/// The handler's result and the metadata it wants sent with it.
struct UnaryResult: Sendable {
    var message: [UInt8]
    var headers = Metadata()
    var trailers = Metadata()
}

extension Duration {
    /// Nanoseconds, clamped to Int64 (timers take Int64 nanoseconds).
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        if seconds > Int64.max / 1_000_000_000 { return .max }
        if seconds < 0 { return 0 }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
