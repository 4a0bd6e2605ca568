import Foundation

// Writing single values: scalars, strings, bytes, timestamps, UUIDs.
extension EncodingState {
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
}
