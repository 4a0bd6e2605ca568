import Domain
import Foundation

/// Every failure the gateway's own logic reports; the RPC layer maps `kind` to a gRPC status.
public struct GatewayError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case invalidArgument, notFound, alreadyExists, failedPrecondition, permissionDenied, unauthenticated,
            unavailable, aborted, internalError
    }

    public var kind: Kind
    public var message: String
    /// The request field at fault (proto field path), sent as the `surat-field` trailer.
    public var field: String?

    public init(_ kind: Kind, _ message: String, field: String? = nil) {
        self.kind = kind
        self.message = message
        self.field = field
    }

    public var description: String { message }

    public static func invalidArgument(field: String, _ why: String) -> GatewayError {
        GatewayError(.invalidArgument, "\(field): \(why)", field: field)
    }

    public static func notFound(_ what: String) -> GatewayError { GatewayError(.notFound, "\(what) not found") }

    /// A step attempted while the letter is elsewhere in the SOP; names the current step so the caller knows
    /// what the letter is waiting for.
    public static func outOfOrder(letterID: String, state: JourneyState, attempted: String) -> GatewayError {
        let current = state.currentStep.map { "is at \($0.label)" }
            ?? (state == .withdrawn ? "was withdrawn (see its journey's withdrawal)" : "is already completed (step 6 done)")
        return GatewayError(.failedPrecondition, "letter \(letterID) \(current); cannot \(attempted) now")
    }
}
