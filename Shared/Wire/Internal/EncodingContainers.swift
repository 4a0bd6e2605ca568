import Foundation

/// The fields of one message. `encode` omits proto3 defaults; `encodeIfPresent` (what
/// synthesized code calls for optionals) always writes a non-nil value: that is field presence.
struct MessageEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: EncodingState

    var codingPath: [any CodingKey] { encoder.path }

    @inline(__always)
    private func number(_ key: Key) throws -> Int {
        let number = try encoder.fieldNumber(key)
        encoder.noteField(number)
        return number
    }

    @inline(__always)
    private func varint(_ raw: UInt64, _ key: Key, presence: Bool) throws {
        encoder.writeScalar(raw, .varint, field: try number(key), presence: presence)
    }

    mutating func encodeNil(forKey key: Key) throws {}  // absent

    mutating func encode(_ value: Bool, forKey key: Key) throws { try varint(value ? 1 : 0, key, presence: false) }
    mutating func encode(_ value: String, forKey key: Key) throws {
        encoder.writeString(value, field: try number(key), presence: false)
    }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        encoder.writeScalar(value.bitPattern, .fixed64, field: try number(key), presence: false)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        encoder.writeScalar(UInt64(value.bitPattern), .fixed32, field: try number(key), presence: false)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { try varint(UInt64(bitPattern: Int64(value)), key, presence: false) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try varint(UInt64(bitPattern: Int64(value)), key, presence: false) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try varint(UInt64(bitPattern: Int64(value)), key, presence: false) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try varint(UInt64(bitPattern: Int64(value)), key, presence: false) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try varint(UInt64(bitPattern: value), key, presence: false) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try varint(UInt64(value), key, presence: false) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try varint(UInt64(value), key, presence: false) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try varint(UInt64(value), key, presence: false) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try varint(UInt64(value), key, presence: false) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try varint(value, key, presence: false) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try encoder.encodeField(value, field: try number(key), presence: false, key: key)
    }

    // A nil optional writes nothing, but its key is still checked, so a type without Int
    // coding keys is rejected whatever its values.
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
        if let value { try varint(value ? 1 : 0, key, presence: true) } else { _ = try encoder.fieldNumber(key) }
    }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        if let value { encoder.writeString(value, field: try number(key), presence: true) } else { _ = try encoder.fieldNumber(key) }
    }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
        if let value { encoder.writeScalar(value.bitPattern, .fixed64, field: try number(key), presence: true) } else { _ = try encoder.fieldNumber(key) }
    }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws {
        if let value { encoder.writeScalar(UInt64(value.bitPattern), .fixed32, field: try number(key), presence: true) } else { _ = try encoder.fieldNumber(key) }
    }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
        if let value { try varint(UInt64(bitPattern: Int64(value)), key, presence: true) } else { _ = try encoder.fieldNumber(key) }
    }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws {
        if let value { try varint(UInt64(bitPattern: Int64(value)), key, presence: true) } else { _ = try encoder.fieldNumber(key) }
    }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws {
        if let value { try varint(UInt64(bitPattern: Int64(value)), key, presence: true) } else { _ = try encoder.fieldNumber(key) }
    }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws {
        if let value { try varint(UInt64(bitPattern: Int64(value)), key, presence: true) } else { _ = try encoder.fieldNumber(key) }
    }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
        if let value { try varint(UInt64(bitPattern: value), key, presence: true) } else { _ = try encoder.fieldNumber(key) }
    }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws {
        if let value { try varint(UInt64(value), key, presence: true) } else { _ = try encoder.fieldNumber(key) }
    }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws {
        if let value { try varint(UInt64(value), key, presence: true) } else { _ = try encoder.fieldNumber(key) }
    }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws {
        if let value { try varint(UInt64(value), key, presence: true) } else { _ = try encoder.fieldNumber(key) }
    }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws {
        if let value { try varint(UInt64(value), key, presence: true) } else { _ = try encoder.fieldNumber(key) }
    }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws {
        if let value { try varint(value, key, presence: true) } else { _ = try encoder.fieldNumber(key) }
    }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encoder.encodeField(value, field: try number(key), presence: true, key: key) } else { _ = try encoder.fieldNumber(key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                       forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        encoder.deferError(encoder.error(.unsupportedType, "nested keyed containers are not supported; use a nested struct", key: key))
        return KeyedEncodingContainer(MessageEncodingContainer<NestedKey>(encoder: encoder))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        encoder.deferError(encoder.error(.unsupportedType, "nested unkeyed containers are not supported; use an array property", key: key))
        return RepeatedEncodingContainer(encoder: encoder, field: 1)
    }

    mutating func superEncoder() -> any Encoder {
        encoder.deferError(encoder.error(.unsupportedType, "superEncoder is not supported (class inheritance has no protobuf mapping)"))
        return encoder
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        encoder.deferError(encoder.error(.unsupportedType, "superEncoder is not supported", key: key))
        return encoder
    }
}

