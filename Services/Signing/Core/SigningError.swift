/// A failed signing-service operation: a status code and a message for people that names the
/// field or record at fault. Messages never contain passphrases or key material.
public struct SigningError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        case invalidArgument
        case notFound
        case alreadyExists
        case failedPrecondition
        /// Wrong role, not the signer, no valid delegation, or a wrong passphrase.
        case permissionDenied
        /// Too many wrong passphrases: the signer is locked out for a while.
        case resourceExhausted
        /// Overloaded: the key-derivation queue is full or the call could not finish before its
        /// deadline. Nothing happened; retry after `retryAfterMillis` with the same request id.
        case unavailable
        case internalError
    }

    public var code: Code
    public var message: String
    /// For RESOURCE_EXHAUSTED: when the lockout ends (Unix milliseconds).
    public var retryAfterUnixMillis: Int64?
    /// For UNAVAILABLE (overload): how long to wait before retrying, in milliseconds.
    public var retryAfterMillis: Int64?
    /// The request field at fault (proto field path), sent as the `surat-field` trailer.
    public var field: String?

    public init(_ code: Code, _ message: String, retryAfterUnixMillis: Int64? = nil, retryAfterMillis: Int64? = nil) {
        self.code = code
        self.message = message
        self.retryAfterUnixMillis = retryAfterUnixMillis
        self.retryAfterMillis = retryAfterMillis
    }

    public var description: String { "\(code): \(message)" }

    static func invalid(_ field: String, _ problem: String) -> SigningError {
        var error = SigningError(.invalidArgument, "\(field): \(problem)")
        error.field = field
        return error
    }
}

/// The person on whose behalf a call is made, as the gateway passes it
/// (`surat-actor-id`, `surat-actor-role`, `surat-actor-name`).
public struct SigningCaller: Sendable, Hashable {
    public var actorId: String
    public var actorRole: String
    public var actorName: String

    public init(actorId: String, actorRole: String, actorName: String = "") {
        self.actorId = actorId
        self.actorRole = actorRole
        self.actorName = actorName
    }
}
