import RPC

extension InvalidFieldError: RPCErrorConvertible {
    /// INVALID_ARGUMENT with `field: problem` as the message and the field path in the
    /// `surat-field` trailer, so programs can point at the field without parsing text.
    public var rpcError: RPCError {
        RPCError(.invalidArgument, description, metadata: ["surat-field": field])
    }
}
