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
