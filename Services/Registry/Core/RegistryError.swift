/// The one error type of the registry core. The server maps `kind` one-to-one onto gRPC status
/// codes; `message` always names the offending field when there is one.
package struct RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable {
        case invalidArgument
        case notFound
        case alreadyExists
        case failedPrecondition
        case permissionDenied
        case unauthenticated
        case unavailable
        case resourceExhausted
        case internalError
    }

    package var kind: Kind
    package var message: String
    /// The request field at fault (proto field path), sent as the `surat-field` trailer.
    package var field: String?

    package init(_ kind: Kind, _ message: String, field: String? = nil) {
        self.kind = kind
        self.message = message
        self.field = field
    }

    package static func invalidArgument(_ field: String, _ problem: String) -> RegistryError {
        RegistryError(.invalidArgument, "\(field): \(problem)", field: field)
    }
    package static func notFound(_ what: String) -> RegistryError { RegistryError(.notFound, what) }
    package static func failedPrecondition(_ what: String) -> RegistryError { RegistryError(.failedPrecondition, what) }

    package var description: String { "\(kind): \(message)" }
}
