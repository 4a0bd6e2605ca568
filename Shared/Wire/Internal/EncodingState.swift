import Foundation

/// The `Encoder` behind `ProtobufEncoder`: one object per `encode` call, writing every field
/// straight into one growing byte array.
///
/// Nested messages get a one-byte length placeholder that is patched when the message ends
/// (widened in place in the rare case it is 128 bytes or longer), so no per-message buffers
/// or size pre-pass are needed. Fields are written in the order `encode(to:)` produces them;
/// a message whose fields came out of ascending order is re-sorted once, when it ends.
final class EncodingState: Encoder {
    /// Where the value being encoded sits, and what it has written so far.
    struct Slot {
        enum Position: Equatable {
            case root
            case field(Int)
            case element(Int)
        }
        enum Opened: Equatable {
            case nothing, message, single, repeated
        }
        var position: Position
        /// Write the value even if it is the default (optional fields, map entries, elements).
        var presence: Bool
        var typeName: Any.Type
        /// Oneof groups of the message type, checked when the message ends.
        var oneofs: OneofGroups?
        var opened: Opened = .nothing
        var tagStart = 0
        var lengthAt = 0
        var messageStart = 0
        var lastField = 0
        var outOfOrder = false
        /// Offset of the length placeholder of an open packed run, or -1.
        var packedLengthAt = -1
    }

    static let maxDepth = 100

    // One EncodingState serves one synchronous `encode` call and its accesses never overlap,
    // so the per-access dynamic exclusivity checks (a measurable share of encoding) are off.
    @exclusivity(unchecked) var buffer: [UInt8] = []
    @exclusivity(unchecked) var path: [any CodingKey] = []
    @exclusivity(unchecked) var slot: Slot
    /// Nesting depth of the message being written (the top-level message is 0).
    @exclusivity(unchecked) var depth = -1
    /// Errors found in non-throwing `Encoder` methods, thrown when control returns to us.
    @exclusivity(unchecked) var deferredError: WireError?

    init(rootType: Any.Type) {
        slot = Slot(position: .root, presence: true, typeName: rootType)
        reserved = SizeHints.capacity(for: rootType)
        buffer.reserveCapacity(reserved)
    }

    private let reserved: Int

    var codingPath: [any CodingKey] { path }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    // MARK: Errors

    func error(_ code: WireError.Code, _ message: String, key: (any CodingKey)? = nil) -> WireError {
        var fullPath = path
        if let key { fullPath.append(key) }
        return WireError(code: code, message: message, type: slot.typeName, path: fullPath)
    }

    func deferError(_ error: WireError) {
        if deferredError == nil { deferredError = error }
    }

    func throwDeferred() throws {
        if let deferredError { throw deferredError }
    }

    func fieldNumber(_ key: some CodingKey) throws -> Int {
        guard let number = key.intValue else {
            throw error(.unsupportedType,
                        "coding key '\(key.stringValue)' has no Int raw value; declare `enum CodingKeys: Int, CodingKey` with the field numbers",
                        key: key)
        }
        guard WireFormat.isValidFieldNumber(number) else {
            throw error(.unsupportedType, "field number \(number) is outside 1...536870911 or in the reserved 19000...19999",
                        key: key)
        }
        return number
    }

    @inline(__always)
    func noteField(_ number: Int) {
        if number < slot.lastField { slot.outOfOrder = true }
        slot.lastField = number
    }

    // MARK: Top level

    func encodeRoot<T: Encodable>(_ value: T) throws {
        guard case .other(let oneofs) = WireKind.of(T.self) else {
            throw error(.unsupportedType, "the top-level value must be a message (a struct with Int CodingKeys), not \(T.self)")
        }
        slot.oneofs = oneofs
        try value.encode(to: self)
        try throwDeferred()
        if slot.opened == .message {
            try closeMessage(slot)
        }
        if buffer.count > reserved { SizeHints.record(buffer.count, for: T.self) }
    }

    // MARK: Scalars

    @inline(__always)
    func writeScalar(_ raw: UInt64, _ wireType: WireType, field: Int, presence: Bool) {
        if raw == 0 && !presence { return }
        Self.putScalar(&buffer, raw, wireType, field)
    }

