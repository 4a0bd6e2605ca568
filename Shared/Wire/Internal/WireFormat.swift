/// Protobuf wire primitives: wire types, varints, tags. Writers append to an `inout [UInt8]`
/// so a whole field is written under one exclusive access of the encoder's buffer.
enum WireType: UInt8 {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5

    var name: String {
        switch self {
        case .varint: "varint (0)"
        case .fixed64: "fixed64 (1)"
        case .lengthDelimited: "length-delimited (2)"
        case .startGroup: "start-group (3)"
        case .endGroup: "end-group (4)"
        case .fixed32: "fixed32 (5)"
        }
    }
}

enum WireFormat {
    static let maxFieldNumber = (1 << 29) - 1

    static func isValidFieldNumber(_ number: Int) -> Bool {
        number >= 1 && number <= maxFieldNumber && !(19000...19999).contains(number)
    }

    @inline(__always)
    static func varintSize(_ value: UInt64) -> Int {
        // 1 + floor(bit length - 1) / 7, with 0 taking one byte.
        let bits = 64 - (value | 1).leadingZeroBitCount
        return (bits + 6) / 7
    }

    @inline(__always)
    static func appendVarint(_ value: UInt64, to buffer: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            buffer.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        buffer.append(UInt8(truncatingIfNeeded: value))
    }

    @inline(__always)
    static func appendTag(_ field: Int, _ wireType: WireType, to buffer: inout [UInt8]) {
        appendVarint(UInt64(field) << 3 | UInt64(wireType.rawValue), to: &buffer)
    }

    @inline(__always)
    static func appendFixed32(_ value: UInt32, to buffer: inout [UInt8]) {
        buffer.append(UInt8(truncatingIfNeeded: value))
        buffer.append(UInt8(truncatingIfNeeded: value >> 8))
        buffer.append(UInt8(truncatingIfNeeded: value >> 16))
        buffer.append(UInt8(truncatingIfNeeded: value >> 24))
    }

    @inline(__always)
    static func appendFixed64(_ value: UInt64, to buffer: inout [UInt8]) {
        appendFixed32(UInt32(truncatingIfNeeded: value), to: &buffer)
        appendFixed32(UInt32(truncatingIfNeeded: value >> 32), to: &buffer)
    }

    /// Why a read failed; the decoder turns it into a `WireError` with the field path.
    enum ReadFailure: Error {
        case truncated(at: Int)
        case malformedVarint(at: Int)
    }

    /// Reads a varint at `index` (advancing it), never past `end`.
    @inline(__always)
    static func readVarint(_ bytes: [UInt8], _ index: inout Int, _ end: Int) throws(ReadFailure) -> UInt64 {
        let start = index
        guard index < end else { throw .truncated(at: start) }
        let first = bytes[index]
        index += 1
        if first < 0x80 { return UInt64(first) }
        var result = UInt64(first & 0x7F)
        var shift: UInt64 = 7
        while true {
            guard index < end else { throw .truncated(at: start) }
            let byte = bytes[index]
            index += 1
            if shift == 63 {
                // The tenth byte may only carry the top bit of a 64-bit value.
                guard byte <= 1 else { throw .malformedVarint(at: start) }
                return result | UInt64(byte) << 63
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    @inline(__always)
    static func readFixed32(_ bytes: [UInt8], _ index: Int) -> UInt32 {
        UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16
            | UInt32(bytes[index + 3]) << 24
    }

    @inline(__always)
    static func readFixed64(_ bytes: [UInt8], _ index: Int) -> UInt64 {
        UInt64(readFixed32(bytes, index)) | UInt64(readFixed32(bytes, index + 4)) << 32
    }
}
