import RegistryCore
import RPC

extension RegistryError: RPCErrorConvertible {
    package var rpcError: RPCError {
        let code: RPCError.Code = switch kind {
        case .invalidArgument: .invalidArgument
        case .notFound: .notFound
        case .alreadyExists: .alreadyExists
        case .failedPrecondition: .failedPrecondition
        case .permissionDenied: .permissionDenied
        case .unauthenticated: .unauthenticated
        case .unavailable: .unavailable
        case .resourceExhausted: .resourceExhausted
        case .internalError: .internalError
        }
        return RPCError(code, message, metadata: field.map { ["surat-field": $0] } ?? [:])
    }
}
