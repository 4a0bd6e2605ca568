import CNghttp2
import NIOCore

// The only place in the project that touches C or unsafe pointers. `HTTP2Session` owns one
// nghttp2 session (client or server side), turns nghttp2's callbacks into calls on a Swift
// delegate with safe values, and keeps the outbound bodies its data providers read from.
// It is confined to one event loop: nghttp2 sessions are not thread-safe.

/// What the session reports while it parses input; called synchronously from inside
/// `receive(_:)`. Delegates may submit frames from these calls but must not call `send`.
protocol HTTP2SessionDelegate: AnyObject {
    func sessionBeginHeaders(streamID: Int32)
    /// One header field of a HEADERS block. Return false to reset the stream
    /// (the delegate has already submitted what it wants the peer to see).
    func sessionHeader(streamID: Int32, name: String, value: String) -> Bool
    /// A regular header field nghttp2 found invalid (a control character such as a newline in
    /// its value, say); it is not passed to `sessionHeader`. Return false to reset the stream.
    func sessionInvalidHeader(streamID: Int32, name: String, value: String) -> Bool
    /// The peer's first SETTINGS frame arrived: the HTTP/2 handshake is complete.
    func sessionPeerSettingsReceived()
    /// A HEADERS block ended; `endStream` when it also ended the peer's side of the stream.
    func sessionHeadersComplete(streamID: Int32, endStream: Bool)
    func sessionData(streamID: Int32, bytes: [UInt8])
    /// A DATA frame carried END_STREAM.
    func sessionDataEndStream(streamID: Int32)
    /// The stream is closed; `errorCode` is 0 (NO_ERROR) or the HTTP/2 reset code.
    func sessionStreamClosed(streamID: Int32, errorCode: UInt32)
    func sessionGoAway(lastStreamID: Int32, errorCode: UInt32)
    /// A HEADERS or DATA frame of ours went out; `endStream` when it ended our side.
    func sessionFrameSent(streamID: Int32, endStream: Bool)
    /// A frame of this stream could not be submitted or sent (headers or trailers too large to
    /// send, say); the session has reset the stream with INTERNAL_ERROR, so the call ends
    /// (`sessionStreamClosed` follows) instead of waiting for its deadline.
    func sessionStreamFailed(streamID: Int32, error: HTTP2SessionError)
}

/// HTTP/2 error codes used when resetting streams.
struct HTTP2ErrorCode: RawRepresentable, Hashable {
    var rawValue: UInt32
    static let noError = HTTP2ErrorCode(rawValue: NGHTTP2_NO_ERROR.rawValue)
    static let internalError = HTTP2ErrorCode(rawValue: NGHTTP2_INTERNAL_ERROR.rawValue)
    static let refusedStream = HTTP2ErrorCode(rawValue: NGHTTP2_REFUSED_STREAM.rawValue)
    static let cancel = HTTP2ErrorCode(rawValue: NGHTTP2_CANCEL.rawValue)
}

/// An nghttp2 error code: fatal for the connection where a session operation throws it, for one
/// stream where it is reported through `sessionStreamFailed`.
struct HTTP2SessionError: Error, CustomStringConvertible {
    var code: Int32
    /// What failed, e.g. "submit trailers".
    var operation = ""
    var description: String {
        (operation.isEmpty ? "" : operation + ": ") + "nghttp2: " + String(cString: nghttp2_strerror(code))
    }
}

final class HTTP2Session {
    enum Role { case client, server }

    struct Settings {
        var maxConcurrentStreams: Int = 256
        var initialWindowSize: Int = 1 << 20
        var maxHeaderListSize: Int = 16 << 10
        var streamResetBurst: Int = 1000
        var streamResetRatePerSecond: Int = 33
        var emptyFrameBurst: Int = 1000
        var emptyFrameRatePerSecond: Int = 100
        /// The owner acknowledges received DATA itself (`consume`), so it can hold back
        /// WINDOW_UPDATEs and with them the peer's input while it is over its budget.
        var manualFlowControl = false
    }

    /// Counts events that cost the server work but do not advance any call; once the burst is
    /// spent faster than the rate refills it, the peer is flooding.
    private struct TokenBucket {
        let burst: Double
        let rate: Double
        var tokens: Double
        var refilled = ContinuousClock.now

        init(burst: Int, ratePerSecond: Int) {
            self.burst = Double(max(1, burst))
            self.rate = Double(max(0, ratePerSecond))
            self.tokens = self.burst
        }

