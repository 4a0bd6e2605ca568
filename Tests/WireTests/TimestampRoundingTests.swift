import Foundation
import Testing
import Wire

/// Issue 11, item 13: nanoseconds a client sends are rounded half up to whole microseconds, in
/// integers, so the client can compute exactly what is stored and digested
/// (proto-notes/wire-format.md, "Timestamps").
@Suite(.timeLimit(.minutes(2))) struct TimestampRoundingTests {
    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        while value >= 0x80 {
            out.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        return out + [UInt8(value)]
    }

    /// `Presence{when = 8: Timestamp{seconds, nanos}}` as bytes.
    static func presence(seconds: Int64, nanos: Int32) -> [UInt8] {
        var timestamp: [UInt8] = []
        if seconds != 0 { timestamp += [0x08] + varint(UInt64(bitPattern: seconds)) }
        if nanos != 0 { timestamp += [0x10] + varint(UInt64(nanos)) }
        return [0x42] + varint(UInt64(timestamp.count)) + timestamp
    }

    @Test(arguments: [
        (1_767_225_600, 123_456_789, 1_767_225_600, 123_457_000),
        (1_767_225_600, 123_456_500, 1_767_225_600, 123_457_000),
        (1_767_225_600, 123_456_499, 1_767_225_600, 123_456_000),
        (1_767_225_600, 999_999_500, 1_767_225_601, 0),
        (1_767_225_601, 1_499, 1_767_225_601, 1_000),
        (1_799_999_999, 777_777_250, 1_799_999_999, 777_777_000),
        (-2, 500_000_500, -2, 500_001_000),
        (253_402_300_799, 999_999_700, 253_402_300_799, 999_999_000),
    ] as [(Int64, Int32, Int64, Int32)])
    func nanosAreRoundedHalfUpToMicroseconds(seconds: Int64, nanos: Int32, storedSeconds: Int64, storedNanos: Int32) throws {
        let decoded = try ProtobufDecoder().decode(Presence.self, from: Self.presence(seconds: seconds, nanos: nanos))
        let reencoded = try ProtobufEncoder().encode(decoded)
        #expect(reencoded == Self.presence(seconds: storedSeconds, nanos: storedNanos), "\(seconds).\(nanos)")
    }

    @Test func everyHalfMicrosecondBoundaryRoundsUp() throws {
        // The cases a Double of nanoseconds rounded either way: k µs + 500 ns over a range of seconds.
        var generator = SplitMix64(seed: 13)
        for _ in 0..<2_000 {
            let seconds = Int64(generator.next() % 600_000_000) + 1_500_000_000
            let micros = Int32(generator.next() % 999_999)
            let decoded = try ProtobufDecoder().decode(Presence.self, from: Self.presence(seconds: seconds, nanos: micros * 1000 + 500))
            #expect(try ProtobufEncoder().encode(decoded) == Self.presence(seconds: seconds, nanos: (micros + 1) * 1000))
        }
    }
}
