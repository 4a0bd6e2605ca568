import Wire

/// A service as the server sees it: its fully qualified name and its methods' handlers.
public struct ServiceDescriptor: Sendable {
    /// Fully qualified service name, e.g. `surat.drafting.v1.Drafting`.
    public let name: String
    var methods: [String: MethodHandler] = [:]
    /// Methods registered to run off the event loop (`HandlerExecution.offEventLoop`).
    var offLoopMethods: Set<String> = []
    /// The Swift request and response types of each unary method, described as protobuf sees
    /// them; the contract test compares them with the descriptors compiled from proto-notes/.
    package private(set) var messageSchemas: [String: MethodSchemas] = [:]

    public init(name: String) {
        self.name = name
    }

    /// Registers a unary handler. The method's service must be this service; `execution` says
    /// whether it may run on the event loop (see `HandlerExecution`).
    public mutating func unary<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        execution: HandlerExecution = .eventLoop,
        _ handler: @escaping @Sendable (Request, ServerContext) async throws -> Response
    ) {
        precondition(method.service == name, "\(method.fullName) registered on service \(name)")
        messageSchemas[method.name] = MethodSchemas(Request.self, Response.self)
        setExecution(execution, of: method.name)
        methods[method.name] = .unary { requestBytes, context in
            let request = try decodeRequest(Request.self, requestBytes)
            return UnaryResult(message: try encodeResponse(try await handler(request, context)))
        }
    }

    /// Registers a unary handler that also sends response metadata: `headers` go out with the
    /// response headers, `trailers` next to `grpc-status`.
    public mutating func unaryWithMetadata<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        execution: HandlerExecution = .eventLoop,
        _ handler: @escaping @Sendable (Request, ServerContext) async throws -> ServerResponse<Response>
    ) {
        precondition(method.service == name, "\(method.fullName) registered on service \(name)")
        messageSchemas[method.name] = MethodSchemas(Request.self, Response.self)
        setExecution(execution, of: method.name)
        methods[method.name] = .unary { requestBytes, context in
            let response = try await handler(try decodeRequest(Request.self, requestBytes), context)
            return UnaryResult(message: try encodeResponse(response.message),
                               headers: response.headers, trailers: response.trailers)
        }
    }

    private mutating func setExecution(_ execution: HandlerExecution, of method: String) {
        switch execution {
        case .eventLoop: offLoopMethods.remove(method)
        case .offEventLoop: offLoopMethods.insert(method)
        }
    }

    /// The names of the registered methods, sorted.
    public var methodNames: [String] { methods.keys.sorted() }

    /// Registers a bidirectional-streaming handler working on raw message bytes; the server
    /// uses it for reflection. Application services are unary.
    mutating func bidirectionalStreaming(
        _ method: String,
        _ handler: @escaping @Sendable (RequestMessages, ResponseWriter, ServerContext) async throws -> Void
    ) {
        methods[method] = .bidirectionalStreaming(handler)
    }
}

/// How to describe a method's message types (worked out only when asked: servers never do).
package struct MethodSchemas: Sendable {
    package let requestName: String
    package let responseName: String
    /// Every message reachable from the request and the response, by Swift name.
    package let describe: @Sendable () throws -> [String: MessageSchema]

    init<Request: Codable & Sendable, Response: Codable & Sendable>(_ request: Request.Type, _ response: Response.Type) {
        requestName = ProtobufSchema.name(of: request)
        responseName = ProtobufSchema.name(of: response)
        describe = {
            try ProtobufSchema.describe(Request.self).merging(try ProtobufSchema.describe(Response.self)) { first, _ in first }
        }
    }
}

/// A unary response with metadata of its own.
public struct ServerResponse<Message: Sendable>: Sendable {
    public var message: Message
    public var headers: Metadata
    public var trailers: Metadata

    public init(_ message: Message, headers: Metadata = [:], trailers: Metadata = [:]) {
        self.message = message
        self.headers = headers
        self.trailers = trailers
    }
}

private func decodeRequest<Request: Decodable>(_ type: Request.Type, _ bytes: [UInt8]) throws -> Request {
    do {
        return try ProtobufDecoder().decode(Request.self, from: bytes)
    } catch let error as WireError {
        // Named as the .proto names things (`open_letter_request.sifat`), never by Swift type,
        // with the field path in the `surat-field` trailer like every other INVALID_ARGUMENT.
        let message = ProtobufSchema.protoName(String(describing: Request.self))
        let field = error.protoFieldPath
        let place = field.isEmpty ? message : "\(message).\(field)"
        throw RPCError(.invalidArgument, "\(place): \(error.message)",
                       metadata: field.isEmpty ? [:] : ["surat-field": field], cause: error)
    } catch {
        throw RPCError(.invalidArgument, "malformed request message: \(error)", cause: error)
    }
}

private func encodeResponse<Response: Encodable>(_ response: Response) throws -> [UInt8] {
    do {
        return try ProtobufEncoder().encode(response)
    } catch {
        throw RPCError(.internalError, "cannot encode the response", cause: error)
    }
}

/// A registered method, type-erased to message bytes.
enum MethodHandler: Sendable {
    case unary(@Sendable ([UInt8], ServerContext) async throws -> UnaryResult)
    case bidirectionalStreaming(@Sendable (RequestMessages, ResponseWriter, ServerContext) async throws -> Void)
}

/// The request messages of a streaming call, as they arrive. Each message taken is reported to
/// the connection (`consumed`), which counts the ones still waiting against its reply budget:
/// a handler that stops taking messages makes its connection stop reading.
struct RequestMessages: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    typealias Stream = AsyncThrowingStream<[UInt8], any Error>

    let stream: Stream
    let consumed: @Sendable (Int) -> Void

    static func make(consumed: @escaping @Sendable (Int) -> Void) -> (RequestMessages, Stream.Continuation) {
        let (stream, continuation) = Stream.makeStream()
        return (RequestMessages(stream: stream, consumed: consumed), continuation)
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Stream.AsyncIterator
        let consumed: @Sendable (Int) -> Void

        mutating func next() async throws -> [UInt8]? {
            let message = try await base.next()
            if let message { consumed(message.count) }
            return message
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), consumed: consumed)
    }
}

/// Sends response messages of a streaming call. `send` returns once the message is queued and
/// the stream's queue is short enough: while the peer does not read, it waits, so the handler
/// stops taking requests too (backpressure from the reader back to the request stream).
struct ResponseWriter: Sendable {
    let send: @Sendable ([UInt8]) async -> Void
}