        /// Takes one token; false when none is left.
        mutating func take() -> Bool {
            if tokens < 1 {
                let now = ContinuousClock.now
                let elapsed = refilled.duration(to: now)
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                tokens = min(burst, tokens + seconds * rate)
                refilled = now
                if tokens < 1 { return false }
            }
            tokens -= 1
            return true
        }
    }

    /// A body being sent on a stream: bytes not yet handed to nghttp2, whether more will come,
    /// and the trailers to send at its end (nil: the body ends the stream).
    private struct OutboundBody {
        var bytes: [UInt8] = []
        var offset = 0
        var finished = false
        var trailers: [(String, String)]?
        var deferred = false
    }

    private var session: OpaquePointer?
    /// Scratch space for header blocks (see `withHeaderBlock`).
    private var headerBytes: [UInt8] = []
    private var headerRanges: [(Int, Int, Int, Int)] = []
    private var headerFields: [nghttp2_nv] = []
    private var outbound: [Int32: OutboundBody] = [:]
    /// Body bytes submitted but not yet taken by nghttp2 (e.g. a peer whose flow-control
    /// window is closed because it stopped reading).
    private(set) var outboundPendingBytes = 0
    unowned(unsafe) var delegate: (any HTTP2SessionDelegate)?
    /// Resets this side sends (nghttp2 only limits the ones it receives).
    private var sentResets: TokenBucket
    /// Empty DATA frames and unearned WINDOW_UPDATEs received.
    private var emptyFrames: TokenBucket
    /// WINDOW_UPDATEs the peer has earned by receiving our DATA frames (two each: stream and
    /// connection window), so a reading peer never pays for them.
    private var windowUpdateAllowance = 0
    private var peerSettingsSeen = false
    /// RST_STREAM and GOAWAY frames written so far (for metrics).
    private(set) var resetsSent = 0
    private(set) var goAwaysSent = 0
    /// Why the session was terminated for a flood (GOAWAY(ENHANCE_YOUR_CALM) is queued).
    private(set) var calmDownReason: String?
    /// Flood accounting is for servers: a client's resets are its own cancellations.
    private let guardsAgainstFloods: Bool

