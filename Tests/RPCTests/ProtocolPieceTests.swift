@testable import RPC
import Testing

@Suite("gRPC protocol pieces", .timeLimit(.minutes(10)))
struct ProtocolPieceTests {
    @Test(arguments: ["", "plain ascii", "100% sure", "tanda tangan ✍️ Camat", "line\nbreak", "\u{7F}"])
    func grpcMessagePercentEncodingRoundTrips(message: String) {
        let encoded = GRPCProtocol.percentEncode(message)
        #expect(encoded.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E })
        #expect(GRPCProtocol.percentDecode(encoded) == message)
    }

    @Test func percentDecodingIsLenientWithBrokenEscapes() {
        #expect(GRPCProtocol.percentDecode("50%") == "50%")
        #expect(GRPCProtocol.percentDecode("%zz ok") == "%zz ok")
        #expect(GRPCProtocol.percentDecode("%E2%9C%93") == "✓")
    }

    @Test(arguments: [0, 1, 2, 3, 4, 5, 100])
    func base64RoundTripsPaddedAndUnpadded(length: Int) throws {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let encoded = Base64.encode(bytes)
        #expect(!encoded.contains("="))
        #expect(Base64.decode(encoded) == bytes)
        let padding = String(repeating: "=", count: (4 - encoded.count % 4) % 4)
        #expect(Base64.decode(encoded + padding) == bytes)
    }

    @Test func base64RejectsGarbage() {
        #expect(Base64.decode("a") == nil)
        #expect(Base64.decode("ab$d") == nil)
    }

    @Test func deframingSplitsMessagesAcrossChunks() throws {
        var buffer = GRPCProtocol.frame([1, 2, 3]) + GRPCProtocol.frame([]) + Array(GRPCProtocol.frame([9, 9]).prefix(4))
        let first = try GRPCProtocol.takeMessages(from: &buffer, maxSize: 100)
        #expect(first == [[1, 2, 3], []])
        #expect(buffer.count == 4)
        buffer += [2, 9, 9]
        #expect(try GRPCProtocol.takeMessages(from: &buffer, maxSize: 100) == [[9, 9]])
        #expect(buffer.isEmpty)
    }

    @Test func deframingRejectsOversizedAndCompressedMessages() {
        var large = [0, 0, 0, 1, 0] as [UInt8]
        #expect(throws: GRPCProtocol.DeframeError.self) { try GRPCProtocol.takeMessages(from: &large, maxSize: 255) }
        var compressed = [1, 0, 0, 0, 1, 42] as [UInt8]
        #expect(throws: GRPCProtocol.DeframeError.self) { try GRPCProtocol.takeMessages(from: &compressed, maxSize: 255) }
    }

    @Test func metadataNamesAreLowercasedAndBinarySuffixed() {
        var metadata = Metadata()
        metadata.add("X-Request-ID", "abc")
        metadata.addBinary("x-digest", [1, 2])
        #expect(metadata["x-request-id"] == "abc")
        #expect(metadata.binary("x-digest-bin") == [1, 2])
        #expect(metadata.wirePairs.map(\.0) == ["x-request-id", "x-digest-bin"])
    }
}
