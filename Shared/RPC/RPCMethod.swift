/// A typed unary method, declared once next to its message types and used by both the server
/// (to register a handler) and the client (to call it), so the two can never disagree on the
/// path or the message types.
public struct RPCMethod<Request: Codable & Sendable, Response: Codable & Sendable>: Sendable, Hashable {
    /// Fully qualified service name, e.g. `surat.drafting.v1.Drafting`.
    public let service: String
    /// Method name as in the `.proto`, e.g. `CreateDraft`.
    public let name: String

    public init(service: String, name: String) {
        self.service = service
        self.name = name
    }

    /// The HTTP/2 `:path`, e.g. `/surat.drafting.v1.Drafting/CreateDraft`.
    public var path: String { "/\(service)/\(name)" }
    /// `service/name`, the form used in logs and `ServerContext.method`.
    public var fullName: String { "\(service)/\(name)" }
}
