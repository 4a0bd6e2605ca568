import Foundation

/// The fields of one message, indexed once. Absent fields decode to their proto3 default,
/// so synthesized `init(from:)` never fails with keyNotFound; `decodeIfPresent` returns nil
/// for absent fields (presence).
struct MessageDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: DecodingState
    let entries: [FieldEntry]

    var codingPath: [any CodingKey] { decoder.path }

    var allKeys: [Key] {
        var seen = Set<Int>()
        return entries.compactMap { seen.insert($0.field).inserted ? Key(intValue: $0.field) : nil }
    }

    @inline(__always)
    private func entry(_ key: Key) throws -> FieldEntry? {
        DecodingState.last(entries, try decoder.fieldNumber(key))
    }

    func contains(_ key: Key) -> Bool {
        guard let number = key.intValue else { return false }
        return DecodingState.last(entries, number) != nil
    }

    func decodeNil(forKey key: Key) throws -> Bool { !(try present(key)) }

    /// Like `contains`, but a key without an Int raw value is an error rather than "absent", so
    /// a type without field numbers is rejected even when all its fields are optional.
    @inline(__always)
    private func present(_ key: Key) throws -> Bool {
        DecodingState.last(entries, try decoder.fieldNumber(key)) != nil
    }

    @inline(__always)
    private func value<S: WireScalar>(_ key: Key, as type: S.Type = S.self) throws -> S {
        let entry = try entry(key)
        return try decoder.convert(decoder.scalar(entry, S.wireType, key: key), to: S.self, offset: entry?.start, key: key)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try value(key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder.string(entry(key), key: key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try value(key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try value(key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try value(key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try value(key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try value(key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try value(key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try value(key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try value(key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try value(key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try value(key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try value(key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try value(key) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.decodeField(T.self, entries: entries, field: decoder.fieldNumber(key), key: key)
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try present(key) ? try value(key) : nil }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        try present(key) ? try decoder.string(entry(key), key: key) : nil
    }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try present(key) ? try value(key) : nil }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try present(key) ? try value(key) : nil }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try present(key) ? try value(key) : nil }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try present(key) ? try value(key) : nil }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try present(key) ? try value(key) : nil }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try present(key) ? try value(key) : nil }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try present(key) ? try value(key) : nil }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try present(key) ? try value(key) : nil }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try present(key) ? try value(key) : nil }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try present(key) ? try value(key) : nil }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try present(key) ? try value(key) : nil }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try present(key) ? try value(key) : nil }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try present(key) ? try decode(T.self, forKey: key) : nil
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        throw decoder.error(.unsupportedType, "nested keyed containers are not supported; use a nested struct", key: key)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw decoder.error(.unsupportedType, "nested unkeyed containers are not supported; use an array property", key: key)
    }

    func superDecoder() throws -> any Decoder {
        throw decoder.error(.unsupportedType, "superDecoder is not supported (class inheritance has no protobuf mapping)")
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        throw decoder.error(.unsupportedType, "superDecoder is not supported", key: key)
    }
}

/// The records of one repeated field, packed and unpacked alike, in wire order.
struct RepeatedDecodingContainer: UnkeyedDecodingContainer {
    let decoder: DecodingState
    let entries: [FieldEntry]
    let field: Int
    private var position: Int
    private var packedCursor = -1
    private(set) var currentIndex = 0

    init(decoder: DecodingState, entries: [FieldEntry], field: Int) {
        self.decoder = decoder
        self.entries = entries
        self.field = field
        var position = 0
        while position < entries.count && entries[position].field != field { position += 1 }
        self.position = position
    }

    var codingPath: [any CodingKey] { decoder.path }
    var count: Int? { nil }  // unknown until packed records are read
    var isAtEnd: Bool { position >= entries.count }

    private mutating func advance() {
        position += 1
        while position < entries.count && entries[position].field != field { position += 1 }
        packedCursor = -1
    }

    private func current() throws -> FieldEntry {
        guard position < entries.count else {
            throw decoder.error(.invalidValue, "no more elements", key: ElementIndexKey(currentIndex))
        }
        return entries[position]
    }

    private mutating func scalar<S: WireScalar>(_ type: S.Type = S.self) throws -> S {
        let entry = try current()
        let key = ElementIndexKey(currentIndex)
        let raw: UInt64
        if entry.wireType == .lengthDelimited {
            var cursor = packedCursor >= 0 ? packedCursor : entry.start
            guard cursor < entry.end else {
                throw decoder.error(.invalidValue, "empty packed record", offset: entry.start, key: key)
            }
            raw = try decoder.readScalar(S.wireType, at: &cursor, end: entry.end)
            if cursor >= entry.end { advance() } else { packedCursor = cursor }
        } else {
            raw = try decoder.scalar(entry, S.wireType, key: key)
            advance()
        }
        currentIndex += 1
        return try decoder.convert(raw, to: S.self, offset: entry.start, key: key)
    }