    @inline(__always)
    static func putScalar(_ buffer: inout [UInt8], _ raw: UInt64, _ wireType: WireType, _ field: Int) {
        WireFormat.appendTag(field, wireType, to: &buffer)
        putValue(&buffer, raw, wireType)
    }

    @inline(__always)
    static func putValue(_ buffer: inout [UInt8], _ raw: UInt64, _ wireType: WireType) {
        switch wireType {
        case .fixed32: WireFormat.appendFixed32(UInt32(truncatingIfNeeded: raw), to: &buffer)
        case .fixed64: WireFormat.appendFixed64(raw, to: &buffer)
        default: WireFormat.appendVarint(raw, to: &buffer)
        }
    }

    /// One element of a repeated scalar field: appended to the open packed run, opening one if needed.
    func writePackedElement(_ raw: UInt64, _ wireType: WireType, field: Int) {
        if slot.packedLengthAt < 0 {
            WireFormat.appendTag(field, .lengthDelimited, to: &buffer)
            slot.packedLengthAt = buffer.count
            buffer.append(0)
        }
        Self.putValue(&buffer, raw, wireType)
    }

    func endPackedRun() {
        guard slot.packedLengthAt >= 0 else { return }
        let lengthAt = slot.packedLengthAt
        Self.patchLength(&buffer, at: lengthAt, length: buffer.count - lengthAt - 1)
        slot.packedLengthAt = -1
    }

    /// A scalar written through a single-value container (enums, wrappers, `Optional`).
    func writeSingleScalar(_ raw: UInt64, _ wireType: WireType) throws {
        switch slot.position {
        case .root:
            throw error(.unsupportedType, "the top-level value must be a message, not a single \(slot.typeName)")
        case .field(let field):
            slot.opened = .single
            writeScalar(raw, wireType, field: field, presence: slot.presence)
        case .element(let field):
            slot.opened = .single
            writePackedElement(raw, wireType, field: field)
        }
    }

    // MARK: Strings, bytes, timestamps, UUIDs

    func writeString(_ value: String, field: Int, presence: Bool) {
        if value.isEmpty && !presence { return }
        Self.putString(&buffer, value, field)
    }

    static func putString(_ buffer: inout [UInt8], _ value: String, _ field: Int) {
        WireFormat.appendTag(field, .lengthDelimited, to: &buffer)
        let utf8 = value.utf8
        WireFormat.appendVarint(UInt64(utf8.count), to: &buffer)
        // Native strings are contiguous UTF-8: copy them in one block rather than byte by byte.
        if utf8.withContiguousStorageIfAvailable({ buffer.append(contentsOf: $0) }) == nil {
            buffer.append(contentsOf: utf8)
        }
    }

    func writeBytes(_ value: Data, field: Int, presence: Bool) {
        if value.isEmpty && !presence { return }
        Self.putBytes(&buffer, value, field)
    }

    static func putBytes(_ buffer: inout [UInt8], _ value: Data, _ field: Int) {
        WireFormat.appendTag(field, .lengthDelimited, to: &buffer)
        WireFormat.appendVarint(UInt64(value.count), to: &buffer)
        buffer.append(contentsOf: value)
    }

    func writeTimestamp(_ value: Date, field: Int, presence: Bool, key: (any CodingKey)?) throws {
        guard let (seconds, nanos) = Timestamp.parts(of: value) else {
            throw error(.invalidValue, "date \(value.timeIntervalSince1970) is outside google.protobuf.Timestamp's range (years 1 to 9999)", key: key)
        }
        Self.putTimestamp(&buffer, seconds: seconds, nanos: nanos, field: field, presence: presence)
    }

    static func putTimestamp(_ buffer: inout [UInt8], seconds: Int64, nanos: Int32, field: Int, presence: Bool) {
        let secondsRaw = UInt64(bitPattern: seconds)
        let nanosRaw = UInt64(bitPattern: Int64(nanos))
        var length = 0
        if secondsRaw != 0 { length += 1 + WireFormat.varintSize(secondsRaw) }
        if nanosRaw != 0 { length += 1 + WireFormat.varintSize(nanosRaw) }
        if length == 0 && !presence { return }
        WireFormat.appendTag(field, .lengthDelimited, to: &buffer)
        WireFormat.appendVarint(UInt64(length), to: &buffer)
        if secondsRaw != 0 { putScalar(&buffer, secondsRaw, .varint, 1) }
        if nanosRaw != 0 { putScalar(&buffer, nanosRaw, .varint, 2) }
    }

