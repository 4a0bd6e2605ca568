import Foundation
import Testing
@testable import Wire

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
