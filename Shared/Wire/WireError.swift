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
    public var typeName: String {
        get {
            switch typeStorage {
            case .type(let type): String(reflecting: type)
            case .name(let name): name
            }
        }
        set { typeStorage = .name(newValue) }
    }
    /// Field path from the top-level message, e.g. `addressees(7)[2].name(1)`: property name,
    /// field number in parentheses, element index in brackets. Empty at the top level.
    public var fieldPath: String {
        get {
            switch pathStorage {
            case .components(let components): PathComponent.describe(components)
            case .text(let text): text
            }
        }
        set { pathStorage = .text(newValue) }
    }
    /// The field path as the `.proto` spells it, for callers in other languages:
    /// `content.addressees[2].name` (snake_case names, no numbers). Empty at the top level.
    public var protoFieldPath: String {
        switch pathStorage {
        case .components(let components): PathComponent.describeProto(components)
        case .text(let text): text
        }
    }
    /// Byte offset in the input, when decoding.
    public var offset: Int?

    // Names are rendered only when read: hostile input can produce errors by the million, and
    // demangling a type name costs more than decoding a message.
    private enum TypeStorage: Sendable {
        case type(Any.Type)
        case name(String)
    }

    private enum PathStorage: Sendable {
        case components([PathComponent])
        case text(String)
    }

    private var typeStorage: TypeStorage
    private var pathStorage: PathStorage

    public init(code: Code, message: String, typeName: String, fieldPath: String, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.typeStorage = .name(typeName)
        self.pathStorage = .text(fieldPath)
        self.offset = offset
    }

    init(code: Code, message: String, type: Any.Type, path: [any CodingKey], offset: Int? = nil) {
        self.code = code
        self.message = message
        self.typeStorage = .type(type)
        self.pathStorage = .components(path.map(PathComponent.init))
        self.offset = offset
    }

    public var description: String {
        var text = "\(code) at \(typeName)"
        let path = fieldPath
        if !path.isEmpty { text += " field \(path)" }
        text += ": \(message)"
        if let offset { text += " (offset \(offset))" }
        return text
    }
}

/// One step of a field path, kept Sendable (coding keys are not).
struct PathComponent: Sendable {
    var name: String
    var number: Int?
    var isIndex: Bool

    init(_ key: any CodingKey) {
        name = key.stringValue
        number = key.intValue
        isIndex = key is ElementIndexKey
    }

    /// Renders a path as `snake_name[index].snake_name`.
    static func describeProto(_ components: [PathComponent]) -> String {
        var text = ""
        for component in components {
            if component.isIndex, let index = component.number {
                text += "[\(index)]"
                continue
            }
            if !text.isEmpty { text += "." }
            text += ProtobufSchema.protoName(component.name)
        }
        return text
    }

    /// Renders a path as `name(number)[index].name(number)`.
    static func describe(_ components: [PathComponent]) -> String {
        var text = ""
        for component in components {
            if component.isIndex, let index = component.number {
                text += "[\(index)]"
                continue
            }
            if !text.isEmpty { text += "." }
            text += component.name
            if let number = component.number, "\(number)" != component.name { text += "(\(number))" }
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
