import Foundation
import Testing
import Wire

@Suite(.timeLimit(.minutes(5))) struct DeterminismTests {
    @Test func mapEntriesAreSortedWhateverTheInsertionOrder() throws {
        var forward = Maps()
        var backward = Maps()
        let keys = (0..<200).map { "k\($0 * 7919 % 1000)-ü" }
        for key in keys { forward.labels[key] = key }
        for key in keys.reversed() { backward.labels[key] = key }
        for number in Int32(-50)...50 { forward.byID[number] = Inner(count: number) }
        for number in (Int32(-50)...50).reversed() { backward.byID[number] = Inner(count: number) }
        let bytes = try ProtobufEncoder().encode(forward)
        #expect(bytes == (try ProtobufEncoder().encode(backward)))
        // Entry keys come out in ascending order: strings bytewise, integers numerically.
        let decodedLabels = try labelsInWireOrder(bytes)
        #expect(decodedLabels == decodedLabels.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(decodedLabels.count == Set(keys).count)
    }

    /// Keys of the `labels` (field 1) entries in the order they appear on the wire.
    func labelsInWireOrder(_ bytes: [UInt8]) throws -> [String] {
        struct Entry: Codable {
            var key = ""
            enum CodingKeys: Int, CodingKey { case key = 1 }
        }
        struct Labels: Codable {
            var entries: [Entry] = []
            enum CodingKeys: Int, CodingKey { case entries = 1 }
        }
        return try ProtobufDecoder().decode(Labels.self, from: bytes).entries.map(\.key)
    }

    /// The worked example in proto-notes/wire-format.md (bytes produced by Python's protobuf).
    @Test func documentedExample() throws {
        let letter = Letter(perihal: "Undangan", sifat: .penting, createdAt: Date(timeIntervalSince1970: -1.5),
                            tembusan: ["Camat"], labels: ["b": "2", "a": "1"], desaID: 0)
        let hex = "12 08 55 6e 64 61 6e 67 61 6e 18 01 22 11 08 fe ff ff ff ff ff ff ff ff 01 10 80 ca b5 ee 01 "
            + "32 05 43 61 6d 61 74 3a 06 0a 01 61 12 01 31 3a 06 0a 01 62 12 01 32 58 00"
        let expected = hex.split(separator: " ").map { UInt8($0, radix: 16)! }
        #expect(try ProtobufEncoder().encode(letter) == expected)
        #expect(try ProtobufDecoder().decode(Letter.self, from: expected) == letter)
    }

    @Test func decoderOverloadsAgree() throws {
        let bytes = try ProtobufEncoder().encode(Scalars(small: 7, text: "x"))
        let fromArray = try ProtobufDecoder().decode(Scalars.self, from: bytes)
        #expect(try ProtobufDecoder().decode(Scalars.self, from: Data(bytes)) == fromArray)
        #expect(try ProtobufDecoder().decode(Scalars.self, from: bytes[...]) == fromArray)
        #expect(try ProtobufDecoder().decode(Scalars.self, from: ([0xFF] + bytes).dropFirst()) == fromArray)
    }
}
