import Logging
import NIOCore

/// Owns one server-side nghttp2 session on one channel: reads bytes into it, dispatches calls
/// as Swift tasks (preferring this loop as their executor, so a handler that does not block
/// costs no thread hop), and writes whatever nghttp2 produces. Confined to the channel's loop.
/// The rest is in extensions: `+Unary` (unary calls), `+Streaming` (streaming calls),
/// `+Budget` (the reply budget), `+Lifecycle` (timers, shutdown); per-call state is
/// `ServerStream`, what connections share is `ServerRouter`.
final class ServerConnectionHandler: ChannelDuplexHandler, HTTP2SessionDelegate {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let router: ServerRouter
    let eventLoop: any EventLoop
    let executor: EventLoopTaskExecutor
    var session: HTTP2Session?
    var context: ChannelHandlerContext?
    var streams: [Int32: ServerStream] = [:]
    /// Calls whose request is complete but which wait to start because too many response bytes
    /// are already waiting for this peer to read them.
    var admissionQueue: [Int32] = []
    private var flushScheduled = false
    private var readPending = false
    var idleTimer: Scheduled<Void>?
    var handshakeTimer: Scheduled<Void>?
    var draining = false
    /// The reply budget (`maxPendingOutboundBytesPerConnection`) and what counts against it
    /// besides the session's queued response bytes.
    let budget: Int
    var reservedBytes = 0
    var runningUnaryCalls = 0
    var queuedRequestBytes = 0
    /// The largest framed response seen per method on this connection: what a new call of
    /// that method reserves. A method not seen yet reserves a quarter of the budget (or the
    /// largest response, when smaller): calls arriving together cannot all start before any of
    /// them showed its size, yet a few slow calls of a new method do not hold up the rest.
    var responseEstimates: [String: Int] = [:]
    /// Request DATA not acknowledged yet (no WINDOW_UPDATE) because the connection was over
    /// its budget: the peer cannot send more until the replies are read.
    var unacknowledged: [Int32: Int] = [:]
    var waitingWriters = 0
    /// How many reply bytes one streaming call may have queued before its writer waits.
    let streamQueueLimit: Int
    var peer = ""
    var logger: Logger
    private var routeLoggers: [String: Logger] = [:]
    /// This loop's share of the server's traffic counts (nil: nothing is counted), and what
    /// this connection counted since it last handed its figures over (at call boundaries).
    let traffic: TrafficShard?
    var pendingTraffic = ConnectionTraffic()
    /// Per route (`Route.index`): its slot in `traffic`, -1 until its first call here.
    var trafficSlots: [Int]
    private var reportedResets = 0
    private var reportedGoAways = 0

