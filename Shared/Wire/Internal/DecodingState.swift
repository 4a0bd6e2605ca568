import Foundation

/// One record of a message: field number, wire type and the byte range of its value
/// (the varint bytes, the 4/8 fixed bytes, or the payload of a length-delimited record).
/// 16 bytes, so that even a message of 2-byte records indexes into at most 8× its size.
struct FieldEntry {
    private var fieldNumber: UInt32
    var wireType: WireType
    private var startOffset: UInt32
    private var endOffset: UInt32

    init(field: Int, wireType: WireType, start: Int, end: Int) {
        // Inputs are at most UInt32.max bytes (ProtobufDecoder checks) and field numbers < 2^29.
        fieldNumber = UInt32(truncatingIfNeeded: field)
        self.wireType = wireType
        startOffset = UInt32(truncatingIfNeeded: start)
        endOffset = UInt32(truncatingIfNeeded: end)
    }

    var field: Int { Int(fieldNumber) }
    var start: Int { Int(startOffset) }
    var end: Int { Int(endOffset) }
}

/// The `Decoder` behind `ProtobufDecoder`. Each message is scanned once into a list of
/// `FieldEntry` records (validating tags, varints and lengths on the way); keyed lookups then
/// search that list, so unknown fields cost one skip and absent fields cost nothing.
final class DecodingState: Decoder {
    /// Where the value being decoded comes from.
    enum Source {
        case root
        /// Every record of field `field` in the enclosing message (last wins, messages merge).
        case field([FieldEntry], field: Int)
        /// One element of a repeated field.
        case element(FieldEntry)
    }

    let bytes: [UInt8]
    let maxDepth: Int
    let maxLength: Int
    // One DecodingState serves one synchronous `decode` call and its accesses never overlap,
    // so the per-access dynamic exclusivity checks are off.
    @exclusivity(unchecked) var path: [any CodingKey] = []
    @exclusivity(unchecked) var source: Source = .root
    @exclusivity(unchecked) var typeName: Any.Type
    /// Nesting depth of the message being decoded (the top-level message is 0).
    @exclusivity(unchecked) var depth = -1
    /// Read position inside a packed record while decoding elements one by one, or -1.
    @exclusivity(unchecked) var packedCursor = -1
    /// Oneof groups of the message type whose container is requested next.
    @exclusivity(unchecked) var oneofs: OneofGroups?

