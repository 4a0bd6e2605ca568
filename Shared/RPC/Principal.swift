/// Who is calling, as established by the server's `Authenticator`.
public struct Principal: Sendable, Hashable {
    /// The authenticated party, e.g. `service:gateway` or a user id.
    public var subject: String
    public var roles: Set<String>
    /// Further facts about the caller, e.g. `actor.id`, `actor.role`, `actor.name`.
    public var attributes: [String: String]

    public init(subject: String, roles: Set<String> = [], attributes: [String: String] = [:]) {
        self.subject = subject
        self.roles = roles
        self.attributes = attributes
    }
}

/// Turns request metadata into a `Principal`, or throws an `RPCError` (UNAUTHENTICATED when
/// credentials are missing or invalid, PERMISSION_DENIED when they are valid but not enough).
/// The server consults it before every call except the standard health and reflection services.
public protocol Authenticator: Sendable {
    func authenticate(method: String, metadata: Metadata) async throws -> Principal
}
