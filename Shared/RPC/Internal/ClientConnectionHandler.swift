import NIOConcurrencyHelpers
import NIOCore
import NIOTLS

/// What a finished client call yields.
struct ClientCallResult: Sendable {
    var message: [UInt8]
    var headers: Metadata
    var trailers: Metadata
}

/// A call handed to a connection but not started on its loop yet.
struct PendingCall: Sendable {
    let id: UInt64
    let path: String
    let metadata: Metadata
    let timeout: Duration?
    let body: [UInt8]
    let maxReceiveSize: Int
    let promise: EventLoopPromise<ClientCallResult>
}

/// The calls callers queued for a connection, and whether a loop wake-up to start them is on its way.
struct PendingStarts: Sendable {
    var calls: [PendingCall] = []
    var wakeScheduled = false
    var lastID: UInt64 = 0
}

/// One outbound call on a client connection. Confined to the connection's loop.
private final class ClientCall {
    let id: UInt64
    let promise: EventLoopPromise<ClientCallResult>
    let maxReceiveSize: Int
    var streamID: Int32 = 0
    var httpStatus: Int?
    var contentType: String?
    var status: Int?
    var message: String?
    var headers = Metadata()
    var trailers = Metadata()
    var sawHeaders = false
    var body: [UInt8] = []
    var tooLarge = false
    var deadlineTimer: Scheduled<Void>?
    var finished = false

    init(id: UInt64, promise: EventLoopPromise<ClientCallResult>, maxReceiveSize: Int) {
        self.id = id
        self.promise = promise
        self.maxReceiveSize = maxReceiveSize
    }
}

/// Owns one client-side nghttp2 session: starts calls as streams, collects their responses,
/// and fails every open call with UNAVAILABLE when the connection goes away.
final class ClientConnectionHandler: ChannelDuplexHandler, HTTP2SessionDelegate {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let eventLoop: any EventLoop
    private let authority: String
    private let scheme: String
    private var session: HTTP2Session?
    private var context: ChannelHandlerContext?
    private var calls: [Int32: ClientCall] = [:]
    private var callsByID: [UInt64: ClientCall] = [:]
    private var cancelledBeforeStart: Set<UInt64> = []
    /// Ids are given out in order, so an unknown id at or below this one belongs to a call that
    /// already finished (a late cancellation), not to one still waiting to start.
    private var lastStartedID: UInt64 = 0
    private var flushScheduled = false
    private var closed = false
    /// Why the connection stopped carrying calls; later calls fail with it instead of a bare "closing".
    private var closeReason: RPCError?
    /// Whether the server has sent anything yet: a TLS record first means a plaintext/TLS mismatch.
    private var receivedAny = false
    /// Set once the server sent GOAWAY: no new calls go on this connection.
    private(set) var goingAway = false
    let onGoAway: @Sendable () -> Void

    /// Whether this client offers a certificate (mutual TLS): decides how a connection the server
    /// drops right after the handshake is explained.
    private let presentsClientCertificate: Bool

    /// Whether the TLS handshake finished (TLS connections only).
    private var handshakeCompleted = false
    /// Told the first reason the connection stopped carrying calls, so that a caller that finds the
    /// connection already gone (the handler removed) still learns why.
    private let onFailure: @Sendable (RPCError) -> Void

    init(eventLoop: any EventLoop, authority: String, tls: Bool, presentsClientCertificate: Bool = false,
         onGoAway: @escaping @Sendable () -> Void, onFailure: @escaping @Sendable (RPCError) -> Void = { _ in }) {
        self.eventLoop = eventLoop
        self.authority = authority
        self.scheme = tls ? "https" : "http"
        self.presentsClientCertificate = presentsClientCertificate
        self.onGoAway = onGoAway
        self.onFailure = onFailure
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { handshakeCompleted = true }
        context.fireUserInboundEventTriggered(event)
    }

    var isUsable: Bool { !closed && !goingAway }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        do {
            let session = try HTTP2Session(role: .client, settings: .init())
            session.delegate = self
            self.session = session
        } catch {
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failAll(RPCError(.unavailable, "connection to \(authority) closed"))
        session?.delegate = nil
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        flush()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(droppedAfterHandshake() ?? RPCError(.unavailable, "connection to \(authority) closed"))
        context.fireChannelInactive()
    }

