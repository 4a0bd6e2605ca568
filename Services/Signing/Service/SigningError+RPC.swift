import RPC

extension SigningError: RPCErrorConvertible {
    public var rpcError: RPCError {
        var metadata = Metadata()
        if let retryAfterUnixMillis {
            metadata.add("retry-after-unix-millis", String(retryAfterUnixMillis))
        }
        if let retryAfterMillis {
            metadata.add("retry-after-ms", String(max(1, retryAfterMillis)))
        }
        if let field { metadata.add("surat-field", field) }
        return RPCError(rpcCode, message, metadata: metadata)
    }

    var rpcCode: RPCError.Code {
        switch code {
        case .invalidArgument: .invalidArgument
        case .notFound: .notFound
        case .alreadyExists: .alreadyExists
        case .failedPrecondition: .failedPrecondition
        case .permissionDenied: .permissionDenied
        case .resourceExhausted: .resourceExhausted
        case .unavailable: .unavailable
        case .internalError: .internalError
        }
    }
}
