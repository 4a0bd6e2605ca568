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
        case internalError
    }

    package var kind: Kind
    package var message: String

    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    package static func invalidArgument(_ field: String, _ problem: String) -> RegistryError {
        RegistryError(.invalidArgument, "\(field): \(problem)")
    }
    package static func notFound(_ what: String) -> RegistryError { RegistryError(.notFound, what) }
    package static func failedPrecondition(_ what: String) -> RegistryError { RegistryError(.failedPrecondition, what) }

    package var description: String { "\(kind): \(message)" }
}
