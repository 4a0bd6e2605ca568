import NIOCore

/// The request messages of a streaming call, boxed: the stream's continuation type is resilient
/// (its layout is known only at run time), and inside `ServerStream.State` it would make every
/// copy of the state on every call go through runtime value witnesses.
final class RequestMessageSink {
    let continuation: RequestMessages.Stream.Continuation

    init(_ continuation: RequestMessages.Stream.Continuation) {
        self.continuation = continuation
    }
}

/// One inbound stream (one call) on a server connection. Confined to the connection's loop.
/// Where the call stands is `state`, changed only through the transitions below. Payloads are of
/// fixed layout (no resilient standard-library types), so the state costs nothing to copy.
final class ServerStream {
    /// Where one call stands.
    enum State {
        /// The request's HEADERS block is arriving.
        case receivingHeaders
        /// The header list went over the limit: nghttp2 resets the stream; the rest is ignored.
        case rejected
        /// The headers are accepted; the unary request message is arriving.
        case receivingMessage
        /// The request is complete and waits for the connection's reply budget (`admissionQueue`).
        case waitingForAdmission(message: [UInt8])
        /// The unary handler runs, holding `reservedBytes` of the reply budget; `observedSince`
        /// is when the server's observer was told it started (nil without an observer).
        case running(Task<Void, Never>, reservedBytes: Int, observedSince: NIODeadline?)
        /// A streaming handler runs: the response headers are out; request messages go to
        /// `messages` until the request ends (then nil).
        case streaming(Task<Void, Never>, messages: RequestMessageSink?)
        /// The answer is submitted; reset the stream with `resetAfterSend` once its last frame
        /// is out, unless the client has ended its side by then.
        case answered(resetAfterSend: HTTP2ErrorCode?)
        /// The stream is closed (reset, or both sides ended).
        case closed
    }

    /// What a call held when it left a state that holds something (see `answer` and `close`).
    struct Held {
        /// The call was a running unary call (it counts in `runningUnaryCalls`).
        var wasRunning = false
        var task: Task<Void, Never>?
        var reservedBytes = 0
        var observedSince: NIODeadline?
        var messages: RequestMessageSink?
    }

    let id: Int32
    private(set) var state = State.receivingHeaders
    /// The request's pseudo-headers and gRPC headers, as they arrive.
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
    /// Request DATA not yet taken as whole messages.
    var body: [UInt8] = []
    var route: ServerRouter.Route?
    var deadlineTimer: Scheduled<Void>?
    var deadline: ContinuousClock.Instant?
    /// Request messages handed to a streaming handler that it has not taken yet.
    var queuedRequestBytes = 0
    /// A streaming handler waiting in `ResponseWriter.send` for its replies to be read.
    var writeWaiters: [CheckedContinuation<Void, Never>] = []
    /// Where a counted unary call's figures go (`TrafficShard.slot(for:)`); -1 before it starts.
    var trafficSlot = -1

    init(id: Int32) { self.id = id }

    // MARK: Questions

    var isReceivingHeaders: Bool {
        if case .receivingHeaders = state { true } else { false }
    }

    /// Request DATA still matters: the request message is arriving, or a streaming handler
    /// takes messages.
    var takesRequestData: Bool {
        switch state {
        case .receivingHeaders, .receivingMessage: true
        case .streaming(_, let messages): messages != nil
        case .rejected, .waitingForAdmission, .running, .answered, .closed: false
        }
    }

    /// Neither answered nor closed: an answer may still be sent.
    var awaitsAnswer: Bool {
        switch state {
        case .receivingHeaders, .receivingMessage, .waitingForAdmission, .running: true
        case .rejected, .streaming, .answered, .closed: false
        }
    }

    var isRunningUnary: Bool {
        if case .running = state { true } else { false }
    }

    var isStreaming: Bool {
        if case .streaming = state { true } else { false }
    }

    var isRejected: Bool {
        if case .rejected = state { true } else { false }
    }

    /// The continuation of a streaming call's request messages while the request goes on.
    var requestMessages: RequestMessages.Stream.Continuation? {
        if case .streaming(_, let messages) = state { messages?.continuation } else { nil }
    }

    /// The request message of a call waiting for admission.
    var admissionMessage: [UInt8]? {
        if case .waitingForAdmission(let message) = state { message } else { nil }
    }

    // MARK: Transitions

    /// receivingHeaders → rejected.
    func reject() {
        guard case .receivingHeaders = state else { return }
        state = .rejected
    }

    /// receivingHeaders → receivingMessage, once the HEADERS block is complete.
    func headersComplete() {
        guard case .receivingHeaders = state else { return }
        state = .receivingMessage
    }

    /// receivingMessage → waitingForAdmission.
    func waitForAdmission(_ message: [UInt8]) {
        guard case .receivingMessage = state else { return }
        state = .waitingForAdmission(message: message)
    }

    /// receivingMessage or waitingForAdmission → running.
    func run(_ task: Task<Void, Never>, reservedBytes: Int, observedSince: NIODeadline?) {
        switch state {
        case .receivingMessage, .waitingForAdmission:
            state = .running(task, reservedBytes: reservedBytes, observedSince: observedSince)
        default:
            preconditionFailure("stream \(id): a unary handler started in state \(state)")
        }
    }

    /// receivingMessage (right after the headers) → streaming.
    func stream(_ task: Task<Void, Never>, messages: RequestMessages.Stream.Continuation) {
        guard case .receivingMessage = state else {
            preconditionFailure("stream \(id): a streaming handler started in state \(state)")
        }
        state = .streaming(task, messages: RequestMessageSink(messages))
    }

    /// The request of a streaming call ended: returns its message continuation to finish.
    func endRequestMessages() -> RequestMessages.Stream.Continuation? {
        guard case .streaming(let task, let messages) = state else { return nil }
        state = .streaming(task, messages: nil)
        return messages?.continuation
    }

    /// Any state but closed → answered. Returns what the call held, for the connection to
    /// release (budget), report (observer) and stop (task, messages).
    @discardableResult
    func answer(resetAfterSend: HTTP2ErrorCode?) -> Held {
        let held = self.held
        if case .closed = state { return held }
        state = .answered(resetAfterSend: resetAfterSend)
        return held
    }

    /// answered(reset) → answered(nil): the reset to send now that the answer is out.
    func takeResetAfterSend() -> HTTP2ErrorCode? {
        guard case .answered(let code?) = state else { return nil }
        state = .answered(resetAfterSend: nil)
        return code
    }

    /// Any state → closed. Returns what the call held (see `answer`).
    func close() -> Held {
        let held = self.held
        state = .closed
        return held
    }

    private var held: Held {
        switch state {
        case .running(let task, let reservedBytes, let observedSince):
            Held(wasRunning: true, task: task, reservedBytes: reservedBytes, observedSince: observedSince)
        case .streaming(let task, let messages):
            Held(task: task, messages: messages)
        case .receivingHeaders, .rejected, .receivingMessage, .waitingForAdmission, .answered, .closed:
            Held()
        }
    }
}
