import Foundation

/// Decodes protobuf (proto3) wire bytes into a `Codable` message struct.
///
/// Absent fields take their proto3 default (0, "", false, empty, the 0 enum case, an empty
/// message), unknown fields are skipped, the last of repeated singular values wins and repeated
/// occurrences of a message field merge. Malformed or hostile input throws `WireError`; it never
/// traps and its cost is linear in the input size.
public struct ProtobufDecoder: Sendable {
    /// Deepest nesting of messages accepted.
    public var maxDepth: Int = 100
    /// Largest input, and largest single length-delimited field, accepted (bytes; never more
    /// than 4 GiB whatever this says).
    public var maxLength: Int = 64 << 20

    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        guard bytes.count <= maxLength, bytes.count <= Int(UInt32.max) else {
            throw WireError(code: .sizeLimitExceeded, message: "input is \(bytes.count) bytes, over the limit of \(maxLength)",
                            typeName: String(reflecting: T.self), fieldPath: "")
        }
        let state = DecodingState(bytes: bytes, maxDepth: maxDepth, maxLength: maxLength, rootType: T.self)
        guard case .other(let oneofs) = WireKind.of(T.self) else {
            throw state.error(.unsupportedType, "the top-level value must be a message (a struct with Int CodingKeys), not \(T.self)")
        }
        state.oneofs = oneofs
        do {
            return try T(from: state)
        } catch let decodingError as DecodingError {
            throw state.convert(decodingError)
        }
    }

    public func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        try decode(T.self, from: Array(bytes))
    }

    public func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try decode(T.self, from: [UInt8](data))
    }
}