    /// A TLS server that refuses the client's certificate (or its absence) sends an alert after the
    /// client has finished its TLS 1.3 handshake and closes. When the client's own bytes are still
    /// unread there, the server's kernel answers with a reset, which can discard that alert before it is
    /// read: the client sees only a reset or an unclean shutdown. A TLS server that says nothing at all
    /// (not even its HTTP/2 SETTINGS) before dropping the connection is read the same way.
    private func droppedAfterHandshake() -> RPCError? {
        guard scheme == "https", handshakeCompleted, !receivedAny, closeReason == nil else { return nil }
        let failure = presentsClientCertificate
            ? ConnectionFailure(.clientCertificateRejected,
                "\(authority) closed the TLS connection right after the handshake: it most likely refused this "
                + "client's certificate (not signed by the CA it trusts, expired, or not usable for clientAuth)")
            : ConnectionFailure(.clientCertificateRequired,
                "\(authority) closed the TLS connection right after the handshake: it most likely requires a client "
                + "certificate (mutual TLS) and this client sent none")
        return RPCError(.unavailable, failure.description, cause: failure)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        if !receivedAny {
            receivedAny = true
            if scheme == "http", ConnectionFailure.looksLikeTLSRecord(bytes.readableBytesView) {
                let failure = ConnectionFailure(.serverExpectsTLS,
                    "\(authority) expects TLS, but this client connected in plaintext")
                failAll(RPCError(.unavailable, failure.description, cause: failure))
                context.close(promise: nil)
                return
            }
        }
        do {
            try session?.receive(bytes)
        } catch {
            failAll(RPCError(.unavailable, "HTTP/2 error on the connection to \(authority): \(error)"))
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { flush() }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let failure = ConnectionFailure.classify(tlsError: error, authority: authority) {
            failAll(RPCError(.unavailable, failure.description, cause: failure))
        } else if let dropped = droppedAfterHandshake() {
            failAll(dropped)
        } else {
            failAll(RPCError(.unavailable, "connection to \(authority) failed: \(error)", cause: error))
        }
        context.close(promise: nil)
    }

    // MARK: Calls

    /// Starts every queued call, then writes them out together.
    func startPendingCalls(_ starts: NIOLockedValueBox<PendingStarts>) {
        let calls = starts.withLockedValue { pending in
            defer {
                pending.calls.removeAll(keepingCapacity: true)
                pending.wakeScheduled = false
            }
            return pending.calls
        }
        for call in calls {
            startCall(id: call.id, path: call.path, metadata: call.metadata, timeout: call.timeout, body: call.body,
                      maxReceiveSize: call.maxReceiveSize, promise: call.promise)
        }
    }

    func startCall(id: UInt64, path: String, metadata: Metadata, timeout: Duration?, body: [UInt8],
                   maxReceiveSize: Int, promise: EventLoopPromise<ClientCallResult>) {
        lastStartedID = max(lastStartedID, id)
        if cancelledBeforeStart.remove(id) != nil {
            promise.fail(RPCError(.cancelled, "call cancelled"))
            return
        }
        guard isUsable, let session else {
            promise.fail(closeReason ?? RPCError(.unavailable, "connection to \(authority) is closing"))
            return
        }
        var headers = [(":method", "POST"), (":scheme", scheme), (":path", path), (":authority", authority),
                       ("content-type", GRPCProtocol.contentType), ("te", "trailers"),
                       ("user-agent", "surat-rpc-swift")]
        if let timeout { headers.append(("grpc-timeout", GRPCProtocol.formatTimeout(timeout))) }
        headers.append(contentsOf: metadata.wirePairs)
        guard let streamID = session.submitRequest(headers: headers, body: body) else {
            promise.fail(RPCError(.unavailable, "cannot open a stream to \(authority)"))
            return
        }
        let call = ClientCall(id: id, promise: promise, maxReceiveSize: maxReceiveSize)
        call.streamID = streamID
        calls[streamID] = call
        callsByID[id] = call
        if let timeout {
            let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
            call.deadlineTimer = eventLoop.scheduleTask(in: .nanoseconds(timeout.nanosecondsClamped)) {
                loopBound.value.abandon(id: id, error: RPCError(.deadlineExceeded, "deadline of \(timeout.roundedMilliseconds) exceeded"))
            }
        }
        scheduleFlush()
    }

    /// Cancels a call (task cancellation or deadline): RST_STREAM(CANCEL) and the call fails now.
    func abandon(id: UInt64, error: RPCError) {
        guard let call = callsByID[id] else {
            if error.code == .cancelled, id > lastStartedID { cancelledBeforeStart.insert(id) }
            return
        }
        session?.resetStream(call.streamID, code: .cancel)
        finish(call, .failure(error))
        scheduleFlush()
    }

    private func finish(_ call: ClientCall, _ result: Result<ClientCallResult, RPCError>) {
        guard !call.finished else { return }
        call.finished = true
        call.deadlineTimer?.cancel()
        calls[call.streamID] = nil
        callsByID[call.id] = nil
        switch result {
        case .success(let value): call.promise.succeed(value)
        case .failure(let error): call.promise.fail(error)
        }
    }

    private func failAll(_ error: RPCError) {
        closed = true
        if closeReason == nil {
            closeReason = error
            onFailure(error)
        }
        for call in Array(calls.values) { finish(call, .failure(error)) }
    }

    // MARK: Writing

    private func flush() {
        guard let context, let session, context.channel.isWritable else { return }
        var buffer = context.channel.allocator.buffer(capacity: 0)
        do {
            try session.send(into: &buffer, limit: 1 << 20)
        } catch {
            failAll(RPCError(.unavailable, "HTTP/2 error on the connection to \(authority): \(error)"))
            context.close(promise: nil)
            return
        }
        if buffer.readableBytes > 0 {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            if session.wantsWrite { scheduleFlush() }
        }
        if !session.isAlive { context.close(promise: nil) }
    }

    private func scheduleFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        eventLoop.execute { [loopBound = NIOLoopBound(self, eventLoop: eventLoop)] in
            loopBound.value.flushScheduled = false
            loopBound.value.flush()
        }
    }

