import Foundation

/// What a Swift container type looks like to the wire format; `WireKind` asks this once per
/// type to recognise arrays, dictionaries and optionals.
enum WireShape {
    case array(element: Any.Type)
    case dictionary(key: Any.Type, value: Any.Type)
    case optional(wrapped: Any.Type)
}

protocol WireShaped {
    static var wireShape: WireShape { get }
}

extension Array: WireShaped {
    static var wireShape: WireShape { .array(element: Element.self) }
}

extension Dictionary: WireShaped {
    static var wireShape: WireShape { .dictionary(key: Key.self, value: Value.self) }
}

extension Optional: WireShaped {
    static var wireShape: WireShape { .optional(wrapped: Wrapped.self) }
}

/// An optional whose wrapped value can be pulled out without knowing its type.
protocol OptionalEncodable {
    var wrappedEncodable: (any Encodable)? { get }
}

extension Optional: OptionalEncodable where Wrapped: Encodable {
    var wrappedEncodable: (any Encodable)? { self }
}

/// An optional that can be built from a decoded wrapped value without knowing its type.
protocol OptionalDecodable {
    static func wireDecode(present: Bool, decodeWrapped: (any Decodable.Type) throws -> any Decodable) throws -> Self
}

extension Optional: OptionalDecodable where Wrapped: Decodable {
    static func wireDecode(present: Bool, decodeWrapped: (any Decodable.Type) throws -> any Decodable) throws -> Self {
        guard present else { return nil }
        return try decodeWrapped(Wrapped.self) as? Wrapped
    }
}

/// Whether a type is an array, dictionary or optional: shapes protobuf cannot put inside a
/// repeated field or a map value. (`Data` is not an array; `[UInt8]` is, so `[[UInt8]]` is
/// rejected like `[[Int]]`.)
func isNestableContainer(_ type: Any.Type) -> Bool {
    type is any WireShaped.Type
}

/// Keys a protobuf map may have, with the order the deterministic encoding sorts them in
/// (numeric for integers, false before true, bytewise UTF-8 for strings — as protobuf does).
protocol WireMapKey: Hashable {
    static func wireOrder(_ lhs: Self, _ rhs: Self) -> Bool
}

extension String: WireMapKey {
    static func wireOrder(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }
}

extension Bool: WireMapKey {
    static func wireOrder(_ lhs: Bool, _ rhs: Bool) -> Bool { !lhs && rhs }
}

extension Int32: WireMapKey { static func wireOrder(_ lhs: Int32, _ rhs: Int32) -> Bool { lhs < rhs } }
extension Int64: WireMapKey { static func wireOrder(_ lhs: Int64, _ rhs: Int64) -> Bool { lhs < rhs } }
extension Int: WireMapKey { static func wireOrder(_ lhs: Int, _ rhs: Int) -> Bool { lhs < rhs } }
extension UInt32: WireMapKey { static func wireOrder(_ lhs: UInt32, _ rhs: UInt32) -> Bool { lhs < rhs } }
extension UInt64: WireMapKey { static func wireOrder(_ lhs: UInt64, _ rhs: UInt64) -> Bool { lhs < rhs } }
extension UInt: WireMapKey { static func wireOrder(_ lhs: UInt, _ rhs: UInt) -> Bool { lhs < rhs } }

/// A dictionary the encoder can write as a protobuf map.
protocol WireMapEncodable {
    func encodeWireMap(field: Int, into encoder: EncodingState) throws
}

extension Dictionary: WireMapEncodable where Key: WireMapKey & Encodable, Value: Encodable {
    func encodeWireMap(field: Int, into encoder: EncodingState) throws {
        for (key, value) in self.sorted(by: { Key.wireOrder($0.key, $1.key) }) {
            try encoder.encodeMapEntry(key: key, value: value, field: field)
        }
    }
}

/// A dictionary the decoder can fill from protobuf map entries.
protocol WireMapDecodable {
    static func decodeWireMap(entries: [FieldEntry], field: Int, from decoder: DecodingState) throws -> Self
}

