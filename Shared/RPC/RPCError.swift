/// The one error type that crosses the wire: a gRPC status code, a message for humans, and
/// optional trailing metadata. Handlers throw it (or a domain error that converts itself);
/// clients receive it.
public struct RPCError: Error, Sendable, CustomStringConvertible {
    /// A gRPC status code (https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let ok = Code(rawValue: 0)
        public static let cancelled = Code(rawValue: 1)
        public static let unknown = Code(rawValue: 2)
        public static let invalidArgument = Code(rawValue: 3)
        public static let deadlineExceeded = Code(rawValue: 4)
        public static let notFound = Code(rawValue: 5)
        public static let alreadyExists = Code(rawValue: 6)
        public static let permissionDenied = Code(rawValue: 7)
        public static let resourceExhausted = Code(rawValue: 8)
        public static let failedPrecondition = Code(rawValue: 9)
        public static let aborted = Code(rawValue: 10)
        public static let outOfRange = Code(rawValue: 11)
        public static let unimplemented = Code(rawValue: 12)
        public static let internalError = Code(rawValue: 13)
        public static let unavailable = Code(rawValue: 14)
        public static let dataLoss = Code(rawValue: 15)
        public static let unauthenticated = Code(rawValue: 16)

        public static let allCases: [Code] = (0...16).map { Code(rawValue: $0) }

        static let names = [
            "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
            "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
            "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
            "UNAUTHENTICATED",
        ]

        /// The canonical upper-case name, e.g. `FAILED_PRECONDITION`.
        public var description: String {
            Code.names.indices.contains(rawValue) ? Code.names[rawValue] : "CODE_\(rawValue)"
        }
    }

    public var code: Code
    public var message: String
    /// Sent as trailers next to `grpc-status`/`grpc-message`.
    public var metadata: Metadata
    /// Kept for logs on the side that created the error; never sent.
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, metadata: Metadata = [:], cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.metadata = metadata
        self.cause = cause
    }

    public var description: String { message.isEmpty ? "\(code)" : "\(code): \(message)" }
}

/// A domain error that knows which gRPC status it is (a letter not yet approved is
/// `failedPrecondition`, say). The server converts such errors when a handler throws them.
public protocol RPCErrorConvertible: Error {
    var rpcError: RPCError { get }
}

extension RPCError {
    /// What goes on the wire for any error a handler throws. Errors that are neither `RPCError`
    /// nor `RPCErrorConvertible` become UNKNOWN with a generic message: internals never leak.
    static func from(handlerError error: any Error) -> RPCError {
        if let error = error as? RPCError { return error }
        if let convertible = error as? any RPCErrorConvertible { return convertible.rpcError }
        if error is CancellationError { return RPCError(.cancelled, "call cancelled") }
        return RPCError(.unknown, "internal error while handling the call", cause: error)
    }
}