    // MARK: Session events

    func sessionBeginHeaders(streamID: Int32) {}

    func sessionHeader(streamID: Int32, name: String, value: String) -> Bool {
        guard let call = calls[streamID] else { return true }
        switch name {
        case ":status": call.httpStatus = Int(value)
        case "content-type": call.contentType = value
        case "grpc-status": call.status = Int(value)
        case "grpc-message": call.message = GRPCProtocol.percentDecode(value)
        default:
            if !Metadata.isReserved(name) {
                if call.sawHeaders {
                    _ = call.trailers.appendWire(name: name, value: value)
                } else {
                    _ = call.headers.appendWire(name: name, value: value)
                }
            }
        }
        return true
    }

    func sessionHeadersComplete(streamID: Int32, endStream: Bool) {
        calls[streamID]?.sawHeaders = true
    }

    func sessionData(streamID: Int32, bytes: [UInt8]) {
        guard let call = calls[streamID], !call.tooLarge else { return }
        call.body.append(contentsOf: bytes)
        if let length = GRPCProtocol.declaredLength(call.body, at: 0), length > call.maxReceiveSize {
            call.tooLarge = true
            session?.resetStream(streamID, code: .cancel)
            finish(call, .failure(RPCError(.resourceExhausted,
                "response message of \(length) bytes exceeds the client's limit of \(call.maxReceiveSize) bytes")))
            scheduleFlush()
        }
    }

    func sessionDataEndStream(streamID: Int32) {}

    /// An invalid response header is ignored (its call still gets its status from the rest).
    func sessionInvalidHeader(streamID: Int32, name: String, value: String) -> Bool { true }

    func sessionPeerSettingsReceived() {}

    func sessionFrameSent(streamID: Int32, endStream: Bool) {}

    /// The request's stream is closed by nghttp2 (or reset) right after; the call fails then.
    func sessionStreamFailed(streamID: Int32, error: HTTP2SessionError) {}

    func sessionStreamClosed(streamID: Int32, errorCode: UInt32) {
        guard let call = calls[streamID] else { return }
        finish(call, Self.outcome(of: call, resetCode: errorCode))
    }

    func sessionGoAway(lastStreamID: Int32, errorCode: UInt32) {
        goingAway = true
        onGoAway()
        // Streams the server will not process fail as UNAVAILABLE: safe to retry elsewhere.
        for call in Array(calls.values) where call.streamID > lastStreamID {
            finish(call, .failure(RPCError(.unavailable, "the server is shutting down (GOAWAY)")))
        }
    }

    /// Maps what arrived on a closed stream to the call's result, per the gRPC HTTP/2 protocol.
    private static func outcome(of call: ClientCall, resetCode: UInt32) -> Result<ClientCallResult, RPCError> {
        guard let status = call.status else {
            if let httpStatus = call.httpStatus, httpStatus != 200 {
                return .failure(RPCError(GRPCProtocol.code(forHTTPStatus: httpStatus),
                                         "the server answered HTTP \(httpStatus)"))
            }
            if resetCode == HTTP2ErrorCode.refusedStream.rawValue {
                return .failure(RPCError(.unavailable, "the server refused the stream"))
            }
            if resetCode == HTTP2ErrorCode.cancel.rawValue {
                return .failure(RPCError(.cancelled, "the server cancelled the call"))
            }
            return .failure(RPCError(.internalError, "the stream ended without a grpc-status (HTTP/2 code \(resetCode))"))
        }
        guard status == 0 else {
            // In a Trailers-Only answer the status and its metadata arrive in the only HEADERS.
            var metadata = call.headers
            for entry in call.trailers { metadata.append(entry) }
            return .failure(RPCError(RPCError.Code(rawValue: status), call.message ?? "", metadata: metadata))
        }
        var body = call.body
        do {
            let messages = try GRPCProtocol.takeMessages(from: &body, maxSize: call.maxReceiveSize)
            guard messages.count == 1, body.isEmpty else {
                return .failure(RPCError(.internalError, "expected one response message, got \(messages.count)"))
            }
            return .success(ClientCallResult(message: messages[0], headers: call.headers, trailers: call.trailers))
        } catch {
            return .failure(RPCError(.internalError, "malformed response message framing"))
        }
    }
}
