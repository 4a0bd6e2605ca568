import Foundation
import Testing
import Wire

@Suite(.timeLimit(.minutes(5))) struct MessageRoundTripTests {
    @Test func timestampsBeforeAndAfter1970() throws {
        let dates = [
            timestamp(0), timestamp(-1, 500_000_000), timestamp(-62_135_596_800), timestamp(253_402_300_799, 999_999_000),
            timestamp(-946_079_999, 250_000_000), timestamp(1_760_000_000, 123_456_000), Date(timeIntervalSince1970: -0.000_001),
        ]
        for date in dates {
            let value = Presence(when: date)
            let decoded = try roundTrip(value)
            #expect(decoded == value, "\(date.timeIntervalSince1970)")
        }
    }

    @Test func negativeDatesHaveNormalisedNanos() throws {
        // -1.5 s = seconds -2, nanos 500000000 (nanos are never negative).
        let bytes = try ProtobufEncoder().encode(Presence(when: Date(timeIntervalSince1970: -1.5)))
        #expect(bytes == [0x42, 0x11, 0x08] + [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
            + [0x10, 0x80, 0xCA, 0xB5, 0xEE, 0x01])
    }

    @Test func dateReencodingIsStable() throws {
        // Canonical bytes must not drift when a decoded message is encoded again.
        // Any Date within ±2^33 s of 2001 (years 1729-2273), where a Double still resolves
        // microseconds.
        var generator = SplitMix64(seed: 7)
        for _ in 0..<10_000 {
            let seconds = Double(Int64(generator.next() % 17_000_000_000) - 8_500_000_000)
            let fraction = Double(generator.next() % 1_000_000_000) / 1e9
            let once = try ProtobufEncoder().encode(Presence(when: Date(timeIntervalSinceReferenceDate: seconds + fraction)))
            let twice = try ProtobufEncoder().encode(ProtobufDecoder().decode(Presence.self, from: once))
            #expect(once == twice)
        }
    }

    @Test func datesOutsideTimestampRangeAreRejected() throws {
        for date in [Date.distantFuture.addingTimeInterval(1e12), Date(timeIntervalSince1970: -70_000_000_000),
                     Date(timeIntervalSince1970: .infinity)] {
            let error = try #require(throws: WireError.self) { try ProtobufEncoder().encode(Presence(when: date)) }
            #expect(error.code == .invalidValue)
            #expect(error.fieldPath == "when(8)")
        }
        // nanos out of range on the wire.
        let bytes: [UInt8] = [0x42, 0x06, 0x10, 0x80, 0x94, 0xEB, 0xDC, 0x03]  // nanos = 1_000_000_000
        let error = try #require(throws: WireError.self) { try ProtobufDecoder().decode(Presence.self, from: bytes) }
        #expect(error.code == .invalidValue)
    }

    @Test func uuidsAreLowercaseStrings() throws {
        let id = UUID(uuidString: "3F2504E0-4F89-41D3-9A0C-0305E82C3301")!
        let bytes = try ProtobufEncoder().encode(Letter(id: id))
        #expect(bytes == [0x0A, 36] + Array("3f2504e0-4f89-41d3-9a0c-0305e82c3301".utf8))
        #expect(try ProtobufDecoder().decode(Letter.self, from: bytes).id == id)
        let upper = [0x0A, 36] + Array("3F2504E0-4F89-41D3-9A0C-0305E82C3301".utf8)
        #expect(try ProtobufDecoder().decode(Letter.self, from: upper).id == id)
        let bad = [0x0A, 3] + Array("abc".utf8)
        let error = try #require(throws: WireError.self) { try ProtobufDecoder().decode(Letter.self, from: bad) }
        #expect(error.code == .invalidValue)
        #expect(error.fieldPath == "id(1)")
    }

    struct RequiredID: Codable, Equatable {
        var id: UUID
        enum CodingKeys: Int, CodingKey { case id = 1 }
    }

    @Test func absentNonOptionalUUIDIsAnError() throws {
        let error = try #require(throws: WireError.self) { try ProtobufDecoder().decode(RequiredID.self, from: []) }
        #expect(error.code == .invalidValue)
        #expect(error.description.contains("id(1)"))
    }

    @Test func presenceWritesZeroesAndNilIsAbsent() throws {
        #expect(try ProtobufEncoder().encode(Presence()) == [])
        let zero = Presence(flag: false, small: 0, text: "", precise: 0, sifat: .biasa, inner: Inner(), blob: Data(), when: timestamp(0))
        let bytes = try ProtobufEncoder().encode(zero)
        #expect(bytes == [0x08, 0x00, 0x10, 0x00, 0x1A, 0x00, 0x21, 0, 0, 0, 0, 0, 0, 0, 0, 0x28, 0x00, 0x32, 0x00, 0x3A, 0x00, 0x42, 0x00])
        #expect(try roundTrip(zero) == zero)
    }

    @Test func emptyNestedMessagesWithoutPresenceAreOmitted() throws {
        struct Outer: Codable, Equatable {
            var inner = Inner()
            var created = Date(timeIntervalSince1970: 0)
            enum CodingKeys: Int, CodingKey { case inner = 1, created }
        }
        #expect(try ProtobufEncoder().encode(Outer()) == [])
        #expect(try ProtobufEncoder().encode(Outer(inner: Inner(count: 1))) == [0x0A, 0x02, 0x10, 0x01])
    }

    @Test func unknownEnumNumberNamesTheField() throws {
        let error = try #require(throws: WireError.self) {
            try ProtobufDecoder().decode(Letter.self, from: [0x18, 0x09])  // sifat = 9
        }
        #expect(error.code == .invalidValue)
        #expect(error.fieldPath == "sifat(3)")
        let inList = try #require(throws: WireError.self) {
            try ProtobufDecoder().decode(Repeated.self, from: [0x42, 0x02, 0x01, 0x07])  // sifats = [1, 7]
        }
        #expect(inList.fieldPath == "sifats(8)[1]")
    }

    @Test func repeatedFieldsAndMapsRoundTrip() throws {
        let value = Repeated(
            ints: [0, 1, -1, .max, .min], unpackedInts: [5], doubles: [.pi, -0.5], bools: [true, false],
            names: ["", "ü", "x"], blobs: [Data(), Data([9])], inners: [Inner(), Inner(name: "n", count: 2)],
            sifats: [.biasa, .segera], wides: [.max], floats: [1.25], times: [timestamp(-5, 5000), timestamp(0)])
        #expect(try roundTrip(value) == value)
        var maps = Maps()
        maps.labels = ["a": "", "": "b"]
        maps.byID = [-1: Inner(), 7: Inner(name: "seven")]
        maps.flags = [false: 0, true: .min]
        maps.weights = [0: .infinity]
        maps.sifats = ["p": .penting]
        maps.blobs = [.min: Data([1, 2, 3])]
        #expect(try roundTrip(maps) == maps)
        #expect(try ProtobufEncoder().encode(Maps()) == [])
    }

    @Test func packedAndUnpackedAreBothAccepted() throws {
        // ints (field 1): unpacked 7, packed [1, 2], unpacked 300.
        let bytes: [UInt8] = [0x08, 0x07, 0x0A, 0x02, 0x01, 0x02, 0x08, 0xAC, 0x02]
        #expect(try ProtobufDecoder().decode(Repeated.self, from: bytes).ints == [7, 1, 2, 300])
        // Enums too: sifats (field 8) packed [1, 3] then unpacked 2; an empty packed record is fine.
        let enums: [UInt8] = [0x42, 0x02, 0x01, 0x03, 0x40, 0x02, 0x0A, 0x00]
        #expect(try ProtobufDecoder().decode(Repeated.self, from: enums).sifats == [.penting, .segera, .rahasia])
        // Repeated fixed-width values: doubles (field 3) unpacked.
        let doubles: [UInt8] = [0x19] + Array(repeating: 0, count: 7) + [0x40]
        #expect(try ProtobufDecoder().decode(Repeated.self, from: doubles).doubles == [2])
    }

    @Test func manyElementsAndEntriesAreNotNesting() throws {
        // Regression: the depth limit counts nesting, not siblings.
        var maps = Maps()
        for number in Int32(0)..<500 { maps.byID[number] = Inner(name: "n\(number)", count: number) }
        #expect(try roundTrip(maps) == maps)
        let many = Repeated(inners: (0..<2000).map { Inner(name: "\($0)") }, sifats: Array(repeating: .segera, count: 2000),
                            times: (0..<500).map { timestamp(Int64($0)) })
        #expect(try roundTrip(many) == many)
    }

    @Test func nestedMessagesMergeAcrossOccurrences() throws {
        // inner (field 6) twice: {name: "a"} then {count: 3} -> {name: "a", count: 3}.
        let bytes: [UInt8] = [0x32, 0x03, 0x0A, 0x01, 0x61, 0x32, 0x02, 0x10, 0x03]
        #expect(try ProtobufDecoder().decode(Presence.self, from: bytes).inner == Inner(name: "a", count: 3))
    }

    @Test func oneofKeepsTheLastMemberAndRejectsTwoOnEncode() throws {
        // email (10) = "x", then desa_id (11) = 4: the oneof holds desa_id only.
        let bytes: [UInt8] = [0x52, 0x01, 0x78, 0x58, 0x04]
        let decoded = try ProtobufDecoder().decode(Letter.self, from: bytes)
        #expect(decoded.email == nil)
        #expect(decoded.desaID == 4)
        let error = try #require(throws: WireError.self) {
            try ProtobufEncoder().encode(Letter(email: "x", desaID: 4))
        }
        #expect(error.code == .invalidValue)
    }

    struct OutOfOrder: Codable, Equatable {
        var zeta = ""
        var alpha: Int32 = 0
        var middle: [Int32] = []
        enum CodingKeys: Int, CodingKey { case zeta = 9, alpha = 1, middle = 4 }
    }

    @Test func fieldsAreWrittenInAscendingNumberOrder() throws {
        let value = OutOfOrder(zeta: "z", alpha: 1, middle: [2])
        let bytes = try ProtobufEncoder().encode(value)
        #expect(bytes == [0x08, 0x01, 0x22, 0x01, 0x02, 0x4A, 0x01, 0x7A])
        #expect(try roundTrip(value) == value)
    }

    struct LetterNumber: Codable, Equatable {
        var raw: String
        init(_ raw: String) { self.raw = raw }
        init(from decoder: any Decoder) throws { raw = try decoder.singleValueContainer().decode(String.self) }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(raw)
        }
    }

    struct WithWrapper: Codable, Equatable {
        var number = LetterNumber("")
        var history: [LetterNumber] = []
        var maybe: LetterNumber?
        enum CodingKeys: Int, CodingKey { case number = 1, history, maybe }
    }

    @Test func singleValueWrappersTakeTheirFieldsPlace() throws {
        let value = WithWrapper(number: LetterNumber("065/1"), history: [LetterNumber("a"), LetterNumber("")],
                                maybe: LetterNumber(""))
        let bytes = try ProtobufEncoder().encode(value)
        #expect(bytes == [0x0A, 0x05] + Array("065/1".utf8) + [0x12, 0x01, 0x61, 0x12, 0x00, 0x1A, 0x00])
        #expect(try roundTrip(value) == value)
        #expect(try ProtobufDecoder().decode(WithWrapper.self, from: []) == WithWrapper())
    }

    final class Node: Codable, Equatable {
        var label: String
        var children: [Node]
        init(_ label: String, _ children: [Node] = []) {
            self.label = label
            self.children = children
        }
        static func == (lhs: Node, rhs: Node) -> Bool { lhs.label == rhs.label && lhs.children == rhs.children }
        enum CodingKeys: Int, CodingKey { case label = 1, children }
    }

    @Test func longNestedMessagesGetWideLengths() throws {
        // Lengths >= 128 and >= 16384 need 2- and 3-byte varints patched in after the fact.
        let tree = Node("root", [Node(String(repeating: "a", count: 200)), Node(String(repeating: "b", count: 20_000), [Node("x")])])
        #expect(try roundTrip(tree) == tree)
        var chain = Node("leaf")
        for depth in 0..<60 { chain = Node("level \(depth)", [chain, Node(String(repeating: "p", count: 150))]) }
        #expect(try roundTrip(chain) == chain)
    }
}