    init(bytes: [UInt8], maxDepth: Int, maxLength: Int, rootType: Any.Type) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.maxLength = maxLength
        self.typeName = rootType
    }

    var codingPath: [any CodingKey] { path }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    // MARK: Errors

    func error(_ code: WireError.Code, _ message: String, offset: Int? = nil, key: (any CodingKey)? = nil) -> WireError {
        var fullPath = path
        if let key { fullPath.append(key) }
        return WireError(code: code, message: message, type: typeName, path: fullPath, offset: offset)
    }

    func wrongWireType(_ entry: FieldEntry, expected: WireType, key: (any CodingKey)? = nil) -> WireError {
        error(.wrongWireType, "field \(entry.field): expected \(expected.name), got \(entry.wireType.name)",
              offset: entry.start, key: key)
    }

    func readFailure(_ failure: WireFormat.ReadFailure) -> WireError {
        switch failure {
        case .truncated(let at): error(.truncated, "input ends inside a varint", offset: at)
        case .malformedVarint(let at): error(.malformedVarint, "varint longer than 10 bytes or above 64 bits", offset: at)
        }
    }

    func fieldNumber(_ key: some CodingKey) throws -> Int {
        guard let number = key.intValue else {
            throw error(.unsupportedType,
                        "coding key '\(key.stringValue)' has no Int raw value; declare `enum CodingKeys: Int, CodingKey` with the field numbers",
                        key: key)
        }
        return number
    }

    // MARK: Scanning

    /// Appends the records of the message in `start..<end` to `entries`.
    func index(_ start: Int, _ end: Int, into entries: inout [FieldEntry]) throws {
        // Most messages are a few dozen fields: one allocation instead of doubling from 1.
        entries.reserveCapacity(entries.count + min((end - start) / 2 + 1, 48))
        var index = start
        do {
            while index < end {
                let tagAt = index
                let tag = try WireFormat.readVarint(bytes, &index, end)
                let field = tag >> 3
                guard field >= 1, field <= UInt64(WireFormat.maxFieldNumber) else {
                    throw error(.invalidTag, "field number \(field) is outside 1...536870911", offset: tagAt)
                }
                let valueStart = index
                switch tag & 7 {
                case 0:
                    _ = try WireFormat.readVarint(bytes, &index, end)
                    entries.append(FieldEntry(field: Int(field), wireType: .varint, start: valueStart, end: index))
                case 1:
                    guard end - index >= 8 else { throw error(.truncated, "input ends inside a fixed64 value", offset: index) }
                    index += 8
                    entries.append(FieldEntry(field: Int(field), wireType: .fixed64, start: valueStart, end: index))
                case 2:
                    let length = try WireFormat.readVarint(bytes, &index, end)
                    guard length <= UInt64(maxLength) else {
                        throw error(.sizeLimitExceeded, "field \(field) is \(length) bytes, over the limit of \(maxLength)", offset: tagAt)
                    }
                    guard length <= UInt64(end - index) else {
                        throw error(.lengthOutOfBounds, "field \(field) claims \(length) bytes but only \(end - index) remain", offset: tagAt)
                    }
                    let payloadStart = index
                    index += Int(length)
                    entries.append(FieldEntry(field: Int(field), wireType: .lengthDelimited, start: payloadStart, end: index))
                case 5:
                    guard end - index >= 4 else { throw error(.truncated, "input ends inside a fixed32 value", offset: index) }
                    index += 4
                    entries.append(FieldEntry(field: Int(field), wireType: .fixed32, start: valueStart, end: index))
                case 3, 4:
                    throw error(.groupsUnsupported, "field \(field) uses a group (wire type \(tag & 7)); groups are not supported", offset: tagAt)
                default:
                    throw error(.invalidTag, "field \(field) has wire type \(tag & 7), which does not exist", offset: tagAt)
                }
            }
        } catch let failure as WireFormat.ReadFailure {
            throw readFailure(failure)
        }
    }

    /// The records of one message made of every length-delimited record of `field` in
    /// `entries`: protobuf merges repeated occurrences of a message field.
    func messageEntries(_ entries: [FieldEntry], field: Int) throws -> [FieldEntry] {
        var merged: [FieldEntry] = []
        for entry in entries where entry.field == field {
            guard entry.wireType == .lengthDelimited else { throw wrongWireType(entry, expected: .lengthDelimited) }
            try index(entry.start, entry.end, into: &merged)
        }
        return merged
    }

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

    // MARK: Fields of any type

    @inline(__always)
    static func last(_ entries: [FieldEntry], _ field: Int) -> FieldEntry? {
        var index = entries.count
        while index > 0 {
            index -= 1
            if entries[index].field == field { return entries[index] }
        }
        return nil
    }

    /// A value a branch decoded for `T` after checking `T`'s identity (`T.self == String.self`) or
    /// conformance: a mismatch would be a bug in this decoder, so it is thrown, never a trap.
    func identical<V, T>(_ value: V, key: (any CodingKey)?) throws -> T {
        guard let result = value as? T else {
            throw error(.unsupportedType, "internal: decoded \(V.self) where \(T.self) was expected", key: key)
        }
        return result
    }

    func decodeField<T: Decodable>(_ type: T.Type, entries: [FieldEntry], field: Int, key: (any CodingKey)?) throws -> T {
        if T.self == String.self {
            return try identical(string(Self.last(entries, field), key: key), key: key)
        }
        if T.self == Date.self {
            return try identical(timestamp(entries, field: field, key: key), key: key)
        }
        if T.self == Data.self {
            return try identical(data(Self.last(entries, field), key: key), key: key)
        }
        if T.self == UUID.self {
            return try identical(uuid(Self.last(entries, field), key: key), key: key)
        }
        let kind = WireKind.of(T.self)
        switch kind {
        case .scalar(let scalarType):
            return try identical(decodeScalar(scalarType, Self.last(entries, field), key: key), key: key)
        case .optional:
            guard let optional = T.self as? any OptionalDecodable.Type else {
                throw error(.unsupportedType, "\(T.self) is not Decodable", key: key)
            }
            let present = Self.last(entries, field) != nil
            let decoded = try optional.wireDecode(present: present) { wrappedType in
                try self.decodeField(wrappedType, entries: entries, field: field, key: key)
            }
            return try identical(decoded, key: key)
        case .map(let supported, let valueNestable):
            if T.self == [String: String].self {
                return try identical(decodeStringMap(entries, field: field, key: key), key: key)
            }
            guard supported, let map = T.self as? any WireMapDecodable.Type else {
                throw error(.unsupportedType, "map type \(T.self) is not supported (keys must be String, Bool or an integer type)", key: key)
            }
            if valueNestable {
                throw error(.unsupportedType, "map type \(T.self) is not supported (no repeated, map or optional map values)", key: key)
            }
            if let key { path.append(key) }
            defer { if key != nil { path.removeLast() } }
            return try identical(map.decodeWireMap(entries: entries, field: field, from: self), key: key)
        case .array(let elementNestable, let scalars, _, let repeated):
            if elementNestable {
                throw error(.unsupportedType, "array type \(T.self) is not supported (no nested arrays, [T?] or arrays of maps)", key: key)
            }
            if T.self == [String].self {
                return try identical(decodeStrings(entries, field: field, key: key), key: key)
            }
            if let scalars {
                if let key { path.append(key) }
                defer { if key != nil { path.removeLast() } }
                return try identical(scalars.decodeScalars(entries: entries, field: field, from: self), key: key)
            }
            if let repeated {
                if let key { path.append(key) }
                defer { if key != nil { path.removeLast() } }
                return try identical(repeated.decodeRepeated(entries: entries, field: field, from: self), key: key)
            }
        default:
            break
        }
        let oneofs: OneofGroups? = if case .other(let groups) = kind { groups } else { nil }
        return try decodeNested(T.self, from: .field(entries, field: field), key: key, oneofs: oneofs)
    }

    private func decodeScalar<S: WireScalar>(_ type: S.Type, _ entry: FieldEntry?, key: (any CodingKey)?) throws -> S {
        try convert(scalar(entry, S.wireType, key: key), to: S.self, offset: entry?.start, key: key)
    }

    /// Runs `T(from:)` with `source` and restores the decoder afterwards, also when it throws.
    func decodeNested<T: Decodable>(_ type: T.Type, from newSource: Source, key: (any CodingKey)?, oneofs: OneofGroups?) throws -> T {
        let savedSource = source
        let savedType = typeName
        let savedDepth = depth
        let savedOneofs = self.oneofs
        self.oneofs = oneofs
        source = newSource
        typeName = T.self
        if let key { path.append(key) }
        defer {
            source = savedSource
            typeName = savedType
            depth = savedDepth
            self.oneofs = savedOneofs
            if key != nil { path.removeLast() }
        }
        do {
            return try T(from: self)
        } catch let decodingError as DecodingError {
            throw convert(decodingError)
        }
    }

    /// Errors thrown by Codable code itself (an enum's `init(rawValue:)` failing, say).
    func convert(_ decodingError: DecodingError) -> WireError {
        let context: DecodingError.Context
        switch decodingError {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c):
            context = c
        @unknown default:
            return error(.invalidValue, "\(decodingError)")
        }
        var message = context.debugDescription
        // Swift's "Cannot initialize Sifat from invalid Int32 value 5" names a Swift type; say it
        // in the contract's words.
        if message.hasPrefix("Cannot initialize"), message.contains(" from invalid "),
           let value = message.split(separator: " ").last {
            message = "\(value) is not a value of this enum in the .proto"
        }
        if let underlying = context.underlyingError { message += " (\(underlying))" }
        return WireError(code: .invalidValue, message: message, type: typeName, path: context.codingPath)
    }

    /// One element of a repeated field that is not a packable scalar array.
    /// `elementChecked`: the caller already knows `T` is not an optional, array or map.
    func decodeElement<T: Decodable>(_ type: T.Type, _ entry: FieldEntry, index: Int, elementChecked: Bool = false,
                                     oneofs: OneofGroups? = nil) throws -> T {
        let key = ElementIndexKey(index)
        if T.self == String.self { return try identical(string(entry, key: key), key: key) }
        if T.self == Data.self { return try identical(data(entry, key: key), key: key) }
        if T.self == Date.self { return try identical(timestamp(element: entry, key: key), key: key) }
        if T.self == UUID.self { return try identical(uuid(entry, key: key), key: key) }
        if elementChecked {
            return try decodeNested(T.self, from: .element(entry), key: key, oneofs: oneofs)
        }
        let what: String
        var groups: OneofGroups?
        switch WireKind.of(T.self) {
        case .optional: what = "optional elements ([T?])"
        case .array: what = "nested arrays"
        case .map: what = "arrays of maps"
        case .other(let oneofs): what = ""; groups = oneofs
        default: what = ""
        }
        guard what.isEmpty else {
            throw error(.unsupportedType, "\(what) are not supported: element type \(T.self)", key: key)
        }
        return try decodeNested(T.self, from: .element(entry), key: key, oneofs: groups)
    }

    func decodeMapEntry<K: Decodable, V: Decodable>(_ entry: FieldEntry, index: Int, keyType: K.Type,
                                                   valueType: V.Type) throws -> (K, V) {
        let elementKey = ElementIndexKey(index)
        guard entry.wireType == .lengthDelimited else { throw wrongWireType(entry, expected: .lengthDelimited, key: elementKey) }
        var fields: [FieldEntry] = []
        try self.index(entry.start, entry.end, into: &fields)
        path.append(elementKey)
        defer { path.removeLast() }
        let key = try decodeField(K.self, entries: fields, field: 1, key: MapEntryKey.key)
        let value = try decodeField(V.self, entries: fields, field: 2, key: MapEntryKey.value)
        return (key, value)
    }

    // MARK: Decoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        depth += 1
        guard depth <= maxDepth else {
            throw error(.depthLimitExceeded, "messages nested deeper than \(maxDepth)")
        }
        var entries: [FieldEntry] = []
        switch source {
        case .root:
            try index(0, bytes.count, into: &entries)
        case .field(let parent, let field):
            entries = try messageEntries(parent, field: field)
        case .element(let entry):
            guard entry.wireType == .lengthDelimited else { throw wrongWireType(entry, expected: .lengthDelimited) }
            try index(entry.start, entry.end, into: &entries)
        }
        if let oneofs {
            Oneofs.keepLastMembers(oneofs.protobufOneofs, &entries)
        }
        return KeyedDecodingContainer(MessageDecodingContainer<Key>(decoder: self, entries: entries))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch source {
        case .root:
            throw error(.unsupportedType, "the top-level value must be a message, not a list (\(typeName))")
        case .element:
            throw error(.unsupportedType, "nested arrays are not supported (\(typeName))")
        case .field(let entries, let field):
            return RepeatedDecodingContainer(decoder: self, entries: entries, field: field)
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        if case .root = source {
            throw error(.unsupportedType, "the top-level value must be a message, not a single \(typeName)")
        }
        return SingleDecodingContainer(decoder: self)
    }
}
