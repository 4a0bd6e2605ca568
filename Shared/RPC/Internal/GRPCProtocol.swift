import NIOCore

/// Pieces of the gRPC-over-HTTP/2 protocol shared by server and client
/// (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md).
enum GRPCProtocol {
    static let contentType = "application/grpc"

    /// One length-prefixed message: compressed flag, 4-byte big-endian length, bytes.
    static func frame(_ message: [UInt8]) -> [UInt8] {
        var framed = [UInt8]()
        framed.reserveCapacity(message.count + 5)
        let length = UInt32(message.count)
        framed.append(0)
        framed.append(UInt8(length >> 24))
        framed.append(UInt8(truncatingIfNeeded: length >> 16))
        framed.append(UInt8(truncatingIfNeeded: length >> 8))
        framed.append(UInt8(truncatingIfNeeded: length))
        framed.append(contentsOf: message)
        return framed
    }

    /// The declared length of the message starting at `offset`, if its 5-byte prefix is there.
    static func declaredLength(_ bytes: [UInt8], at offset: Int) -> Int? {
        guard bytes.count - offset >= 5 else { return nil }
        return Int(bytes[offset + 1]) << 24 | Int(bytes[offset + 2]) << 16
            | Int(bytes[offset + 3]) << 8 | Int(bytes[offset + 4])
    }

    enum DeframeError: Error {
        case compressedWithoutEncoding
        case tooLarge(Int)
        case decompressedTooLarge(limit: Int)
        case corrupt(String)
    }

    /// Splits complete messages off the front of `buffer` (consumed bytes are removed);
    /// compressed ones are inflated with `encoding`, to at most `maxSize` bytes.
    static func takeMessages(from buffer: inout [UInt8], maxSize: Int,
                             encoding: MessageEncoding? = nil) throws(DeframeError) -> [[UInt8]] {
        var messages: [[UInt8]] = []
        var offset = 0
        defer { if offset > 0 { buffer.removeFirst(offset) } }
        while let length = declaredLength(buffer, at: offset) {
            if length > maxSize { throw .tooLarge(length) }
            guard buffer.count - offset - 5 >= length else { break }
            let payload = buffer[(offset + 5)..<(offset + 5 + length)]
            if buffer[offset] == 0 {
                messages.append(Array(payload))
            } else {
                guard let encoding else { throw .compressedWithoutEncoding }
                do {
                    messages.append(try encoding.inflate(payload, limit: maxSize))
                } catch {
                    switch error {
                    case .tooLarge(let limit): throw .decompressedTooLarge(limit: limit)
                    case .corrupt(let detail): throw .corrupt(detail)
                    }
                }
            }
            offset += 5 + length
        }
        return messages
    }

    /// Parses `grpc-timeout`: 1-8 digits and a unit (H M S m u n).
    static func parseTimeout(_ value: String) -> Duration? {
        let bytes = Array(value.utf8)
        guard bytes.count >= 2, bytes.count <= 9, let unit = bytes.last else { return nil }
        var amount: Int64 = 0
        for digit in bytes.dropLast() {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            amount = amount * 10 + Int64(digit - UInt8(ascii: "0"))
        }
        switch unit {
        case UInt8(ascii: "H"): return .seconds(amount * 3600)
        case UInt8(ascii: "M"): return .seconds(amount * 60)
        case UInt8(ascii: "S"): return .seconds(amount)
        case UInt8(ascii: "m"): return .milliseconds(amount)
        case UInt8(ascii: "u"): return .microseconds(amount)
        case UInt8(ascii: "n"): return .nanoseconds(amount)
        default: return nil
        }
    }

    /// Formats a timeout with at most 8 digits, in the finest unit that fits.
    static func formatTimeout(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let nanos = max(0, seconds) * 1_000_000_000 + max(0, attoseconds) / 1_000_000_000
        let units: [(Int64, String)] = [(1, "n"), (1000, "u"), (1_000_000, "m"), (1_000_000_000, "S"),
                                        (60_000_000_000, "M"), (3_600_000_000_000, "H")]
        for (scale, unit) in units {
            let amount = (nanos + scale - 1) / scale
            if amount < 100_000_000 { return "\(amount)\(unit)" }
        }
        return "99999999H"
    }

    /// Percent-encodes `grpc-message`: printable ASCII except `%` stays, the rest is %XX of UTF-8.
    static func percentEncode(_ message: String) -> String {
        func isPlain(_ byte: UInt8) -> Bool { byte >= 0x20 && byte <= 0x7E && byte != UInt8(ascii: "%") }
        if message.utf8.allSatisfy(isPlain) { return message }
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(message.utf8.count * 3)
        for byte in message.utf8 {
            if isPlain(byte) {
                bytes.append(byte)
            } else {
                bytes.append(contentsOf: [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Decodes `grpc-message`; malformed escapes are kept as they are (the spec asks for leniency).
    static func percentDecode(_ value: String) -> String {
        let bytes = Array(value.utf8)
        guard bytes.contains(UInt8(ascii: "%")) else { return value }
        var out = [UInt8]()
        var index = 0
        func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
               let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Trailers (or Trailers-Only headers) that carry a status.
    static func statusFields(_ error: RPCError?) -> [(String, String)] {
        guard let error else { return [("grpc-status", "0")] }
        var fields = [("grpc-status", String(error.code.rawValue))]
        if !error.message.isEmpty { fields.append(("grpc-message", percentEncode(error.message))) }
        fields.append(contentsOf: error.metadata.wirePairs)
        return fields
    }

    /// The gRPC status for an HTTP status other than 200 (gRPC's http-grpc-status-mapping.md).
    static func code(forHTTPStatus status: Int) -> RPCError.Code {
        switch status {
        case 400: .internalError
        case 401: .unauthenticated
        case 403: .permissionDenied
        case 404: .unimplemented
        case 429, 502, 503, 504: .unavailable
        default: .unknown
        }
    }
}
