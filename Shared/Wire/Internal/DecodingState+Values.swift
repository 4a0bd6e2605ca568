import Foundation

// Reading single values: scalars, strings, bytes, UUIDs, timestamps.
extension DecodingState {
    // MARK: Values

    @inline(__always)
    func readScalar(_ wireType: WireType, at index: inout Int, end: Int) throws -> UInt64 {
        switch wireType {
        case .fixed32:
            guard end - index >= 4 else { throw error(.truncated, "packed field ends inside a fixed32 value", offset: index) }
            defer { index += 4 }
            return UInt64(WireFormat.readFixed32(bytes, index))
        case .fixed64:
            guard end - index >= 8 else { throw error(.truncated, "packed field ends inside a fixed64 value", offset: index) }
            defer { index += 8 }
            return WireFormat.readFixed64(bytes, index)
        default:
            do {
                return try WireFormat.readVarint(bytes, &index, end)
            } catch {
                throw readFailure(error)
            }
        }
    }

    /// The raw value of a singular scalar field (0 when absent).
    @inline(__always)
    func scalar(_ entry: FieldEntry?, _ wireType: WireType, key: (any CodingKey)?) throws -> UInt64 {
        guard let entry else { return 0 }
        guard entry.wireType == wireType else { throw wrongWireType(entry, expected: wireType, key: key) }
        var index = entry.start
        return try readScalar(wireType, at: &index, end: entry.end)
    }

    func convert<S: WireScalar>(_ raw: UInt64, to type: S.Type, offset: Int?, key: (any CodingKey)? = nil) throws -> S {
        guard let value = S.fromWire(raw) else {
            throw error(.invalidValue, "value \(Int64(bitPattern: raw)) does not fit \(ProtobufSchema.protoTypeName(of: S.self))",
                        offset: offset, key: key)
        }
        return value
    }

    func string(_ entry: FieldEntry?, key: (any CodingKey)?) throws -> String {
        guard let entry else { return "" }
        guard entry.wireType == .lengthDelimited else { throw wrongWireType(entry, expected: .lengthDelimited, key: key) }
        let utf8 = bytes[entry.start..<entry.end]
        // ASCII (most of our text) needs no validation; the OR-reduction vectorizes.
        var high: UInt8 = 0
        for byte in utf8 { high |= byte }
        if high < 0x80 { return String(decoding: utf8, as: UTF8.self) }
        guard let text = String(validating: utf8, as: UTF8.self) else {
            throw error(.invalidUTF8, "string field \(entry.field) is not valid UTF-8", offset: entry.start, key: key)
        }
        return text
    }

    /// `repeated string`, the common case, without generic dispatch per element.
    func decodeStrings(_ entries: [FieldEntry], field: Int, key: (any CodingKey)?) throws -> [String] {
        var result: [String] = []
        if let key { path.append(key) }
        defer { if key != nil { path.removeLast() } }
        for entry in entries where entry.field == field {
            result.append(try string(entry, key: ElementIndexKey(result.count)))
        }
        return result
    }

    /// `map<string, string>`, the common case, without generic dispatch per entry.
    func decodeStringMap(_ entries: [FieldEntry], field: Int, key: (any CodingKey)?) throws -> [String: String] {
        var result: [String: String] = [:]
        if let key { path.append(key) }
        defer { if key != nil { path.removeLast() } }
        var fields: [FieldEntry] = []
        for entry in entries where entry.field == field {
            guard entry.wireType == .lengthDelimited else {
                throw wrongWireType(entry, expected: .lengthDelimited, key: ElementIndexKey(result.count))
            }
            fields.removeAll(keepingCapacity: true)
            try index(entry.start, entry.end, into: &fields)
            let mapKey = try string(Self.last(fields, 1), key: MapEntryKey.key)
            result[mapKey] = try string(Self.last(fields, 2), key: MapEntryKey.value)
        }
        return result
    }

    func data(_ entry: FieldEntry?, key: (any CodingKey)?) throws -> Data {
        guard let entry else { return Data() }
        guard entry.wireType == .lengthDelimited else { throw wrongWireType(entry, expected: .lengthDelimited, key: key) }
        return Data(bytes[entry.start..<entry.end])
    }