    init(role: Role, settings: Settings) throws {
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else {
            throw HTTP2SessionError(code: NGHTTP2_ERR_NOMEM.rawValue)
        }
        defer { nghttp2_session_callbacks_del(callbacks) }
        Self.install(callbacks)
        guardsAgainstFloods = role == .server
        sentResets = TokenBucket(burst: settings.streamResetBurst, ratePerSecond: settings.streamResetRatePerSecond)
        emptyFrames = TokenBucket(burst: settings.emptyFrameBurst, ratePerSecond: settings.emptyFrameRatePerSecond)

        var option: OpaquePointer?
        guard nghttp2_option_new(&option) == 0, let option else {
            throw HTTP2SessionError(code: NGHTTP2_ERR_NOMEM.rawValue)
        }
        defer { nghttp2_option_del(option) }
        nghttp2_option_set_stream_reset_rate_limit(
            option, UInt64(settings.streamResetBurst), UInt64(settings.streamResetRatePerSecond))
        // Unary gRPC has no use for server push or unbounded reserved streams.
        nghttp2_option_set_max_reserved_remote_streams(option, 0)
        // A value with leading or trailing whitespace (`authorization: Bearer `) would make
        // nghttp2 reset the stream, and the client would see INTERNAL "stream removed"; let such
        // values through so the server can answer with a status that says what is wrong.
        // Pseudo-headers are still checked strictly.
        nghttp2_option_set_no_rfc9113_leading_and_trailing_ws_validation(option, 1)
        if settings.manualFlowControl { nghttp2_option_set_no_auto_window_update(option, 1) }

        var created: OpaquePointer?
        let userData = Unmanaged.passUnretained(self).toOpaque()
        let result = switch role {
        case .server: nghttp2_session_server_new2(&created, callbacks, userData, option)
        case .client: nghttp2_session_client_new2(&created, callbacks, userData, option)
        }
        guard result == 0, let created else { throw HTTP2SessionError(code: result) }
        session = created

        var entries = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue),
                                   value: UInt32(settings.maxConcurrentStreams)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue),
                                   value: UInt32(settings.initialWindowSize)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue),
                                   value: UInt32(settings.maxHeaderListSize)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue), value: 0),
        ]
        let submitted = nghttp2_submit_settings(created, UInt8(NGHTTP2_FLAG_NONE.rawValue), &entries, entries.count)
        guard submitted == 0 else { throw HTTP2SessionError(code: submitted) }
        // A larger connection window than the 64 KiB default, so many concurrent streams flow.
        let widened = nghttp2_session_set_local_window_size(created, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0,
                                                            Int32(settings.initialWindowSize * 16))
        guard widened == 0 else { throw HTTP2SessionError(code: widened, operation: "set the connection window") }
    }

    deinit {
        if let session { nghttp2_session_del(session) }
    }

    // MARK: Input and output

    /// Feeds bytes read from the socket; delegate calls happen during this call.
    func receive(_ buffer: ByteBuffer) throws {
        guard let session else { return }
        let result = buffer.withUnsafeReadableBytes { bytes in
            nghttp2_session_mem_recv(session, bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count)
        }
        if result < 0 { throw HTTP2SessionError(code: Int32(truncatingIfNeeded: result)) }
    }

    /// Moves the frames nghttp2 has ready (up to about `limit` bytes) into `buffer`; throws on a
    /// fatal session error.
    func send(into buffer: inout ByteBuffer, limit: Int = .max) throws {
        guard let session else { return }
        var written = 0
        while written < limit {
            var data: UnsafePointer<UInt8>?
            let count = nghttp2_session_mem_send(session, &data)
            if count < 0 { throw HTTP2SessionError(code: Int32(truncatingIfNeeded: count)) }
            if count == 0 { break }
            buffer.writeBytes(UnsafeRawBufferPointer(start: data, count: count))
            written += count
        }
    }

    /// False once the session has nothing more to read or write (after GOAWAY both ways).
    var isAlive: Bool {
        guard let session else { return false }
        return nghttp2_session_want_read(session) != 0 || nghttp2_session_want_write(session) != 0
    }

    var wantsWrite: Bool {
        guard let session else { return false }
        return nghttp2_session_want_write(session) != 0
    }

    /// Whether the peer has ended its side of the stream (or the stream is gone).
    func isRemoteClosed(_ streamID: Int32) -> Bool {
        guard let session else { return true }
        return nghttp2_session_get_stream_remote_close(session, streamID) != 0
    }

    /// Acknowledges `count` received DATA bytes of a stream (open or closed): the peer may
    /// send that much more. Only with `manualFlowControl`. Throws only fatal errors (out of
    /// memory); the connection cannot continue then.
    func consume(streamID: Int32, count: Int) throws {
        guard let session, count > 0 else { return }
        let result = nghttp2_session_consume(session, streamID, count)
        if result != 0, nghttp2_is_fatal(result) != 0 {
            throw HTTP2SessionError(code: result, operation: "acknowledge received DATA")
        }
    }

    /// Body bytes of one stream submitted but not yet taken by nghttp2.
    func pendingBytes(streamID: Int32) -> Int {
        guard let body = outbound[streamID] else { return 0 }
        return body.bytes.count - body.offset
    }

    /// GOAWAY(ENHANCE_YOUR_CALM) for a peer that floods; the session then stops, and the
    /// connection closes once the GOAWAY is written.
    private func calmDown(_ reason: String) {
        guard let session, guardsAgainstFloods, calmDownReason == nil else { return }
        calmDownReason = reason
        nghttp2_session_terminate_session(session, NGHTTP2_ENHANCE_YOUR_CALM.rawValue)
    }

    // MARK: Submitting frames

    /// Response or request headers, optionally followed by a body. With `body == nil` the
    /// HEADERS frame ends the stream (a Trailers-Only gRPC response, or an HTTP error). When
    /// nghttp2 refuses it, the stream is reset with INTERNAL_ERROR and the error returned.
    @discardableResult
    func submitResponse(streamID: Int32, headers: [(String, String)], body: [UInt8]?,
                        finished: Bool = true, trailers: [(String, String)]? = nil) -> HTTP2SessionError? {
        guard let session else { return HTTP2SessionError(code: NGHTTP2_ERR_INVALID_STATE.rawValue, operation: "submit a response") }
        let result: Int32
        if let body {
            outbound[streamID] = OutboundBody(bytes: body, finished: finished, trailers: trailers)
            outboundPendingBytes += body.count
            var provider = Self.dataProvider
            result = withHeaderBlock(headers) { nva, count in
                nghttp2_submit_response(session, streamID, nva, count, &provider)
            }
        } else {
            result = withHeaderBlock(headers) { nva, count in
                nghttp2_submit_response(session, streamID, nva, count, nil)
            }
        }
        guard result == 0 else {
            dropOutbound(streamID)
            resetStream(streamID, code: .internalError)
            return HTTP2SessionError(code: result, operation: "submit a response")
        }
        return nil
    }

    /// A client request: headers and a complete body that ends the stream. Returns the new
    /// stream's id, or nil when the session cannot open more streams.
    func submitRequest(headers: [(String, String)], body: [UInt8]) -> Int32? {
        guard let session else { return nil }
        var provider = Self.dataProvider
        let streamID = withHeaderBlock(headers) { nva, count in
            nghttp2_submit_request(session, nil, nva, count, &provider, nil)
        }
        guard streamID > 0 else { return nil }
        outbound[streamID] = OutboundBody(bytes: body, finished: true, trailers: nil)
        outboundPendingBytes += body.count
        return streamID
    }

    /// Appends bytes to a stream's streaming body (its response was submitted unfinished).
    func appendBody(streamID: Int32, bytes: [UInt8]) {
        guard outbound[streamID] != nil else { return }
        outbound[streamID]?.bytes.append(contentsOf: bytes)
        outboundPendingBytes += bytes.count
        resumeIfDeferred(streamID)
    }

    /// Marks a streaming body complete; `trailers` follow it.
    func finishBody(streamID: Int32, trailers: [(String, String)]?) {
        guard outbound[streamID] != nil else { return }
        outbound[streamID]?.finished = true
        outbound[streamID]?.trailers = trailers
        resumeIfDeferred(streamID)
    }

    private func dropOutbound(_ streamID: Int32) {
        guard let body = outbound.removeValue(forKey: streamID) else { return }
        outboundPendingBytes -= body.bytes.count - body.offset
    }

    private func resumeIfDeferred(_ streamID: Int32) {
        guard let session, outbound[streamID]?.deferred == true else { return }
        outbound[streamID]?.deferred = false
        // Fails only when the stream is gone or has no DATA pending: nothing left to resume.
        if nghttp2_session_resume_data(session, streamID) != 0 { dropOutbound(streamID) }
    }

    /// RST_STREAM; returns false when nghttp2 refused it (out of memory, or a stream id it does
    /// not know: the stream is already closed), which leaves nothing else to do for the stream.
    @discardableResult
    func resetStream(_ streamID: Int32, code: HTTP2ErrorCode) -> Bool {
        guard let session else { return false }
        return nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, code.rawValue) == 0
    }

    /// The first step of a graceful shutdown: tells the client to open no new streams. False when
    /// nghttp2 refused (it already sent GOAWAY, or is out of memory): the caller closes instead.
    @discardableResult
    func submitShutdownNotice() -> Bool {
        guard let session else { return false }
        return nghttp2_submit_shutdown_notice(session) == 0
    }

    /// GOAWAY with the last stream this side processed; after it, no new streams are accepted.
    /// False when nghttp2 refused (out of memory): the caller closes the connection instead.
    @discardableResult
    func submitGoAway(code: HTTP2ErrorCode = .noError) -> Bool {
        guard let session else { return false }
        let last = nghttp2_session_get_last_proc_stream_id(session)
        return nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), last, code.rawValue, nil, 0) == 0
    }

    /// Lays out every name and value in one buffer and hands nghttp2 an `nghttp2_nv` array
    /// pointing into it; nghttp2 copies them during the submit call. The buffers belong to the
    /// session and are reused, so a call's header blocks cost no allocation once warmed up.
    private func withHeaderBlock<R>(_ headers: [(String, String)],
                                    _ body: (UnsafePointer<nghttp2_nv>, Int) -> R) -> R {
        headerBytes.removeAll(keepingCapacity: true)
        headerRanges.removeAll(keepingCapacity: true)
        for (name, value) in headers {
            let nameStart = headerBytes.count
            headerBytes.append(contentsOf: name.utf8)
            let valueStart = headerBytes.count
            headerBytes.append(contentsOf: value.utf8)
            headerRanges.append((nameStart, valueStart - nameStart, valueStart, headerBytes.count - valueStart))
        }
        if headerBytes.isEmpty { headerBytes.append(0) }
        let empty = nghttp2_nv(name: nil, value: nil, namelen: 0, valuelen: 0, flags: 0)
        if headerFields.count < headerRanges.count {
            headerFields.append(contentsOf: repeatElement(empty, count: headerRanges.count - headerFields.count))
        }
        return headerBytes.withUnsafeMutableBufferPointer { bytes in
            let base = bytes.baseAddress!
            return headerFields.withUnsafeMutableBufferPointer { fields in
                for (index, range) in headerRanges.enumerated() {
                    fields[index] = nghttp2_nv(name: base + range.0, value: base + range.2, namelen: range.1,
                                               valuelen: range.3, flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
                }
                return body(UnsafePointer(fields.baseAddress!), headerRanges.count)
            }
        }
    }

    // MARK: Callbacks

    private static func from(_ userData: UnsafeMutableRawPointer?) -> HTTP2Session {
        Unmanaged<HTTP2Session>.fromOpaque(userData!).takeUnretainedValue()
    }

    private static let dataProvider = nghttp2_data_provider(
        source: nghttp2_data_source(ptr: nil),
        read_callback: { _, streamID, buffer, length, flags, _, userData in
            let session = HTTP2Session.from(userData)
            return session.readBody(streamID: streamID, into: buffer!, length: length, flags: flags!)
        })

    /// Copies the next part of a stream's body into nghttp2's buffer. At the end: trailers
    /// (EOF + NO_END_STREAM + submit_trailer) or END_STREAM; with nothing ready yet: DEFERRED.
    private func readBody(streamID: Int32, into buffer: UnsafeMutablePointer<UInt8>, length: Int,
                          flags: UnsafeMutablePointer<UInt32>) -> Int {
        guard var body = outbound[streamID] else {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            return 0
        }
        let available = body.bytes.count - body.offset
        let count = min(available, length)
        if count > 0 {
            body.bytes.withUnsafeBufferPointer { source in
                buffer.update(from: source.baseAddress! + body.offset, count: count)
            }
            body.offset += count
            outboundPendingBytes -= count
        }
        if body.offset == body.bytes.count {
            if body.finished {
                flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
                if let trailers = body.trailers, let session {
                    let submitted = withHeaderBlock(trailers) { nva, count in
                        nghttp2_submit_trailer(session, streamID, nva, count)
                    }
                    guard submitted == 0 else {
                        // Without its trailers the answer has no status: nghttp2 resets the
                        // stream (INTERNAL_ERROR) when this callback fails.
                        outbound[streamID] = nil
                        outboundPendingBytes -= body.bytes.count - body.offset
                        delegate?.sessionStreamFailed(
                            streamID: streamID, error: HTTP2SessionError(code: submitted, operation: "submit trailers"))
                        return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue)
                    }
                    flags.pointee |= NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
                }
                outbound[streamID] = nil
                return count
            }
            // Reclaim what was sent so a long stream does not grow without bound.
            body.bytes.removeAll(keepingCapacity: true)
            body.offset = 0
            if count == 0 {
                body.deferred = true
                outbound[streamID] = body
                return Int(NGHTTP2_ERR_DEFERRED.rawValue)
            }
        }
        outbound[streamID] = body
        return count
    }

    private static func install(_ callbacks: OpaquePointer) {
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks) { _, frame, userData in
            guard let frame, frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue) else { return 0 }
            HTTP2Session.from(userData).delegate?.sessionBeginHeaders(streamID: frame.pointee.hd.stream_id)
            return 0
        }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) { _, frame, name, nameLength, value, valueLength, _, userData in
            guard let frame, let name, let value else { return 0 }
            let session = HTTP2Session.from(userData)
            let nameString = String(decoding: UnsafeBufferPointer(start: name, count: nameLength), as: UTF8.self)
            let valueString = String(decoding: UnsafeBufferPointer(start: value, count: valueLength), as: UTF8.self)
            let keep = session.delegate?.sessionHeader(
                streamID: frame.pointee.hd.stream_id, name: nameString, value: valueString) ?? true
            return keep ? 0 : NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue
        }
        nghttp2_session_callbacks_set_on_invalid_header_callback(callbacks) { _, frame, name, nameLength, value, valueLength, _, userData in
            guard let frame, let name, let value else { return 0 }
            let session = HTTP2Session.from(userData)
            let nameString = String(decoding: UnsafeBufferPointer(start: name, count: nameLength), as: UTF8.self)
            let valueString = String(decoding: UnsafeBufferPointer(start: value, count: valueLength), as: UTF8.self)
            let keep = session.delegate?.sessionInvalidHeader(
                streamID: frame.pointee.hd.stream_id, name: nameString, value: valueString) ?? true
            return keep ? 0 : NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, streamID, data, length, userData in
            guard let data else { return 0 }
            let bytes = Array(UnsafeBufferPointer(start: data, count: length))
            HTTP2Session.from(userData).delegate?.sessionData(streamID: streamID, bytes: bytes)
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, userData in
            guard let frame else { return 0 }
            let session = HTTP2Session.from(userData)
            let header = frame.pointee.hd
            let endStream = header.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
            switch UInt32(header.type) {
            case NGHTTP2_HEADERS.rawValue:
                session.delegate?.sessionHeadersComplete(streamID: header.stream_id, endStream: endStream)
            case NGHTTP2_DATA.rawValue where endStream:
                session.delegate?.sessionDataEndStream(streamID: header.stream_id)
            case NGHTTP2_DATA.rawValue:
                // Padding counts as no payload: an empty or padding-only DATA frame moves no call.
                if header.length <= frame.pointee.data.padlen, !session.emptyFrames.take() {
                    session.calmDown("empty DATA flood")
                }
            case NGHTTP2_WINDOW_UPDATE.rawValue:
                if session.windowUpdateAllowance > 0 {
                    session.windowUpdateAllowance -= 1
                } else if !session.emptyFrames.take() {
                    session.calmDown("WINDOW_UPDATE flood")
                }
            case NGHTTP2_SETTINGS.rawValue where header.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) == 0:
                if !session.peerSettingsSeen {
                    session.peerSettingsSeen = true
                    session.delegate?.sessionPeerSettingsReceived()
                }
            case NGHTTP2_GOAWAY.rawValue:
                session.delegate?.sessionGoAway(lastStreamID: frame.pointee.goaway.last_stream_id,
                                                errorCode: frame.pointee.goaway.error_code)
            default:
                break
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks) { _, frame, userData in
            guard let frame else { return 0 }
            let header = frame.pointee.hd
            let type = UInt32(header.type)
            let session = HTTP2Session.from(userData)
            if type == NGHTTP2_GOAWAY.rawValue {
                session.goAwaysSent += 1
                return 0
            }
            if type == NGHTTP2_RST_STREAM.rawValue {
                session.resetsSent += 1
                // Every reset this side sends was caused by the peer (an invalid frame, a header
                // we refuse, an answer before its request ended): counted like the resets it sends.
                if !session.sentResets.take() { session.calmDown("server-side reset flood") }
                return 0
            }
            guard type == NGHTTP2_HEADERS.rawValue || type == NGHTTP2_DATA.rawValue else { return 0 }
            if type == NGHTTP2_DATA.rawValue {
                session.windowUpdateAllowance = min(session.windowUpdateAllowance + 2, 1 << 20)
            }
            session.delegate?.sessionFrameSent(
                streamID: header.stream_id, endStream: header.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0)
            return 0
        }
        // A HEADERS frame (response headers, trailers, a request) nghttp2 could not send, e.g.
        // a header block over its 64 KiB send limit. For a request nghttp2 closes the stream
        // itself; an answer would otherwise hang half-sent until the client's deadline.
        nghttp2_session_callbacks_set_on_frame_not_send_callback(callbacks) { _, frame, errorCode, userData in
            // Only HEADERS: other frames (an RST_STREAM after the session began to close, say)
            // are not sent because the stream or the session is going away anyway, and
            // answering them with another RST_STREAM would fail the same way, again and again.
            guard let frame, frame.pointee.hd.stream_id > 0, frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue)
            else { return 0 }
            switch errorCode {
            case NGHTTP2_ERR_SESSION_CLOSING.rawValue, NGHTTP2_ERR_STREAM_CLOSED.rawValue,
                 NGHTTP2_ERR_STREAM_CLOSING.rawValue, NGHTTP2_ERR_STREAM_SHUT_WR.rawValue:
                return 0
            default:
                break
            }
            let session = HTTP2Session.from(userData)
            let streamID = frame.pointee.hd.stream_id
            if frame.pointee.headers.cat != NGHTTP2_HCAT_REQUEST {
                session.dropOutbound(streamID)
                session.resetStream(streamID, code: .internalError)
            }
            session.delegate?.sessionStreamFailed(
                streamID: streamID, error: HTTP2SessionError(code: errorCode, operation: "send a frame"))
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, streamID, errorCode, userData in
            let session = HTTP2Session.from(userData)
            session.dropOutbound(streamID)
            session.delegate?.sessionStreamClosed(streamID: streamID, errorCode: errorCode)
            return 0
        }
    }
}