    init(router: ServerRouter, eventLoop: any EventLoop) {
        self.router = router
        self.eventLoop = eventLoop
        self.executor = EventLoopTaskExecutor(eventLoop)
        self.logger = router.logger
        self.traffic = router.configuration.observer?.traffic.shard(for: eventLoop)
        self.trafficSlots = Array(repeating: -1, count: traffic == nil ? 0 : router.routes.count)
        self.budget = router.configuration.maxPendingOutboundBytesPerConnection
        self.streamQueueLimit = min(1 << 20, max(1, router.configuration.maxPendingOutboundBytesPerConnection))
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        traffic?.connectionOpened()
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
        traffic?.connectionClosed(&pendingTraffic)
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
        pendingTraffic.bytesReceived += bytes.readableBytes
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

    func flush() {
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
        if let traffic { reportControlFrames(session, to: traffic) }
        if buffer.readableBytes > 0 {
            pendingTraffic.bytesSent += buffer.readableBytes
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            if session.wantsWrite, context.channel.isWritable { scheduleFlush() }
        }
        budgetChanged()
        if !session.isAlive {
            context.close(promise: nil)
        }
    }

    /// Reports a unary call's outcome (answered, refused, or abandoned by its client); `since`
    /// is when it was reported started (nil: it never was, or nothing is counted).
    func observeEnd(_ stream: ServerStream, since: NIODeadline?, _ code: RPCError.Code) {
        guard let traffic, let since, stream.trafficSlot >= 0 else { return }
        let elapsed = NIODeadline.now().uptimeNanoseconds &- since.uptimeNanoseconds
        traffic.callFinished(slot: stream.trafficSlot, code: code, duration: .nanoseconds(Int64(truncatingIfNeeded: elapsed)),
                             &pendingTraffic)
    }

    /// Reports the RST_STREAM and GOAWAY frames nghttp2 wrote since the last flush.
    /// They are rare, and handed over at once (a peer that is cut off makes no more calls).
    private func reportControlFrames(_ session: HTTP2Session, to traffic: TrafficShard) {
        let resets = session.resetsSent - reportedResets
        let goAways = session.goAwaysSent - reportedGoAways
        guard resets > 0 || goAways > 0 else { return }
        reportedResets = session.resetsSent
        reportedGoAways = session.goAwaysSent
        pendingTraffic.streamResetsSent += resets
        pendingTraffic.goAwaysSent += goAways
        traffic.fold(&pendingTraffic)
    }

    /// Coalesces flushes requested by completing calls into one write per loop tick.
    func scheduleFlush() {
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
        guard stream.isReceivingHeaders else { return true }  // trailers from a client: nothing in them for us
        stream.headerBytes += name.utf8.count + value.utf8.count + 32
        if stream.headerBytes > router.configuration.maxHeaderListSize {
            stream.reject()
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
        guard let stream = streams[streamID], !stream.isRejected else { return }
        if stream.isReceivingHeaders {
            stream.headersComplete()
            startStream(stream)
        }
        if endStream { requestEnded(stream) }
    }

    func sessionData(streamID: Int32, bytes: [UInt8]) {
        acknowledge(streamID: streamID, count: bytes.count)
        guard let stream = streams[streamID], stream.takesRequestData else { return }
        if stream.body.isEmpty { stream.body = bytes } else { stream.body.append(contentsOf: bytes) }
        if let continuation = stream.requestMessages {
            takeStreamingMessages(stream, continuation)
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
        // A call still running when its stream closes was abandoned: the client reset it (or
        // the connection went away). Stop its handler and free what it held.
        let held = stream.close()
        observeEnd(stream, since: held.observedSince, .cancelled)
        held.task?.cancel()
        held.messages?.continuation.finish(throwing: RPCError(.cancelled, "the client cancelled the call"))
        let heldBudget = held.wasRunning || stream.queuedRequestBytes > 0 || !stream.writeWaiters.isEmpty
        release(held)
        queuedRequestBytes -= stream.queuedRequestBytes
        stream.queuedRequestBytes = 0
        resumeWriters(of: stream)
        if streams.isEmpty {
            if draining { flush() } else { armIdleTimer() }
        }
        // Budget it held is free now: let the next flush use it.
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
        guard endStream, let stream = streams[streamID], let code = stream.takeResetAfterSend() else { return }
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
        if stream.isStreaming {
            guard let continuation = stream.endRequestMessages() else { return }
            if stream.body.isEmpty {
                continuation.finish()
            } else {
                continuation.finish(throwing: RPCError(.internalError, "the request ended inside a message"))
            }
            return
        }
        unaryRequestEnded(stream)
    }

    func deadlineExpired(streamID: Int32) {
        guard let stream = streams[streamID] else { return }
        let error = RPCError(.deadlineExceeded, "the call's deadline passed")
        if stream.isStreaming {
            let held = stream.answer(resetAfterSend: .cancel)
            held.task?.cancel()
            held.messages?.continuation.finish(throwing: error)
            session?.finishBody(streamID: streamID, trailers: GRPCProtocol.statusFields(error))
            scheduleFlush()
        } else if stream.awaitsAnswer {
            respond(stream, error: error, reset: .cancel)
        }
    }

    func makeContext(_ stream: ServerStream, route: ServerRouter.Route) -> ServerContext {
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

    func deframeError(_ error: GRPCProtocol.DeframeError) -> RPCError {
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

    /// A Trailers-Only answer: one HEADERS frame with the status, ending the stream. Stops the
    /// handler if one runs and frees what the call held.
    func respond(_ stream: ServerStream, error: RPCError, reset: HTTP2ErrorCode = .noError) {
        guard stream.awaitsAnswer else { return }
        let held = stream.answer(resetAfterSend: reset)
        observeEnd(stream, since: held.observedSince, error.code)
        release(held)
        held.task?.cancel()
        stream.deadlineTimer?.cancel()
        var headers = [(":status", "200"), ("content-type", GRPCProtocol.contentType)]
        headers.append(contentsOf: GRPCProtocol.statusFields(error))
        submitted(session?.submitResponse(streamID: stream.id, headers: headers, body: nil), stream)
        scheduleFlush()
    }

    /// Logs an answer nghttp2 refused; the session has reset the stream (INTERNAL_ERROR), and
    /// `sessionStreamClosed` ends the call.
    func submitted(_ error: HTTP2SessionError?, _ stream: ServerStream) {
        guard let error else { return }
        sessionStreamFailed(streamID: stream.id, error: error)
    }

    /// A plain HTTP answer for requests that are not gRPC at all.
    private func respondHTTP(_ stream: ServerStream, status: Int, text: String) {
        stream.answer(resetAfterSend: .noError)
        submitted(session?.submitResponse(streamID: stream.id,
                                          headers: [(":status", String(status)), ("content-type", "text/plain; charset=utf-8")],
                                          body: Array(text.utf8)), stream)
        scheduleFlush()
    }
}