    mutating func decodeNil() throws -> Bool { false }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try scalar() }
    mutating func decode(_ type: String.Type) throws -> String {
        let value = try decoder.string(current(), key: ElementIndexKey(currentIndex))
        advance()
        currentIndex += 1
        return value
    }
    mutating func decode(_ type: Double.Type) throws -> Double { try scalar() }
    mutating func decode(_ type: Float.Type) throws -> Float { try scalar() }
    mutating func decode(_ type: Int.Type) throws -> Int { try scalar() }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try scalar() }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try scalar() }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try scalar() }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try scalar() }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try scalar() }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try scalar() }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try scalar() }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try scalar() }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try scalar() }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let entry = try current()
        // Enums and other single-value elements may read from a packed record.
        decoder.packedCursor = packedCursor
        let value = try decoder.decodeElement(T.self, entry, index: currentIndex)
        let cursor = decoder.packedCursor
        decoder.packedCursor = -1
        if entry.wireType == .lengthDelimited, cursor >= 0, cursor < entry.end {
            packedCursor = cursor
        } else {
            advance()
        }
        currentIndex += 1
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        throw decoder.error(.unsupportedType, "nested keyed containers in a list are not supported; use an array of structs")
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw decoder.error(.unsupportedType, "nested arrays are not supported")
    }

    mutating func superDecoder() throws -> any Decoder {
        throw decoder.error(.unsupportedType, "superDecoder is not supported")
    }
}

/// A value that is one field (enum, wrapper type, `Optional`) or one repeated element.
struct SingleDecodingContainer: SingleValueDecodingContainer {
    let decoder: DecodingState

    var codingPath: [any CodingKey] { decoder.path }

    private func scalar<S: WireScalar>(_ type: S.Type = S.self) throws -> S {
        switch decoder.source {
        case .root:
            throw decoder.error(.unsupportedType, "the top-level value must be a message")
        case .field(let entries, let field):
            let entry = DecodingState.last(entries, field)
            return try decoder.convert(decoder.scalar(entry, S.wireType, key: nil), to: S.self, offset: entry?.start)
        case .element(let entry):
            let raw: UInt64
            if entry.wireType == .lengthDelimited {
                var cursor = decoder.packedCursor >= 0 ? decoder.packedCursor : entry.start
                guard cursor < entry.end else {
                    throw decoder.error(.invalidValue, "empty packed record", offset: entry.start)
                }
                raw = try decoder.readScalar(S.wireType, at: &cursor, end: entry.end)
                decoder.packedCursor = cursor
            } else {
                raw = try decoder.scalar(entry, S.wireType, key: nil)
            }
            return try decoder.convert(raw, to: S.self, offset: entry.start)
        }
    }

    func decodeNil() -> Bool {
        if case .field(let entries, let field) = decoder.source {
            return DecodingState.last(entries, field) == nil
        }
        return false
    }

    func decode(_ type: Bool.Type) throws -> Bool { try scalar() }
    func decode(_ type: String.Type) throws -> String { try decode(generic: String.self) }
    func decode(_ type: Double.Type) throws -> Double { try scalar() }
    func decode(_ type: Float.Type) throws -> Float { try scalar() }
    func decode(_ type: Int.Type) throws -> Int { try scalar() }
    func decode(_ type: Int8.Type) throws -> Int8 { try scalar() }
    func decode(_ type: Int16.Type) throws -> Int16 { try scalar() }
    func decode(_ type: Int32.Type) throws -> Int32 { try scalar() }
    func decode(_ type: Int64.Type) throws -> Int64 { try scalar() }
    func decode(_ type: UInt.Type) throws -> UInt { try scalar() }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try scalar() }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try scalar() }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try scalar() }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try scalar() }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decode(generic: T.self) }

    private func decode<T: Decodable>(generic type: T.Type) throws -> T {
        switch decoder.source {
        case .root:
            throw decoder.error(.unsupportedType, "the top-level value must be a message, not a single \(T.self)")
        case .field(let entries, let field):
            // A wrapper around one value: the value is the wrapper's field.
            return try decoder.decodeField(T.self, entries: entries, field: field, key: nil)
        case .element(let entry):
            return try decoder.decodeElement(T.self, entry, index: 0)
        }
    }
}