extension Dictionary: WireMapDecodable where Key: WireMapKey & Decodable, Value: Decodable {
    static func decodeWireMap(entries: [FieldEntry], field: Int, from decoder: DecodingState) throws -> Self {
        var result: [Key: Value] = [:]
        for index in entries.indices where entries[index].field == field {
            let (key, value) = try decoder.decodeMapEntry(entries[index], index: result.count,
                                                          keyType: Key.self, valueType: Value.self)
            result[key] = value  // a repeated key: the last entry wins, as in protobuf
        }
        return result
    }
}

/// Swift scalar types that a repeated field packs; the decoder reads arrays of them in one pass.
protocol WireScalar: Decodable, SendableMetatype {
    static var wireType: WireType { get }
    /// Builds the value from the raw varint / fixed bits; nil when out of range for the type.
    static func fromWire(_ raw: UInt64) -> Self?
    /// The raw varint / fixed bits this value is written as.
    var wireRaw: UInt64 { get }
}

extension Bool { var wireRaw: UInt64 { self ? 1 : 0 } }
extension Int32 { var wireRaw: UInt64 { UInt64(bitPattern: Int64(self)) } }
extension Int64 { var wireRaw: UInt64 { UInt64(bitPattern: self) } }
extension Int { var wireRaw: UInt64 { UInt64(bitPattern: Int64(self)) } }
extension Int8 { var wireRaw: UInt64 { UInt64(bitPattern: Int64(self)) } }
extension Int16 { var wireRaw: UInt64 { UInt64(bitPattern: Int64(self)) } }
extension UInt32 { var wireRaw: UInt64 { UInt64(self) } }
extension UInt64 { var wireRaw: UInt64 { self } }
extension UInt { var wireRaw: UInt64 { UInt64(self) } }
extension UInt8 { var wireRaw: UInt64 { UInt64(self) } }
extension UInt16 { var wireRaw: UInt64 { UInt64(self) } }
extension Float { var wireRaw: UInt64 { UInt64(bitPattern) } }
extension Double { var wireRaw: UInt64 { bitPattern } }

extension Bool: WireScalar {
    static var wireType: WireType { .varint }
    static func fromWire(_ raw: UInt64) -> Bool? { raw != 0 }
}
extension Int32: WireScalar {
    static var wireType: WireType { .varint }
    // A value outside int32 (2^40 + 3, say) is refused, not cut to its low 32 bits: negative
    // int32s arrive sign-extended to 64 bits, so exactly the Int64 values in range are valid.
    static func fromWire(_ raw: UInt64) -> Int32? { Int32(exactly: Int64(bitPattern: raw)) }
}
extension Int64: WireScalar {
    static var wireType: WireType { .varint }
    static func fromWire(_ raw: UInt64) -> Int64? { Int64(bitPattern: raw) }
}
extension Int: WireScalar {
    static var wireType: WireType { .varint }
    static func fromWire(_ raw: UInt64) -> Int? { Int(truncatingIfNeeded: Int64(bitPattern: raw)) }
}
extension UInt32: WireScalar {
    static var wireType: WireType { .varint }
    static func fromWire(_ raw: UInt64) -> UInt32? { UInt32(exactly: raw) }
}
extension UInt64: WireScalar {
    static var wireType: WireType { .varint }
    static func fromWire(_ raw: UInt64) -> UInt64? { raw }
}
extension UInt: WireScalar {
    static var wireType: WireType { .varint }
    static func fromWire(_ raw: UInt64) -> UInt? { UInt(truncatingIfNeeded: raw) }
}
extension Int8: WireScalar {
    static var wireType: WireType { .varint }
    static func fromWire(_ raw: UInt64) -> Int8? { Int8(exactly: Int64(bitPattern: raw)) }
}
extension Int16: WireScalar {
    static var wireType: WireType { .varint }
    static func fromWire(_ raw: UInt64) -> Int16? { Int16(exactly: Int64(bitPattern: raw)) }
}
extension UInt8: WireScalar {
    static var wireType: WireType { .varint }
    static func fromWire(_ raw: UInt64) -> UInt8? { UInt8(exactly: raw) }
}
extension UInt16: WireScalar {
    static var wireType: WireType { .varint }
    static func fromWire(_ raw: UInt64) -> UInt16? { UInt16(exactly: raw) }
}
extension Float: WireScalar {
    static var wireType: WireType { .fixed32 }
    static func fromWire(_ raw: UInt64) -> Float? { Float(bitPattern: UInt32(truncatingIfNeeded: raw)) }
}
extension Double: WireScalar {
    static var wireType: WireType { .fixed64 }
    static func fromWire(_ raw: UInt64) -> Double? { Double(bitPattern: raw) }
}