/// A repeated field: scalars go into one packed record, everything else one record per element.
struct RepeatedEncodingContainer: UnkeyedEncodingContainer {
    let encoder: EncodingState
    let field: Int
    private(set) var count = 0

    init(encoder: EncodingState, field: Int) {
        self.encoder = encoder
        self.field = field
    }

    var codingPath: [any CodingKey] { encoder.path }

    @inline(__always)
    private mutating func packed(_ raw: UInt64, _ wireType: WireType = .varint) {
        encoder.writePackedElement(raw, wireType, field: field)
        count += 1
    }

    mutating func encodeNil() throws {
        throw encoder.error(.unsupportedType, "optional elements ([T?]) are not supported", key: ElementIndexKey(count))
    }

    mutating func encode(_ value: Bool) throws { packed(value ? 1 : 0) }
    mutating func encode(_ value: String) throws {
        encoder.endPackedRun()
        encoder.writeString(value, field: field, presence: true)
        count += 1
    }
    mutating func encode(_ value: Double) throws { packed(value.bitPattern, .fixed64) }
    mutating func encode(_ value: Float) throws { packed(UInt64(value.bitPattern), .fixed32) }
    mutating func encode(_ value: Int) throws { packed(UInt64(bitPattern: Int64(value))) }
    mutating func encode(_ value: Int8) throws { packed(UInt64(bitPattern: Int64(value))) }
    mutating func encode(_ value: Int16) throws { packed(UInt64(bitPattern: Int64(value))) }
    mutating func encode(_ value: Int32) throws { packed(UInt64(bitPattern: Int64(value))) }
    mutating func encode(_ value: Int64) throws { packed(UInt64(bitPattern: value)) }
    mutating func encode(_ value: UInt) throws { packed(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { packed(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { packed(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { packed(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { packed(value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try encoder.encodeElement(value, field: field, index: count)
        count += 1
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        encoder.deferError(encoder.error(.unsupportedType, "nested keyed containers in a list are not supported; use an array of structs"))
        return KeyedEncodingContainer(MessageEncodingContainer<NestedKey>(encoder: encoder))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        encoder.deferError(encoder.error(.unsupportedType, "nested arrays are not supported"))
        return self
    }

    mutating func superEncoder() -> any Encoder {
        encoder.deferError(encoder.error(.unsupportedType, "superEncoder is not supported"))
        return encoder
    }
}

/// A value that is one field (an enum, `Optional`, a wrapper type) or one repeated element.
struct SingleEncodingContainer: SingleValueEncodingContainer {
    let encoder: EncodingState

    var codingPath: [any CodingKey] { encoder.path }

    @inline(__always)
    private func scalar(_ raw: UInt64, _ wireType: WireType = .varint) throws {
        try encoder.writeSingleScalar(raw, wireType)
    }

    mutating func encodeNil() throws {
        switch encoder.slot.position {
        case .field:
            break  // absent
        case .root:
            throw encoder.error(.unsupportedType, "the top-level value must be a message, not nil")
        case .element:
            throw encoder.error(.unsupportedType, "optional elements ([T?]) are not supported")
        }
    }

    mutating func encode(_ value: Bool) throws { try scalar(value ? 1 : 0) }
    mutating func encode(_ value: String) throws { try encode(generic: value) }
    mutating func encode(_ value: Double) throws { try scalar(value.bitPattern, .fixed64) }
    mutating func encode(_ value: Float) throws { try scalar(UInt64(value.bitPattern), .fixed32) }
    mutating func encode(_ value: Int) throws { try scalar(UInt64(bitPattern: Int64(value))) }
    mutating func encode(_ value: Int8) throws { try scalar(UInt64(bitPattern: Int64(value))) }
    mutating func encode(_ value: Int16) throws { try scalar(UInt64(bitPattern: Int64(value))) }
    mutating func encode(_ value: Int32) throws { try scalar(UInt64(bitPattern: Int64(value))) }
    mutating func encode(_ value: Int64) throws { try scalar(UInt64(bitPattern: value)) }
    mutating func encode(_ value: UInt) throws { try scalar(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { try scalar(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { try scalar(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { try scalar(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { try scalar(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try encode(generic: value) }

    private func encode<T: Encodable>(generic value: T) throws {
        switch encoder.slot.position {
        case .root:
            throw encoder.error(.unsupportedType, "the top-level value must be a message, not a single \(T.self)")
        case .field(let field):
            // A wrapper around one value: the value takes the wrapper's field and presence.
            encoder.slot.opened = .single
            try encoder.encodeField(value, field: field, presence: encoder.slot.presence, key: nil)
        case .element(let field):
            encoder.slot.opened = .single
            try encoder.encodeElement(value, field: field, index: 0)
        }
    }
}
