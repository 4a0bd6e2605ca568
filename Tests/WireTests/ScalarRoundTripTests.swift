import Foundation
import Testing
import Wire

@Suite(.timeLimit(.minutes(5))) struct ScalarRoundTripTests {
    @Test func defaultsEncodeToNothing() throws {
        #expect(try ProtobufEncoder().encode(Scalars()) == [])
        #expect(try ProtobufDecoder().decode(Scalars.self, from: []) == Scalars())
    }

    @Test func negativeInt32IsTenByteVarint() throws {
        let bytes = try ProtobufEncoder().encode(Scalars(small: -1))
        #expect(bytes == [0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        #expect(try ProtobufDecoder().decode(Scalars.self, from: bytes).small == -1)
    }

    @Test(arguments: [
        Scalars(flag: true, small: .max, big: .max, word: .max, wide: .max, real: .greatestFiniteMagnitude,
                precise: .greatestFiniteMagnitude, text: "x", blob: Data([1]), native: .max, unative: .max),
        Scalars(small: .min, big: .min, real: -.greatestFiniteMagnitude, precise: -.greatestFiniteMagnitude,
                native: .min),
        Scalars(small: -1, big: -1, word: 1, wide: 1, real: .leastNonzeroMagnitude, precise: .leastNonzeroMagnitude,
                native: -1, unative: 1),
        Scalars(real: .infinity, precise: -.infinity),
        Scalars(text: "", blob: Data()),
        Scalars(text: "Kecamatan Ñandú — 日本語 🇮🇩 \u{0} \u{10FFFF}", blob: Data([0, 0xFF, 0x80])),
    ])
    func edgeValuesRoundTrip(value: Scalars) throws {
        #expect(try roundTrip(value) == value)
    }

    @Test func nanAndNegativeZeroKeepTheirBits() throws {
        let value = Scalars(real: -0.0, precise: .nan)
        let bytes = try ProtobufEncoder().encode(value)
        // -0.0 is not the default (protobuf compares bits), so it is written.
        #expect(bytes.count == 5 + 9)
        let decoded = try roundTrip(value)
        #expect(decoded.real.bitPattern == Float(-0.0).bitPattern)
        #expect(decoded.precise.isNaN)
    }

    @Test func largeStringsAndBytes() throws {
        let text = String(repeating: "surat ✉️ ", count: 200_000)
        let blob = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let value = Scalars(text: text, blob: blob)
        #expect(try roundTrip(value) == value)
    }

    struct Narrow: Codable, Equatable {
        var a: Int8 = 0
        var b: Int16 = 0
        var c: UInt8 = 0
        var d: UInt16 = 0
        enum CodingKeys: Int, CodingKey { case a = 1, b, c, d }
    }

    @Test func narrowIntegersMapToInt32AndRejectOutOfRange() throws {
        let value = Narrow(a: -128, b: .max, c: 255, d: .max)
        #expect(try roundTrip(value) == value)
        // int32 field holding 300 cannot be an Int8.
        let error = try #require(throws: WireError.self) { try ProtobufDecoder().decode(Narrow.self, from: [0x08, 0xAC, 0x02]) }
        #expect(error.code == .invalidValue)
        #expect(error.fieldPath == "a(1)")
    }

    @Test func lastValueWinsForScalars() throws {
        // small = 1, then small = 2, text = "a", then text = "b".
        let bytes: [UInt8] = [0x10, 0x01, 0x42, 0x01, 0x61, 0x10, 0x02, 0x42, 0x01, 0x62]
        let decoded = try ProtobufDecoder().decode(Scalars.self, from: bytes)
        #expect(decoded.small == 2)
        #expect(decoded.text == "b")
    }

    @Test func unknownFieldsOfEveryWireTypeAreSkipped() throws {
        let bytes: [UInt8] = [
            0xF8, 0x01, 0x96, 0x01,  // field 31 varint 150
            0xF9, 0x01, 1, 2, 3, 4, 5, 6, 7, 8,  // field 31 fixed64
            0xFD, 0x01, 1, 2, 3, 4,  // field 31 fixed32
            0xFA, 0x01, 0x03, 0x61, 0x62, 0x63,  // field 31 length-delimited
            0x10, 0x05,  // small = 5
        ]
        #expect(try ProtobufDecoder().decode(Scalars.self, from: bytes) == Scalars(small: 5))
    }
}
