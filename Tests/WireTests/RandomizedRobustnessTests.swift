import Foundation
import Testing
import Wire

/// A million mutated, truncated, spliced and random inputs fed to the decoder: each must decode
/// or throw `WireError` — no trap, no hang, no other error. Deterministic: the seed is printed
/// and can be overridden with WIRE_FUZZ_SEED to reproduce a run.
@Suite(.timeLimit(.minutes(5))) struct RandomizedRobustnessTests {
    static let baseSeed: UInt64 = ProcessInfo.processInfo.environment["WIRE_FUZZ_SEED"].flatMap { UInt64($0) }
        ?? 0x5EED_2025_5A7A_0001
    static let chunks = 4
    static let inputsPerChunk = 250_000

    final class Node: Codable {
        var name = ""
        var children: [Node] = []
        var weight: Double?
        enum CodingKeys: Int, CodingKey { case name = 1, children, weight }
        init(_ name: String, _ children: [Node] = [], weight: Double? = nil) {
            self.name = name
            self.children = children
            self.weight = weight
        }
    }

    static func seeds() throws -> [[UInt8]] {
        let encoder = ProtobufEncoder()
        var maps = Maps()
        maps.labels = ["a": "1", "ü": ""]
        maps.byID = [-1: Inner(name: "x", count: 2)]
        maps.flags = [true: 5]
        return [
            try encoder.encode(Scalars(flag: true, small: -1, big: 1 << 40, word: 7, wide: .max, real: 1.5, precise: -2.25,
                                       text: "teks ✉️", blob: Data([0, 1, 2]), native: -3, unative: 9)),
            try encoder.encode(Presence(flag: false, small: 0, text: "", precise: 0.5, sifat: .segera,
                                        inner: Inner(name: "n", count: 1), blob: Data([7]), when: timestamp(-1, 500_000_000))),
            try encoder.encode(Repeated(ints: [1, -1, 300], unpackedInts: [2], doubles: [1], bools: [true], names: ["a", ""],
                                        blobs: [Data([1])], inners: [Inner(name: "i")], sifats: [.penting, .biasa],
                                        wides: [.max], floats: [2], times: [timestamp(5, 1000)])),
            try encoder.encode(maps),
            try encoder.encode(Letter(id: UUID(uuidString: "3f2504e0-4f89-41d3-9a0c-0305e82c3301"), perihal: "Undangan",
                                      sifat: .rahasia, createdAt: timestamp(1_700_000_000), addressees: [Addressee(name: "Desa")],
                                      tembusan: ["Camat"], labels: ["k": "v"], signedAt: timestamp(0), desaID: 3,
                                      body: Data("isi".utf8))),
            try encoder.encode(Node("root", [Node("a", [Node("b", weight: 1)]), Node("c")], weight: -0.5)),
        ]
    }

    /// Decodes `input` as one of the test types; returns whether it decoded.
    static func decode(_ input: [UInt8], as kind: Int) throws -> Bool {
        try reencode(input, as: kind) != nil
    }

    /// Decodes `input` as one of the test types and encodes the result again; nil when it did
    /// not decode (a `WireError`; any other error fails the test).
    static func reencode(_ input: [UInt8], as kind: Int) throws -> [UInt8]? {
        let decoder = ProtobufDecoder()
        let encoder = ProtobufEncoder()
        do {
            switch kind % 6 {
            case 0: return try encoder.encode(try decoder.decode(Scalars.self, from: input))
            case 1: return try encoder.encode(try decoder.decode(Presence.self, from: input))
            case 2: return try encoder.encode(try decoder.decode(Repeated.self, from: input))
            case 3: return try encoder.encode(try decoder.decode(Maps.self, from: input))
            case 4: return try encoder.encode(try decoder.decode(Letter.self, from: input))
            default: return try encoder.encode(try decoder.decode(Node.self, from: input))
            }
        } catch is WireError {
            return nil
        }
    }

    static func mutate(_ seeds: [[UInt8]], _ random: inout SplitMix64) -> ([UInt8], Int) {
        let index = Int(random.next() % UInt64(seeds.count))
        var bytes = seeds[index]
        switch random.next() % 6 {
        case 0:  // random bytes
            bytes = (0..<Int(random.next() % 48)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        case 1:  // flip a few bytes
            for _ in 0...(random.next() % 4) where !bytes.isEmpty {
                bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
            }
        case 2:  // truncate
            bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count + 1))))
        case 3:  // insert or delete a byte
            let at = Int(random.next() % UInt64(bytes.count + 1))
            if random.next() & 1 == 0 || at == bytes.count {
                bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: at)
            } else {
                bytes.remove(at: at)
            }
        case 4:  // splice with another seed
            let other = seeds[Int(random.next() % UInt64(seeds.count))]
            bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count + 1))))
                + other.suffix(Int(random.next() % UInt64(other.count + 1)))
        default:  // boundary values in a random byte
            let interesting: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x0A, 0x12, 0x0B, 0x0C, 0x0F]
            if !bytes.isEmpty {
                bytes[Int(random.next() % UInt64(bytes.count))] = interesting[Int(random.next() % UInt64(interesting.count))]
            }
        }
        // Usually decode as the seed's own type (deep coverage), sometimes as another.
        let kind = random.next() % 4 == 0 ? Int(random.next() % 6) : index
        return (bytes, kind)
    }

    @Test(arguments: 0..<chunks)
    func millionInputsDecodeOrThrow(chunk: Int) throws {
        let seed = Self.baseSeed &+ UInt64(chunk)
        print("RandomizedRobustnessTests chunk \(chunk): seed \(seed) (base \(Self.baseSeed), WIRE_FUZZ_SEED to override)")
        let seeds = try Self.seeds()
        for (kind, seedBytes) in seeds.enumerated() {
            #expect(try Self.decode(seedBytes, as: kind), "seed \(kind) must decode")
        }
        var random = SplitMix64(seed: seed)
        var decoded = 0
        var rejected = 0
        var unstable: [[UInt8]] = []
        for _ in 0..<Self.inputsPerChunk {
            let (input, kind) = Self.mutate(seeds, &random)
            guard let encoded = try Self.reencode(input, as: kind) else {
                rejected += 1
                continue
            }
            decoded += 1
            // What decoded is a real message: its encoding decodes again, to the same bytes.
            if try Self.reencode(encoded, as: kind) != encoded, unstable.count < 5 { unstable.append(input) }
        }
        print("RandomizedRobustnessTests chunk \(chunk): \(decoded) decoded, \(rejected) rejected with WireError")
        #expect(unstable.isEmpty, "inputs whose decoded message does not survive encode and decode: \(unstable)")
        // Both outcomes occur: the mutations reach past the first byte check.
        #expect(decoded > Self.inputsPerChunk / 20)
        #expect(rejected > Self.inputsPerChunk / 20)
    }
}