/// An array of packable scalars, decoded in one pass over packed and unpacked records.
protocol WireScalarArray: SendableMetatype {
    static func decodeScalars(entries: [FieldEntry], field: Int, from decoder: DecodingState) throws -> Self
    /// Writes the array as one packed record (nothing when empty).
    func encodePacked(field: Int, into encoder: EncodingState)
}

extension Array: WireScalarArray where Element: WireScalar {
    func encodePacked(field: Int, into encoder: EncodingState) {
        guard !isEmpty else { return }
        encoder.endPackedRun()
        var index = 0
        while index < count {
            encoder.writePackedElement(self[index].wireRaw, Element.wireType, field: field)
            index += 1
        }
        encoder.endPackedRun()
    }

    static func decodeScalars(entries: [FieldEntry], field: Int, from decoder: DecodingState) throws -> Self {
        var result: [Element] = []
        for entry in entries where entry.field == field {
            if entry.wireType == .lengthDelimited {
                var index = entry.start
                while index < entry.end {
                    let raw = try decoder.readScalar(Element.wireType, at: &index, end: entry.end)
                    result.append(try decoder.convert(raw, to: Element.self, offset: index))
                }
            } else {
                guard entry.wireType == Element.wireType else {
                    throw decoder.wrongWireType(entry, expected: Element.wireType)
                }
                var index = entry.start
                let raw = try decoder.readScalar(Element.wireType, at: &index, end: entry.end)
                result.append(try decoder.convert(raw, to: Element.self, offset: entry.start))
            }
        }
        return result
    }
}

/// An array of messages, enums, strings, bytes, timestamps or UUIDs, written element by element
/// without going through an unkeyed container.
protocol WireRepeatedEncodable: SendableMetatype {
    func encodeRepeated(field: Int, into encoder: EncodingState) throws
}

extension Array: WireRepeatedEncodable where Element: Encodable {
    func encodeRepeated(field: Int, into encoder: EncodingState) throws {
        // An index loop: `enumerated()` in this unspecialized generic code costs a metadata
        // lookup per element.
        let oneofs = WireKind.oneofs(of: Element.self)
        var index = 0
        while index < count {
            try encoder.encodeElement(self[index], field: field, index: index, elementChecked: true, oneofs: oneofs)
            index += 1
        }
        encoder.endPackedRun()  // enum elements are packed
    }
}

/// An array of messages, enums, strings, bytes, timestamps or UUIDs, read from the field's
/// records directly (packed enum records included).
protocol WireRepeatedDecodable: SendableMetatype {
    static func decodeRepeated(entries: [FieldEntry], field: Int, from decoder: DecodingState) throws -> Self
}

extension Array: WireRepeatedDecodable where Element: Decodable {
    static func decodeRepeated(entries: [FieldEntry], field: Int, from decoder: DecodingState) throws -> Self {
        var count = 0
        for entry in entries where entry.field == field { count += 1 }
        var result: [Element] = []
        result.reserveCapacity(count)
        let oneofs = WireKind.oneofs(of: Element.self)
        var position = 0
        var cursor = -1
        while position < entries.count {
            let entry = entries[position]
            guard entry.field == field else {
                position += 1
                continue
            }
            decoder.packedCursor = cursor
            result.append(try decoder.decodeElement(Element.self, entry, index: result.count, elementChecked: true,
                                                    oneofs: oneofs))
            let after = decoder.packedCursor
            decoder.packedCursor = -1
            if entry.wireType == .lengthDelimited, after >= 0, after < entry.end {
                cursor = after  // more packed enum values in this record
            } else {
                cursor = -1
                position += 1
            }
        }
        return result
    }
}
