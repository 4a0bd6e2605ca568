/// The one error the wire format throws, for bad input bytes and for Swift types it cannot map.
///
/// `description` reads like "wrongWireType at Letter.addressees(7)[2].name(1): expected
/// length-delimited (2), got varint (0) (offset 41)" so a log line alone says what and where.
public struct WireError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as a stable name that tests and callers can switch on.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Input ended inside a varint, a fixed-width value or a tag.
        public static let truncated = Code("truncated")
        /// A varint longer than 10 bytes or overflowing 64 bits.
        public static let malformedVarint = Code("malformedVarint")
        /// A length-delimited field claims more bytes than the enclosing message has.
        public static let lengthOutOfBounds = Code("lengthOutOfBounds")
        /// The wire type on the wire does not fit the Swift type of the field.
        public static let wrongWireType = Code("wrongWireType")
        /// A `string` field holds bytes that are not UTF-8.
        public static let invalidUTF8 = Code("invalidUTF8")
        /// Messages nested deeper than `ProtobufDecoder.maxDepth` (or 100 when encoding).
        public static let depthLimitExceeded = Code("depthLimitExceeded")
        /// Input or one length-delimited field is larger than `ProtobufDecoder.maxLength`.
        public static let sizeLimitExceeded = Code("sizeLimitExceeded")
        /// Field number 0, above 2^29-1, or a wire type that does not exist.
        public static let invalidTag = Code("invalidTag")
        /// Groups (wire types 3 and 4, deprecated since proto2) are not supported.
        public static let groupsUnsupported = Code("groupsUnsupported")
        /// Well-formed bytes whose value does not fit: unknown enum number, bad UUID or
        /// timestamp, an integer out of range for a narrow Swift type.
        public static let invalidValue = Code("invalidValue")
        /// A Swift type or shape that has no protobuf mapping (found while encoding or decoding).
        public static let unsupportedType = Code("unsupportedType")
    }

    public var code: Code
    /// Human-readable detail.
    public var message: String
    /// The Swift type being encoded or decoded when the error happened (innermost message).
    public var typeName: String
    /// Field path from the top-level message, e.g. `addressees(7)[2].name(1)`: property name,
    /// field number in parentheses, element index in brackets. Empty at the top level.
    public var fieldPath: String
    /// Byte offset in the input, when decoding.
    public var offset: Int?

    public init(code: Code, message: String, typeName: String, fieldPath: String, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.typeName = typeName
        self.fieldPath = fieldPath
        self.offset = offset
    }

    public var description: String {
        var text = "\(code) at \(typeName)"
        if !fieldPath.isEmpty { text += " field \(fieldPath)" }
        text += ": \(message)"
        if let offset { text += " (offset \(offset))" }
        return text
    }
}

extension WireError {
    /// Renders a coding path as `name(number)[index].name(number)`.
    static func describe(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if key is ElementIndexKey, let index = key.intValue {
                text += "[\(index)]"
                continue
            }
            if !text.isEmpty { text += "." }
            text += key.stringValue
            if let number = key.intValue, "\(number)" != key.stringValue { text += "(\(number))" }
        }
        return text
    }
}

/// Coding key for an element of a repeated field (shown as `[index]` in paths).
struct ElementIndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

/// Coding keys of a map entry message (`key = 1`, `value = 2`).
enum MapEntryKey: Int, CodingKey {
    case key = 1
    case value = 2
}