    func uuid(_ entry: FieldEntry?, key: (any CodingKey)?) throws -> UUID {
        guard let entry else {
            throw error(.invalidValue, "UUID field is absent (a UUID field is required unless declared optional)", key: key)
        }
        guard entry.wireType == .lengthDelimited else { throw wrongWireType(entry, expected: .lengthDelimited, key: key) }
        guard let uuid = Self.parseUUID(bytes, entry.start, entry.end) else {
            let text = String(decoding: bytes[entry.start..<min(entry.end, entry.start + 64)], as: UTF8.self)
            throw error(.invalidValue, "'\(text)' is not a UUID (8-4-4-4-12 hex digits)", offset: entry.start, key: key)
        }
        return uuid
    }

    /// Parses the 36-character 8-4-4-4-12 form, either case, without building a String.
    static func parseUUID(_ bytes: [UInt8], _ start: Int, _ end: Int) -> UUID? {
        guard end - start == 36 else { return nil }
        var octets = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0),
                      UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
        var index = start
        var octet = 0
        while index < end {
            if index - start == 8 || index - start == 13 || index - start == 18 || index - start == 23 {
                guard bytes[index] == UInt8(ascii: "-") else { return nil }
                index += 1
                continue
            }
            guard let high = hexValue(bytes[index]), let low = hexValue(bytes[index + 1]) else { return nil }
            let value = high << 4 | low
            switch octet {
            case 0: octets.0 = value
            case 1: octets.1 = value
            case 2: octets.2 = value
            case 3: octets.3 = value
            case 4: octets.4 = value
            case 5: octets.5 = value
            case 6: octets.6 = value
            case 7: octets.7 = value
            case 8: octets.8 = value
            case 9: octets.9 = value
            case 10: octets.10 = value
            case 11: octets.11 = value
            case 12: octets.12 = value
            case 13: octets.13 = value
            case 14: octets.14 = value
            default: octets.15 = value
            }
            octet += 1
            index += 2
        }
        return UUID(uuid: octets)
    }

    @inline(__always)
    static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// A Timestamp made of the given length-delimited records (merged, last value wins).
    func timestamp(_ entries: [FieldEntry], field: Int, key: (any CodingKey)?) throws -> Date {
        var seconds: UInt64 = 0
        var nanos: UInt64 = 0
        var offset: Int?
        for entry in entries where entry.field == field {
            guard entry.wireType == .lengthDelimited else { throw wrongWireType(entry, expected: .lengthDelimited, key: key) }
            offset = entry.start
            try scanTimestamp(entry, seconds: &seconds, nanos: &nanos, key: key)
        }
        return try makeDate(seconds: seconds, nanos: nanos, offset: offset, key: key)
    }

    func timestamp(element entry: FieldEntry, key: (any CodingKey)?) throws -> Date {
        guard entry.wireType == .lengthDelimited else { throw wrongWireType(entry, expected: .lengthDelimited, key: key) }
        var seconds: UInt64 = 0
        var nanos: UInt64 = 0
        try scanTimestamp(entry, seconds: &seconds, nanos: &nanos, key: key)
        return try makeDate(seconds: seconds, nanos: nanos, offset: entry.start, key: key)
    }

    private func scanTimestamp(_ entry: FieldEntry, seconds: inout UInt64, nanos: inout UInt64, key: (any CodingKey)?) throws {
        var fields: [FieldEntry] = []
        try index(entry.start, entry.end, into: &fields)
        for field in fields {
            switch field.field {
            case 1: seconds = try scalar(field, .varint, key: key)
            case 2: nanos = try scalar(field, .varint, key: key)
            default: continue
            }
        }
    }

    private func makeDate(seconds: UInt64, nanos: UInt64, offset: Int?, key: (any CodingKey)?) throws -> Date {
        let seconds = Int64(bitPattern: seconds)
        let nanos = Int32(truncatingIfNeeded: nanos)
        guard let date = Timestamp.date(seconds: seconds, nanos: nanos) else {
            throw error(.invalidValue, "timestamp seconds=\(seconds) nanos=\(nanos) is outside 0001-01-01...9999-12-31 or nanos outside 0...999999999",
                        offset: offset, key: key)
        }
        return date
    }
}
