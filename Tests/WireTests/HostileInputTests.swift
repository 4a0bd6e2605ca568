import Foundation
import Testing
import Wire

@Suite(.timeLimit(.minutes(5))) struct HostileInputTests {
    func decodeError<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], decoder: ProtobufDecoder = ProtobufDecoder()) throws -> WireError {
        try #require(throws: WireError.self) { try decoder.decode(T.self, from: bytes) }
    }

    @Test func truncatedVarint() throws {
        #expect(try decodeError(Scalars.self, [0x10, 0x80]).code == .truncated)
        #expect(try decodeError(Scalars.self, [0x80]).code == .truncated)  // inside the tag
        #expect(try decodeError(Scalars.self, [0x10, 0xFF, 0xFF, 0xFF]).code == .truncated)
    }

    @Test func overlongVarint() throws {
        let eleven: [UInt8] = [0x10] + Array(repeating: 0xFF, count: 10) + [0x01]
        #expect(try decodeError(Scalars.self, eleven).code == .malformedVarint)
        let overflow: [UInt8] = [0x10] + Array(repeating: 0xFF, count: 9) + [0x02]
        #expect(try decodeError(Scalars.self, overflow).code == .malformedVarint)
    }

    /// wire-format.md: "a number too large for the field" is invalidValue, never cut to 32 bits.
    @Test func int32AndUInt32OutOfRangeAreRefused() throws {
        let twoTo40Plus3: [UInt8] = [0x83, 0x80, 0x80, 0x80, 0x80, 0x20]
        let twoTo32: [UInt8] = [0x80, 0x80, 0x80, 0x80, 0x10]
        let twoTo31: [UInt8] = [0x80, 0x80, 0x80, 0x80, 0x08]
        #expect(try decodeError(Scalars.self, [0x10] + twoTo40Plus3).code == .invalidValue)  // small: int32
        #expect(try decodeError(Scalars.self, [0x10] + twoTo31).code == .invalidValue)
        #expect(try decodeError(Scalars.self, [0x20] + twoTo32).code == .invalidValue)  // word: uint32
        // The edges still decode: -1 as int32 is the 10-byte sign-extended varint, uint32 max is 2^32-1.
        let minusOne: [UInt8] = [0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
        #expect(try ProtobufDecoder().decode(Scalars.self, from: minusOne).small == -1)
        #expect(try ProtobufDecoder().decode(Scalars.self, from: [0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]).word == UInt32.max)
        // Packed repeated int32 too.
        #expect(throws: WireError.self) { try ProtobufDecoder().decode(Repeated.self, from: [0x0A, 0x06] + twoTo40Plus3) }
    }

    @Test func truncatedFixedWidth() throws {
        #expect(try decodeError(Scalars.self, [0x39, 1, 2, 3]).code == .truncated)  // double
        #expect(try decodeError(Scalars.self, [0x35, 1]).code == .truncated)  // float
    }

    @Test func lengthPastTheEnd() throws {
        let error = try decodeError(Scalars.self, [0x42, 0x05, 0x61])
        #expect(error.code == .lengthOutOfBounds)
        #expect(error.offset == 0)
        // A length near 2^64 must not overflow any arithmetic.
        let huge: [UInt8] = [0x42] + Array(repeating: 0xFF, count: 9) + [0x01]
        #expect([.lengthOutOfBounds, .sizeLimitExceeded].contains(try decodeError(Scalars.self, huge).code))
        // Inside a nested message the error names the path.
        let nested = try decodeError(Letter.self, [0x2A, 0x03, 0x0A, 0x05, 0x61])
        #expect(nested.code == .lengthOutOfBounds)
        #expect(nested.fieldPath == "addressees(5)[0]")
    }

    @Test func wrongWireType() throws {
        let error = try decodeError(Scalars.self, [0x40, 0x01])  // text (8) as a varint
        #expect(error.code == .wrongWireType)
        #expect(error.fieldPath == "text(8)")
        #expect(error.description.contains("Scalars"))
        #expect(try decodeError(Scalars.self, [0x12, 0x00]).code == .wrongWireType)  // small (2) as bytes
        #expect(try decodeError(Letter.self, [0x22, 0x01, 0x00]).code != .wrongWireType)  // createdAt payload junk
        #expect(try decodeError(Letter.self, [0x20, 0x01]).code == .wrongWireType)  // createdAt as varint
        #expect(try decodeError(Repeated.self, [0x3D, 0, 0, 0, 0]).code == .wrongWireType)  // inners as fixed32
    }

    @Test func invalidUTF8() throws {
        for bad: [UInt8] in [[0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xF0, 0x9F, 0x87]] {
            let error = try decodeError(Scalars.self, [0x42, UInt8(bad.count)] + bad)
            #expect(error.code == .invalidUTF8)
            #expect(error.fieldPath == "text(8)")
        }
        // Bytes fields take anything.
        #expect(try ProtobufDecoder().decode(Scalars.self, from: [0x4A, 0x01, 0xFF]).blob == Data([0xFF]))
    }

    @Test func groupsAndInvalidTags() throws {
        #expect(try decodeError(Scalars.self, [0x0B, 0x0C]).code == .groupsUnsupported)
        #expect(try decodeError(Scalars.self, [0x00, 0x01]).code == .invalidTag)  // field 0
        #expect(try decodeError(Scalars.self, [0x0E]).code == .invalidTag)  // wire type 6
        #expect(try decodeError(Scalars.self, [0x0F]).code == .invalidTag)  // wire type 7
        // Field number above 2^29-1.
        #expect(try decodeError(Scalars.self, [0x80, 0x80, 0x80, 0x80, 0x20, 0x00]).code == .invalidTag)
    }

    final class Node: Codable {
        var children: [Node] = []
        enum CodingKeys: Int, CodingKey { case children = 1 }
    }

    func nested(_ depth: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<depth {
            var length: [UInt8] = []
            var value = bytes.count
            while value >= 0x80 {
                length.append(UInt8(value & 0x7F) | 0x80)
                value >>= 7
            }
            length.append(UInt8(value))
            bytes = [0x0A] + length + bytes
        }
        return bytes
    }

    @Test func depthLimit() throws {
        #expect(throws: Never.self) { try ProtobufDecoder().decode(Node.self, from: nested(99)) }
        let error = try decodeError(Node.self, nested(100_000))
        #expect(error.code == .depthLimitExceeded)
        var shallow = ProtobufDecoder()
        shallow.maxDepth = 5
        #expect(try decodeError(Node.self, nested(6), decoder: shallow).code == .depthLimitExceeded)
        #expect(throws: Never.self) { try shallow.decode(Node.self, from: nested(5)) }
    }

    @Test func sizeLimits() throws {
        var small = ProtobufDecoder()
        small.maxLength = 16
        #expect(try decodeError(Scalars.self, Array(repeating: 0x08, count: 17), decoder: small).code == .sizeLimitExceeded)
        small.maxLength = 8
        // One field longer than the limit (input is short because the length is a lie).
        #expect(try decodeError(Scalars.self, [0x42, 0x20, 0x61], decoder: small).code == .sizeLimitExceeded)
        #expect(throws: Never.self) { try small.decode(Scalars.self, from: [0x42, 0x03, 0x61, 0x62, 0x63]) }
    }

    @Test func badMapEntriesAndPackedRecords() throws {
        // labels (1) entry whose key has the wrong wire type.
        #expect(try decodeError(Maps.self, [0x0A, 0x02, 0x08, 0x01]).code == .wrongWireType)
        // packed int32s cut inside a varint.
        #expect(try decodeError(Repeated.self, [0x0A, 0x02, 0x01, 0x80]).code == .truncated)
        // packed doubles with a partial value.
        #expect(try decodeError(Repeated.self, [0x1A, 0x03, 0, 0, 0]).code == .truncated)
    }
}
