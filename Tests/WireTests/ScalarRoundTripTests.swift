import Foundation
import Testing
@testable import Wire

struct Scalars: Codable, Equatable {
    var flag = false
    var small: Int32 = 0
    var big: Int64 = 0
    var word: UInt32 = 0
    var wide: UInt64 = 0
    var real: Float = 0
    var precise: Double = 0
    var text = ""
    var blob = Data()
    var native = 0
    var unative: UInt = 0

    enum CodingKeys: Int, CodingKey {
        case flag = 1, small, big, word, wide, real, precise, text, blob, native, unative
    }
}

@Suite struct ScalarRoundTripTests {
    @Test func defaultsEncodeToNothing() throws {
        #expect(try ProtobufEncoder().encode(Scalars()) == [])
        #expect(try ProtobufDecoder().decode(Scalars.self, from: []) == Scalars())
    }

    @Test func negativeInt32IsTenByteVarint() throws {
        let bytes = try ProtobufEncoder().encode(Scalars(small: -1))
        #expect(bytes == [0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
    }
}