    func writeUUID(_ value: UUID, field: Int) {
        Self.putUUID(&buffer, value, field)
    }

    /// Lowercase canonical form (8-4-4-4-12), written without building a String.
    static func putUUID(_ buffer: inout [UInt8], _ value: UUID, _ field: Int) {
        WireFormat.appendTag(field, .lengthDelimited, to: &buffer)
        buffer.append(36)
        let u = value.uuid
        func byte(_ b: UInt8, _ buffer: inout [UInt8]) {
            buffer.append(hexDigit(b >> 4))
            buffer.append(hexDigit(b & 0x0F))
        }
        let dash = UInt8(ascii: "-")
        byte(u.0, &buffer); byte(u.1, &buffer); byte(u.2, &buffer); byte(u.3, &buffer)
        buffer.append(dash)
        byte(u.4, &buffer); byte(u.5, &buffer)
        buffer.append(dash)
        byte(u.6, &buffer); byte(u.7, &buffer)
        buffer.append(dash)
        byte(u.8, &buffer); byte(u.9, &buffer)
        buffer.append(dash)
        byte(u.10, &buffer); byte(u.11, &buffer); byte(u.12, &buffer); byte(u.13, &buffer)
        byte(u.14, &buffer); byte(u.15, &buffer)
    }

    @inline(__always)
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? nibble + UInt8(ascii: "0") : nibble - 10 + UInt8(ascii: "a")
    }

    // MARK: Fields of any type

    /// Encodes `value` as field `field` of the message in the current slot.
    func encodeField<T: Encodable>(_ value: T, field: Int, presence: Bool, key: (any CodingKey)?) throws {
        if T.self == String.self, let string = value as? String {
            writeString(string, field: field, presence: presence)
            return
        }
        if T.self == Date.self, let date = value as? Date {
            try writeTimestamp(date, field: field, presence: presence, key: key)
            return
        }
        if T.self == Data.self, let data = value as? Data {
            writeBytes(data, field: field, presence: presence)
            return
        }
        if T.self == UUID.self, let uuid = value as? UUID {
            writeUUID(uuid, field: field)
            return
        }
        let kind = WireKind.of(T.self)
        switch kind {
        case .optional:
            // `encode(Optional(x))` rather than `encodeIfPresent(x)`: same meaning, presence.
            if let wrapped = (value as? any OptionalEncodable)?.wrappedEncodable {
                try encodeField(wrapped, field: field, presence: true, key: key)
            }
            return
        case .map(let supported, let valueNestable):
            if let labels = value as? [String: String] {
                encodeStringMap(labels, field: field)
                return
            }
            guard supported, let map = value as? any WireMapEncodable else {
                throw error(.unsupportedType, "map type \(T.self) is not supported (keys must be String, Bool or an integer type)", key: key)
            }
            if valueNestable {
                throw error(.unsupportedType, "map type \(T.self) is not supported (no repeated, map or optional map values)", key: key)
            }
            try map.encodeWireMap(field: field, into: self)
            return
        case .array(let elementNestable, let scalars, let repeated, _):
            if elementNestable {
                throw error(.unsupportedType, "array type \(T.self) is not supported (no nested arrays, [T?] or arrays of maps)", key: key)
            }
            if let scalars {
                try encodePacked(scalars, value, field: field)
                return
            }
            if let repeated {
                try encodeRepeated(repeated, value, field: field, key: key)
                return
            }
        default:
            break
        }
        let oneofs: OneofGroups? = if case .other(let groups) = kind { groups } else { nil }
        try encodeNested(value, position: .field(field), presence: presence, key: key, oneofs: oneofs)
    }

    /// Runs `value.encode(to:)` in a fresh slot and closes whatever it opened.
    func encodeNested<T: Encodable>(_ value: T, position: Slot.Position, presence: Bool, key: (any CodingKey)?,
                                    oneofs: OneofGroups?) throws {
        let parent = slot
        let savedDepth = depth
        slot = Slot(position: position, presence: presence, typeName: T.self, oneofs: oneofs)
        slot.packedLengthAt = parent.packedLengthAt
        if let key { path.append(key) }
        try value.encode(to: self)
        try throwDeferred()
        depth = savedDepth
        if key != nil { path.removeLast() }
        let child = slot
        slot = parent
        slot.packedLengthAt = child.packedLengthAt
        switch child.opened {
        case .message:
            try closeMessage(child)
        case .repeated:
            if child.packedLengthAt >= 0 {
                Self.patchLength(&buffer, at: child.packedLengthAt,
                                 length: buffer.count - child.packedLengthAt - 1)
                slot.packedLengthAt = -1
            }
        case .single, .nothing:
            break
        }
    }

    private func encodePacked<A: WireScalarArray, T>(_ type: A.Type, _ value: T, field: Int) throws {
        guard let array = value as? A else { throw error(.unsupportedType, "internal: \(T.self) is not \(A.self)") }
        array.encodePacked(field: field, into: self)
    }

    private func encodeRepeated<A: WireRepeatedEncodable, T>(_ type: A.Type, _ value: T, field: Int, key: (any CodingKey)?) throws {
        if let key { path.append(key) }
        guard let array = value as? A else { throw error(.unsupportedType, "internal: \(T.self) is not \(A.self)", key: key) }
        try array.encodeRepeated(field: field, into: self)
        if key != nil { path.removeLast() }
    }

    /// One element of a repeated field of strings, bytes, timestamps, UUIDs, enums or messages.
    /// `elementChecked`: the caller already knows `T` is not an optional, array or map.
    func encodeElement<T: Encodable>(_ value: T, field: Int, index: Int, elementChecked: Bool = false,
                                     oneofs: OneofGroups? = nil) throws {
        if T.self == String.self, let string = value as? String {
            endPackedRun()
            writeString(string, field: field, presence: true)
        } else if T.self == Data.self, let data = value as? Data {
            endPackedRun()
            writeBytes(data, field: field, presence: true)
        } else if T.self == Date.self, let date = value as? Date {
            endPackedRun()
            try writeTimestamp(date, field: field, presence: true, key: ElementIndexKey(index))
        } else if T.self == UUID.self, let uuid = value as? UUID {
            endPackedRun()
            writeUUID(uuid, field: field)
        } else if elementChecked {
            try encodeNested(value, position: .element(field), presence: true, key: ElementIndexKey(index), oneofs: oneofs)
        } else {
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
                throw error(.unsupportedType, "\(what) are not supported: element type \(T.self)", key: ElementIndexKey(index))
            }
            try encodeNested(value, position: .element(field), presence: true, key: ElementIndexKey(index), oneofs: groups)
        }
    }

    /// `map<string, string>`, the common case, without generic dispatch per entry.
    func encodeStringMap(_ map: [String: String], field: Int) {
        for (key, value) in map.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            let keyLength = key.utf8.count
            let valueLength = value.utf8.count
            let entryLength = 2 + WireFormat.varintSize(UInt64(keyLength)) + keyLength
                + WireFormat.varintSize(UInt64(valueLength)) + valueLength
            WireFormat.appendTag(field, .lengthDelimited, to: &buffer)
            WireFormat.appendVarint(UInt64(entryLength), to: &buffer)
            Self.putString(&buffer, key, 1)
            Self.putString(&buffer, value, 2)
        }
    }

    func encodeMapEntry<K: WireMapKey & Encodable, V: Encodable>(key: K, value: V, field: Int) throws {
        let parent = slot
        let savedDepth = depth
        defer { depth = savedDepth }
        slot = Slot(position: .element(field), presence: true, typeName: V.self)
        openMessage()
        // Protobuf writes both key and value of every entry, defaults included.
        try encodeField(key, field: 1, presence: true, key: MapEntryKey.key)
        slot.lastField = 1
        try encodeField(value, field: 2, presence: true, key: MapEntryKey.value)
        let child = slot
        slot = parent
        try closeMessage(child)
    }

    // MARK: Messages

    func openMessage() {
        depth += 1
        if depth > Self.maxDepth {
            deferError(error(.depthLimitExceeded, "messages nested deeper than \(Self.maxDepth)"))
        }
        switch slot.position {
        case .root:
            slot.messageStart = buffer.count
        case .field(let field), .element(let field):
            endPackedRun()
            slot.tagStart = buffer.count
            WireFormat.appendTag(field, .lengthDelimited, to: &buffer)
            slot.lengthAt = buffer.count
            buffer.append(0)
            slot.messageStart = buffer.count
        }
        slot.opened = .message
    }

    func closeMessage(_ message: Slot) throws {
        if message.outOfOrder {
            Self.sortFields(&buffer, from: message.messageStart)
        }
        if let oneofs = message.oneofs {
            let fields = Self.fieldNumbers(buffer, from: message.messageStart)
            if let members = Oneofs.conflictingMembers(oneofs.protobufOneofs, fields) {
                throw error(.invalidValue, "oneof members \(members) are both set; at most one may be")
            }
        }
        if message.position == .root { return }
        let length = buffer.count - message.messageStart
        if length == 0 && !message.presence {
            buffer.removeSubrange(message.tagStart...)
            return
        }
        Self.patchLength(&buffer, at: message.lengthAt, length: length)
    }

    /// Writes `length` into the one-byte placeholder at `lengthAt`, widening it if needed.
    static func patchLength(_ buffer: inout [UInt8], at lengthAt: Int, length: Int) {
        if length < 0x80 {
            buffer[lengthAt] = UInt8(length)
            return
        }
        let size = WireFormat.varintSize(UInt64(length))
        buffer.insert(contentsOf: repeatElement(0, count: size - 1), at: lengthAt + 1)
        var value = length
        var index = lengthAt
        while value >= 0x80 {
            buffer[index] = UInt8(truncatingIfNeeded: value) | 0x80
            value >>= 7
            index += 1
        }
        buffer[index] = UInt8(value)
    }

    /// The field numbers of the records from `start` to the end of the buffer.
    static func fieldNumbers(_ buffer: [UInt8], from start: Int) -> [Int] {
        records(buffer, from: start).map { Int($0.field) }
    }

    /// The records this encoder wrote from `start` to the end of the buffer.
    static func records(_ buffer: [UInt8], from start: Int) -> [(field: UInt64, range: Range<Int>)] {
        var records: [(field: UInt64, range: Range<Int>)] = []
        var index = start
        let end = buffer.count
        // The bytes were written by this encoder, so they are well-formed.
        while index < end {
            let recordStart = index
            guard let tag = try? WireFormat.readVarint(buffer, &index, end) else { break }
            switch WireType(rawValue: UInt8(tag & 7)) {
            case .varint: _ = try? WireFormat.readVarint(buffer, &index, end)
            case .fixed64: index += 8
            case .fixed32: index += 4
            case .lengthDelimited:
                guard let length = try? WireFormat.readVarint(buffer, &index, end) else { return records }
                index += Int(length)
            default: return records
            }
            records.append((tag >> 3, recordStart..<index))
        }
        return records
    }

    /// Stable-sorts the records of the message that runs from `start` to the end of the buffer
    /// by field number. Only called when `encode(to:)` wrote fields out of ascending order.
    static func sortFields(_ buffer: inout [UInt8], from start: Int) {
        let records = records(buffer, from: start)
        let end = buffer.count
        let sorted = records.enumerated().sorted {
            ($0.element.field, $0.offset) < ($1.element.field, $1.offset)
        }
        var reordered: [UInt8] = []
        reordered.reserveCapacity(end - start)
        for record in sorted { reordered.append(contentsOf: buffer[record.element.range]) }
        buffer.replaceSubrange(start..<end, with: reordered)
    }

    // MARK: Encoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        switch slot.opened {
        case .nothing:
            openMessage()
        case .message:
            break
        case .single, .repeated:
            deferError(error(.unsupportedType, "\(slot.typeName) mixes a keyed container with other containers"))
        }
        return KeyedEncodingContainer(MessageEncodingContainer<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        switch slot.position {
        case .root:
            deferError(error(.unsupportedType, "the top-level value must be a message, not a list (\(slot.typeName))"))
            return RepeatedEncodingContainer(encoder: self, field: 1)
        case .element:
            deferError(error(.unsupportedType, "nested arrays are not supported (\(slot.typeName))"))
            return RepeatedEncodingContainer(encoder: self, field: 1)
        case .field(let field):
            slot.opened = .repeated
            return RepeatedEncodingContainer(encoder: self, field: field)
        }
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleEncodingContainer(encoder: self)
    }
}
