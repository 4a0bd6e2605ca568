import Foundation
import Testing
import Wire

/// Random message values: decode(encode(x)) == x, and re-encoding gives the same canonical
/// bytes. Seeded (printed) so a failure reproduces.
@Suite(.timeLimit(.minutes(5))) struct RandomRoundTripTests {
    struct Generator {
        var random: SplitMix64

        mutating func int(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
        mutating func bool() -> Bool { random.next() & 1 == 1 }

        mutating func int32() -> Int32 {
            [Int32.min, -1, 0, 1, 127, 128, .max, Int32(truncatingIfNeeded: random.next())][int(8)]
        }
        mutating func int64() -> Int64 {
            [Int64.min, -1, 0, 1, .max, Int64(bitPattern: random.next())][int(6)]
        }
        mutating func double() -> Double {
            [0, -0.0, 1.5, -.infinity, .infinity, .greatestFiniteMagnitude, Double(bitPattern: random.next() & ~(0x7FF << 52))][int(7)]
        }
        mutating func string() -> String {
            let alphabet: [Character] = ["a", "Z", "0", " ", "é", "ü", "—", "日", "本", "🇮🇩", "✉️", "\u{0}", "\n", "/"]
            return String((0..<int(12)).map { _ in alphabet[int(alphabet.count)] })
        }
        mutating func data() -> Data { Data((0..<int(20)).map { _ in UInt8(truncatingIfNeeded: random.next()) }) }
        mutating func date() -> Date {
            // Whole microseconds within the range where a Date holds them exactly.
            let seconds = Int64(int(8_000_000_000)) - 4_000_000_000
            return timestamp(seconds, Int32(int(1_000_000)) * 1000)
        }
        mutating func sifat() -> Sifat { Sifat(rawValue: Int32(int(4)))! }
        mutating func inner() -> Inner { Inner(name: string(), count: int32()) }
        mutating func maybe<T>(_ make: (inout Generator) -> T) -> T? { bool() ? make(&self) : nil }
        mutating func list<T>(_ make: (inout Generator) -> T) -> [T] { (0..<int(5)).map { _ in make(&self) } }

        mutating func letter() -> Letter {
            var letter = Letter(id: bool() ? UUID() : nil, perihal: string(), sifat: sifat(), createdAt: date(),
                                addressees: list { Addressee(name: $0.string(), office: $0.string(), endpoint: $0.string()) },
                                tembusan: list { $0.string() }, signedAt: maybe { $0.date() }, body: data())
            for _ in 0..<int(4) { letter.labels[string()] = string() }
            switch int(3) {
            case 0: letter.email = string()
            case 1: letter.desaID = int64()
            default: break
            }
            return letter
        }

        mutating func repeated() -> Repeated {
            Repeated(ints: list { $0.int32() }, unpackedInts: list { $0.int32() }, doubles: list { $0.double() },
                     bools: list { $0.bool() }, names: list { $0.string() }, blobs: list { $0.data() },
                     inners: list { $0.inner() }, sifats: list { $0.sifat() }, wides: list { $0.random.next() },
                     floats: list { Float($0.double()) }, times: list { $0.date() })
        }

        mutating func maps() -> Maps {
            var maps = Maps()
            for _ in 0..<int(5) {
                maps.labels[string()] = string()
                maps.byID[int32()] = inner()
                maps.flags[bool()] = int64()
                maps.weights[random.next()] = double()
                maps.sifats[string()] = sifat()
                maps.blobs[int64()] = data()
            }
            return maps
        }

        mutating func presence() -> Presence {
            Presence(flag: maybe { $0.bool() }, small: maybe { $0.int32() }, text: maybe { $0.string() },
                     precise: maybe { $0.double() }, sifat: maybe { $0.sifat() }, inner: maybe { $0.inner() },
                     blob: maybe { $0.data() }, when: maybe { $0.date() })
        }
    }

    func check<T: Codable & Equatable>(_ value: T) throws {
        let bytes = try ProtobufEncoder().encode(value)
        let decoded = try ProtobufDecoder().decode(T.self, from: bytes)
        #expect(decoded == value)
        #expect(try ProtobufEncoder().encode(decoded) == bytes)
    }

    @Test func randomMessagesRoundTrip() throws {
        let seed: UInt64 = ProcessInfo.processInfo.environment["WIRE_FUZZ_SEED"].flatMap { UInt64($0) } ?? 20_251_125
        print("RandomRoundTripTests seed \(seed) (WIRE_FUZZ_SEED to override)")
        var generator = Generator(random: SplitMix64(seed: seed))
        for _ in 0..<2_000 {
            try check(generator.letter())
            try check(generator.repeated())
            try check(generator.maps())
            try check(generator.presence())
        }
    }

    /// The shared caches (type kinds, size hints) under concurrent use from many tasks.
    @Test func concurrentEncodersAndDecodersAgree() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var generator = Generator(random: SplitMix64(seed: UInt64(task)))
                    for _ in 0..<300 {
                        try check(generator.letter())
                        try check(generator.maps())
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
