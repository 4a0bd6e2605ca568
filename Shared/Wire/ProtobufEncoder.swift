/// Encodes a `Codable` message struct as protobuf (proto3) wire bytes.
///
/// Field numbers are the raw values of `enum CodingKeys: Int, CodingKey`. The output is
/// deterministic (ascending field numbers, map entries sorted by key, defaults omitted), so
/// `ProtobufEncoder().encode(message)` serves as the message's canonical bytes for digests.
/// See proto-notes/wire-format.md for the full mapping.
public struct ProtobufEncoder: Sendable {
    public init() {}

    /// Throws `WireError` (code `.unsupportedType`) for Swift shapes with no protobuf mapping,
    /// naming the type and field, and `.invalidValue` for dates outside Timestamp's range.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let state = EncodingState(rootType: T.self)
        try state.encodeRoot(value)
        return state.buffer
    }
}
