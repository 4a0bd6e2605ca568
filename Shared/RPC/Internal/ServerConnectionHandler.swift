import Logging
import NIOCore

/// What every connection of one server shares: the method table, limits, authentication.
final class ServerRouter: Sendable {
    struct Route: Sendable {
        let handler: MethodHandler
        let fullName: String
        let requiresAuthentication: Bool
        /// Registered with `HandlerExecution.offEventLoop`.
        let runsOffLoop: Bool
    }

    let routes: [String: Route]
    let configuration: ServerConfiguration
    let interceptors: [any ServerInterceptor]
    /// The same chain without authentication, for health and reflection.
    let unauthenticatedInterceptors: [any ServerInterceptor]
    /// Whether calls to other than health and reflection are authenticated at all.
    let authenticates: Bool
    let logger: Logger

    init(services: [ServiceDescriptor], configuration: ServerConfiguration,
         interceptors: [any ServerInterceptor], logger: Logger) {
        var routes: [String: Route] = [:]
        for service in services {
            let open = StandardServices.isUnauthenticated(service: service.name)
            for (name, handler) in service.methods {
                routes["/\(service.name)/\(name)"] = Route(
                    handler: handler, fullName: "\(service.name)/\(name)", requiresAuthentication: !open,
                    runsOffLoop: service.offLoopMethods.contains(name))
            }
        }
        self.routes = routes
        self.configuration = configuration
        self.interceptors = interceptors
        self.unauthenticatedInterceptors = interceptors.filter { !($0 is AuthenticationInterceptor) }
        self.authenticates = interceptors.contains { $0 is AuthenticationInterceptor }
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
    var messageEncoding: MessageEncoding?
    /// What is wrong with the request's `authorization` value (whitespace around it, a
    /// newline in it), answered with UNAUTHENTICATED instead of a bare stream reset.
    var authorizationProblem: String?
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
    var messages: RequestMessages.Stream.Continuation?
    /// The request message of a call waiting for admission (see `admissionQueue`).
    var pendingMessage: [UInt8]?
    /// Reset the stream with this code once the response's last frame is out (the client's
    /// side is still open after an early answer; nghttp2 1.52 does not do it itself).
    var resetAfterResponse: HTTP2ErrorCode?
    /// Budget this running unary call holds for its response (see `responseEstimates`).
    var reservedBytes = 0
    var running = false
    /// Request messages handed to a streaming handler that it has not taken yet.
    var queuedRequestBytes = 0
    /// A streaming handler waiting in `ResponseWriter.send` for its replies to be read.
    var writeWaiters: [CheckedContinuation<Void, Never>] = []
    /// When a unary call observed by the server's `ServerObserver` started; nil once reported.
    var observedStart: ContinuousClock.Instant?

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
    private var handshakeTimer: Scheduled<Void>?
    private var draining = false
    /// The reply budget (`maxPendingOutboundBytesPerConnection`) and what counts against it
    /// besides the session's queued response bytes.
    private let budget: Int
    private var reservedBytes = 0
    private var runningUnaryCalls = 0
    private var queuedRequestBytes = 0
    /// The largest framed response seen per method on this connection: what a new call of
    /// that method reserves. A method not seen yet reserves a quarter of the budget (or the
    /// largest response, when smaller): calls arriving together cannot all start before any of
    /// them showed its size, yet a few slow calls of a new method do not hold up the rest.
    private var responseEstimates: [String: Int] = [:]
    /// Request DATA not acknowledged yet (no WINDOW_UPDATE) because the connection was over
    /// its budget: the peer cannot send more until the replies are read.
    private var unacknowledged: [Int32: Int] = [:]
    private var waitingWriters = 0
    /// How many reply bytes one streaming call may have queued before its writer waits.
    private let streamQueueLimit: Int
    private var peer = ""
    private var logger: Logger
    private var routeLoggers: [String: Logger] = [:]
    private let observer: (any ServerObserver)?
    private var reportedResets = 0
    private var reportedGoAways = 0

    init(router: ServerRouter, eventLoop: any EventLoop) {
        self.router = router
        self.eventLoop = eventLoop
        self.executor = EventLoopTaskExecutor(eventLoop)
        self.logger = router.logger
        self.observer = router.configuration.observer
        self.budget = router.configuration.maxPendingOutboundBytesPerConnection
        self.streamQueueLimit = min(1 << 20, max(1, router.configuration.maxPendingOutboundBytesPerConnection))
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
                streamResetRatePerSecond: configuration.streamResetRatePerSecond,
                emptyFrameBurst: configuration.emptyFrameBurst,
                emptyFrameRatePerSecond: configuration.emptyFrameRatePerSecond,
                manualFlowControl: true))
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
        armHandshakeTimer()
    }

    func channelInactive(context: ChannelHandlerContext) {
        tearDown()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session else { return }
        let bytes = unwrapInboundIn(data)
        observer?.bytesReceived(bytes.readableBytes)
        do {
            try session.receive(bytes)
        } catch {
            logger.debug("closing connection after an HTTP/2 error", metadata: ["error": "\(error)"])
            flush()
            context.close(promise: nil)
        }
        if let reason = session.calmDownReason, !draining {
            draining = true
            logger.notice("GOAWAY(ENHANCE_YOUR_CALM) to a flooding peer", metadata: ["reason": "\(reason)"])
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
        if let observer { reportControlFrames(session, to: observer) }
        if buffer.readableBytes > 0 {
            observer?.bytesSent(buffer.readableBytes)
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            if session.wantsWrite, context.channel.isWritable { scheduleFlush() }
        }
        budgetChanged()
        if !session.isAlive {
            context.close(promise: nil)
        }
    }

    /// Reports a unary call's outcome once (answered, refused, or abandoned by its client).
    private func observeEnd(_ stream: ServerStream, _ code: RPCError.Code) {
        guard let observer, let start = stream.observedStart else { return }
        stream.observedStart = nil
        observer.callFinished(method: stream.route?.fullName ?? "", code: code, duration: .now - start)
    }

    /// Reports the RST_STREAM and GOAWAY frames nghttp2 wrote since the last flush.
    private func reportControlFrames(_ session: HTTP2Session, to observer: any ServerObserver) {
        let resets = session.resetsSent - reportedResets
        if resets > 0 {
            reportedResets = session.resetsSent
            observer.streamResetsSent(resets)
        }
        let goAways = session.goAwaysSent - reportedGoAways
        if goAways > 0 {
            reportedGoAways = session.goAwaysSent
            observer.goAwaysSent(goAways)
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
        case "authorization":
            if value.isEmpty {
                stream.authorizationProblem = "the authorization header is empty"
            } else if let first = value.utf8.first, let last = value.utf8.last,
                      first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 {
                stream.authorizationProblem = "the authorization header has leading or trailing whitespace; "
                    + "send `authorization: Bearer <token>` with the token trimmed"
            }
            _ = stream.metadata.appendWire(name: name, value: value)
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

    func sessionInvalidHeader(streamID: Int32, name: String, value: String) -> Bool {
        // Other invalid fields are dropped, as nghttp2 does by default; a mangled credential
        // gets a status that says so instead of "missing authorization".
        if name == "authorization", let stream = streams[streamID] {
            stream.authorizationProblem = "the authorization header contains a character not allowed in a header "
                + "value (a newline or another control character; was the token read with its line ending?)"
        }
        return true
    }

    func sessionPeerSettingsReceived() {
        handshakeTimer?.cancel()
        handshakeTimer = nil
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
        acknowledge(streamID: streamID, count: bytes.count)
        guard let stream = streams[streamID], !stream.responded || stream.messages != nil else { return }
        if stream.body.isEmpty { stream.body = bytes } else { stream.body.append(contentsOf: bytes) }
        if let continuation = stream.messages {
            do {
                for message in try GRPCProtocol.takeMessages(from: &stream.body, maxSize: router.configuration.maxReceiveMessageSize,
                                                             encoding: stream.messageEncoding) {
                    stream.queuedRequestBytes += message.count
                    queuedRequestBytes += message.count
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
        observeEnd(stream, .cancelled)
        // A call abandoned while it held budget frees it: let the next flush use it.
        let heldBudget = stream.running || stream.queuedRequestBytes > 0 || !stream.writeWaiters.isEmpty
        release(stream)
        queuedRequestBytes -= stream.queuedRequestBytes
        stream.queuedRequestBytes = 0
        resumeWriters(of: stream)
        if stream.task != nil, !stream.responded || stream.messages != nil {
            // The client reset the stream (or the connection went away): stop the handler.
            stream.task?.cancel()
        }
        stream.messages?.finish(throwing: RPCError(.cancelled, "the client cancelled the call"))
        if streams.isEmpty {
            if draining { flush() } else { armIdleTimer() }
        }
        if heldBudget { scheduleFlush() }
    }

    func sessionGoAway(lastStreamID: Int32, errorCode: UInt32) {}

    func sessionStreamFailed(streamID: Int32, error: HTTP2SessionError) {
        logger.error("resetting a stream (INTERNAL_ERROR): its answer could not be sent", metadata: [
            "http2.stream": "\(streamID)", "rpc.method": "\(streams[streamID]?.route?.fullName ?? "")", "error": "\(error)",
        ])
        scheduleFlush()
    }

    func sessionFrameSent(streamID: Int32, endStream: Bool) {
        guard endStream, let stream = streams[streamID], let code = stream.resetAfterResponse else { return }
        stream.resetAfterResponse = nil
        // RFC 9113 §5.1: a stream both sides have ended is closed; nothing is left to reset
        // (the request's END_STREAM may have arrived after the answer was decided).
        guard let session, !session.isRemoteClosed(streamID) else { return }
        session.resetStream(streamID, code: code)
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
            guard let known = MessageEncoding(rawValue: encoding) else {
                var metadata = Metadata()
                metadata.add("grpc-accept-encoding", MessageEncoding.accepted)
                respond(stream, error: RPCError(.unimplemented,
                    "message encoding \"\(encoding)\" is not supported; use \(MessageEncoding.accepted)", metadata: metadata))
                return
            }
            stream.messageEncoding = known
        }
        if route.requiresAuthentication, router.authenticates, let problem = stream.authorizationProblem {
            respond(stream, error: RPCError(.unauthenticated, problem))
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
            let messages = try GRPCProtocol.takeMessages(from: &stream.body, maxSize: router.configuration.maxReceiveMessageSize,
                                                         encoding: stream.messageEncoding)
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
        if !admissionQueue.isEmpty || !mayStart(route) {
            stream.pendingMessage = message
            admissionQueue.append(stream.id)
            return
        }
        dispatchUnary(stream, route: route, handler: handler, message: message)
    }

    // MARK: The reply budget

    /// Everything that counts against the connection's reply budget.
    private var queuedBytes: Int {
        (session?.outboundPendingBytes ?? 0) + queuedRequestBytes + reservedBytes
    }

    private func estimate(_ route: ServerRouter.Route) -> Int {
        responseEstimates[route.fullName] ?? min(router.configuration.maxSendMessageSize + 5, max(1, budget / 4))
    }

    /// A call starts when its estimated response fits in the budget, or when nothing else is
    /// running and the queue is within the budget (so one call always makes progress).
    private func mayStart(_ route: ServerRouter.Route) -> Bool {
        let queued = queuedBytes
        return queued + estimate(route) <= budget || (runningUnaryCalls == 0 && queued <= budget)
    }

    /// Returns a finished (or abandoned) unary call's reservation.
    private func release(_ stream: ServerStream) {
        guard stream.running else { return }
        stream.running = false
        runningUnaryCalls -= 1
        reservedBytes -= stream.reservedBytes
        stream.reservedBytes = 0
    }

    /// Acknowledges received request DATA at once while the connection is within its budget;
    /// over it, holds the acknowledgement back so the peer's flow-control windows close.
    private func acknowledge(streamID: Int32, count: Int) {
        if unacknowledged.isEmpty, queuedBytes <= budget {
            consume(streamID: streamID, count: count)
        } else {
            unacknowledged[streamID, default: 0] += count
        }
    }

    private func consume(streamID: Int32, count: Int) {
        do {
            try session?.consume(streamID: streamID, count: count)
        } catch {
            logger.error("closing the connection: cannot acknowledge request data", metadata: ["error": "\(error)"])
            context?.close(promise: nil)
        }
    }

    /// Something left the queue: start waiting calls, wake waiting writers, acknowledge held
    /// back input, as far as the budget now allows.
    private func budgetChanged() {
        if !admissionQueue.isEmpty { admitWaitingCalls() }
        if waitingWriters > 0 {
            for stream in streams.values where !stream.writeWaiters.isEmpty && !writerMustWait(stream) {
                resumeWriters(of: stream)
            }
        }
        if !unacknowledged.isEmpty, queuedBytes <= budget, let session {
            for (id, count) in unacknowledged { consume(streamID: id, count: count) }
            unacknowledged.removeAll()
            if session.wantsWrite { scheduleFlush() }
        }
    }

    /// Starts calls that waited for the peer to read, while the budget allows.
    private func admitWaitingCalls() {
        while let id = admissionQueue.first {
            guard let stream = streams[id], !stream.responded, let message = stream.pendingMessage,
                  let route = stream.route, case .unary(let handler) = route.handler else {
                admissionQueue.removeFirst()
                continue
            }
            guard mayStart(route) else { return }
            admissionQueue.removeFirst()
            stream.pendingMessage = nil
            dispatchUnary(stream, route: route, handler: handler, message: message)
        }
    }

    private func writerMustWait(_ stream: ServerStream) -> Bool {
        guard let session else { return false }
        return session.pendingBytes(streamID: stream.id) > streamQueueLimit || session.outboundPendingBytes > budget
    }

    private func resumeWriters(of stream: ServerStream) {
        guard !stream.writeWaiters.isEmpty else { return }
        let waiters = stream.writeWaiters
        stream.writeWaiters = []
        waitingWriters -= waiters.count
        for waiter in waiters { waiter.resume() }
    }

    /// A streaming handler took a request message off its queue.
    private func requestConsumed(streamID: Int32, count: Int) {
        guard let stream = streams[streamID] else { return }
        stream.queuedRequestBytes -= count
        queuedRequestBytes -= count
        budgetChanged()
    }

    private func dispatchUnary(_ stream: ServerStream, route: ServerRouter.Route,
                               handler: @escaping @Sendable ([UInt8], ServerContext) async throws -> UnaryResult,
                               message: [UInt8]) {
        let context = makeContext(stream, route: route)
        if let observer {
            stream.observedStart = .now
            observer.callStarted(method: route.fullName)
        }
        stream.running = true
        stream.reservedBytes = estimate(route)
        runningUnaryCalls += 1
        reservedBytes += stream.reservedBytes
        let interceptors = route.requiresAuthentication ? router.interceptors : router.unauthenticatedInterceptors
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let id = stream.id
        // Small calls of ordinary methods run on this loop; heavy ones on the global executor,
        // so their synchronous work cannot stall the other connections this loop serves.
        let offLoop = route.runsOffLoop || message.count >= router.configuration.offLoopRequestSize
        let executor: any TaskExecutor = offLoop ? globalConcurrentExecutor : self.executor
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
        release(stream)
        defer { budgetChanged() }
        switch result {
        case .success(let response):
            guard response.message.count <= router.configuration.maxSendMessageSize else {
                respond(stream, error: RPCError(.resourceExhausted,
                    "response message of \(response.message.count) bytes exceeds the server's send limit"))
                return
            }
            if let route = stream.route {
                let known = responseEstimates[route.fullName] ?? 0
                if response.message.count + 5 > known { responseEstimates[route.fullName] = response.message.count + 5 }
            }
            // The estimate can be wrong (a method whose responses grow with the request): a
            // response that would take the queue past twice the budget and one more largest
            // response is not queued for a peer that is not reading.
            let queued = session?.outboundPendingBytes ?? 0
            if queued > 0, queued + response.message.count > 2 * budget + router.configuration.maxSendMessageSize {
                respond(stream, error: RPCError(.resourceExhausted,
                    "the client is not reading its responses: \(queued) bytes are already waiting on this connection"))
                return
            }
            stream.responded = true
            stream.deadlineTimer?.cancel()
            var headers = [(":status", "200"), ("content-type", GRPCProtocol.contentType)]
            headers.append(contentsOf: response.headers.wirePairs)
            var trailers = [("grpc-status", "0")]
            trailers.append(contentsOf: response.trailers.wirePairs)
            if !stream.requestEnded { stream.resetAfterResponse = .noError }
            submitted(session?.submitResponse(streamID: streamID, headers: headers,
                                              body: GRPCProtocol.frame(response.message), trailers: trailers), stream)
            observeEnd(stream, .ok)
            scheduleFlush()
        case .failure(let error):
            respond(stream, error: error)
        }
    }

    private func startStreamingCall(
        _ stream: ServerStream, route: ServerRouter.Route,
        handler: @escaping @Sendable (RequestMessages, ResponseWriter, ServerContext) async throws -> Void
    ) {
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let eventLoop = self.eventLoop
        let id = stream.id
        let (messages, continuation) = RequestMessages.make { count in
            eventLoop.execute { loopBound.value.requestConsumed(streamID: id, count: count) }
        }
        stream.messages = continuation
        stream.responded = true
        submitted(session?.submitResponse(streamID: stream.id, headers: [(":status", "200"), ("content-type", GRPCProtocol.contentType)],
                                          body: [], finished: false), stream)
        let writer = ResponseWriter { message in
            await withCheckedContinuation { (written: CheckedContinuation<Void, Never>) in
                eventLoop.execute { loopBound.value.appendStreamMessage(streamID: id, message: message, written: written) }
            }
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

    /// Queues a streaming reply; the writer resumes now, or once the peer has read enough
    /// (or the stream is gone).
    private func appendStreamMessage(streamID: Int32, message: [UInt8], written: CheckedContinuation<Void, Never>) {
        guard let stream = streams[streamID], let session else {
            written.resume()
            return
        }
        session.appendBody(streamID: streamID, bytes: GRPCProtocol.frame(message))
        scheduleFlush()
        if writerMustWait(stream) {
            stream.writeWaiters.append(written)
            waitingWriters += 1
        } else {
            written.resume()
        }
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
        case .decompressedTooLarge(let limit):
            RPCError(.resourceExhausted, "the request message decompresses to more than the limit of \(limit) bytes")
        case .corrupt(let detail):
            RPCError(.internalError, "cannot decompress the request message: \(detail)")
        }
    }

    // MARK: Answers

    /// A Trailers-Only answer: one HEADERS frame with the status, ending the stream.
    private func respond(_ stream: ServerStream, error: RPCError, reset: HTTP2ErrorCode = .noError) {
        guard !stream.responded else { return }
        stream.responded = true
        observeEnd(stream, error.code)
        release(stream)
        stream.deadlineTimer?.cancel()
        stream.task?.cancel()
        var headers = [(":status", "200"), ("content-type", GRPCProtocol.contentType)]
        headers.append(contentsOf: GRPCProtocol.statusFields(error))
        if !stream.requestEnded || reset != .noError { stream.resetAfterResponse = reset }
        submitted(session?.submitResponse(streamID: stream.id, headers: headers, body: nil), stream)
        scheduleFlush()
    }

    /// Logs an answer nghttp2 refused; the session has reset the stream (INTERNAL_ERROR), and
    /// `sessionStreamClosed` ends the call.
    private func submitted(_ error: HTTP2SessionError?, _ stream: ServerStream) {
        guard let error else { return }
        sessionStreamFailed(streamID: stream.id, error: error)
    }

    /// A plain HTTP answer for requests that are not gRPC at all.
    private func respondHTTP(_ stream: ServerStream, status: Int, text: String) {
        stream.responded = true
        if !stream.requestEnded { stream.resetAfterResponse = .noError }
        submitted(session?.submitResponse(streamID: stream.id,
                                          headers: [(":status", String(status)), ("content-type", "text/plain; charset=utf-8")],
                                          body: Array(text.utf8)), stream)
        scheduleFlush()
    }

    // MARK: Lifecycle

    /// A connection that has not completed TLS and sent its preface and SETTINGS in time is
    /// closed: otherwise silent sockets would hold file descriptors for the idle timeout.
    private func armHandshakeTimer() {
        guard handshakeTimer == nil else { return }
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let timeout = router.configuration.handshakeTimeout
        handshakeTimer = eventLoop.scheduleTask(in: .nanoseconds(timeout.nanosecondsClamped)) {
            let handler = loopBound.value
            guard handler.handshakeTimer != nil else { return }
            handler.handshakeTimer = nil
            handler.logger.debug("closing a connection that did not complete its handshake in time")
            handler.context?.close(promise: nil)
        }
    }

    private func armIdleTimer() {
        idleTimer?.cancel()
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let timeout = router.configuration.idleTimeout
        idleTimer = eventLoop.scheduleTask(in: .nanoseconds(timeout.nanosecondsClamped)) {
            let handler = loopBound.value
            guard handler.streams.isEmpty else { return }
            handler.logger.debug("closing idle connection")
            if handler.session?.submitGoAway() == false {
                handler.logger.warning("cannot submit GOAWAY to an idle connection; closing it without")
            }
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
        if session?.submitShutdownNotice() == false {
            logger.warning("cannot submit the shutdown notice (GOAWAY); in-flight calls still finish")
        }
        flush()
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.scheduleTask(in: .milliseconds(100)) {
            let handler = loopBound.value
            if handler.session?.submitGoAway() == false {
                handler.logger.warning("cannot submit GOAWAY; in-flight calls still finish")
            }
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
        handshakeTimer?.cancel()
        handshakeTimer = nil
        for stream in streams.values {
            stream.deadlineTimer?.cancel()
            observeEnd(stream, .cancelled)
            stream.task?.cancel()
            stream.messages?.finish(throwing: RPCError(.unavailable, "connection closed"))
            resumeWriters(of: stream)
        }
        streams.removeAll()
        admissionQueue.removeAll()
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
