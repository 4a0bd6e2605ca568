import Foundation

/// `Date` ⇄ google.protobuf.Timestamp {int64 seconds = 1; int32 nanos = 2;}.
///
/// A `Date` is a Double of seconds since 2001-01-01, so it holds microseconds exactly only
/// within about ±272 years of 2001 (1729–2273) and never holds arbitrary nanoseconds. Encoding
/// therefore rounds to whole microseconds, computed in the Date's own time base so no second
/// rounding creeps in: re-encoding a decoded date then yields the same bytes, which digests
/// over canonical bytes depend on.
enum Timestamp {
    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range the Timestamp spec allows.
    static let minSeconds: Int64 = -62_135_596_800
    static let maxSeconds: Int64 = 253_402_300_799
    /// Seconds from 1970-01-01 to 2001-01-01, Date's reference date.
    static let referenceOffset: Int64 = 978_307_200

    /// Seconds since 1970 (floored) and nanos in 0..<1e9, or nil when out of range or not finite.
    static func parts(of date: Date) -> (seconds: Int64, nanos: Int32)? {
        let interval = date.timeIntervalSinceReferenceDate
        guard interval.isFinite,
              interval >= Double(minSeconds - referenceOffset), interval <= Double(maxSeconds - referenceOffset + 1) else {
            return nil
        }
        let whole = interval.rounded(.down)
        var seconds = Int64(whole) + referenceOffset
        var micros = Int64(((interval - whole) * 1_000_000).rounded())  // interval - whole is exact
        if micros == 1_000_000 {
            seconds += 1
            micros = 0
        }
        if seconds == maxSeconds + 1 && micros == 0 {
            // The last Timestamp (…59.999999999) decodes to a Double that rounds up to the next
            // second this far from 2001; map it back so the round trip stays in range.
            seconds = maxSeconds
            micros = 999_999
        }
        guard seconds >= minSeconds, seconds <= maxSeconds else { return nil }
        return (seconds, Int32(micros * 1000))
    }

    /// Nil when outside the spec's range (nanos must be 0...999_999_999, never negative).
    ///
    /// Nanoseconds are rounded half up to whole microseconds here, in integers (`(nanos + 500) / 1000`,
    /// carrying into the seconds), so what a client can compute from what it sent is exactly what
    /// `parts(of:)` writes back: a Double of nanoseconds would round values near a half microsecond
    /// either way (proto-notes/wire-format.md, "Timestamps").
    static func date(seconds: Int64, nanos: Int32) -> Date? {
        guard seconds >= minSeconds, seconds <= maxSeconds, nanos >= 0, nanos < 1_000_000_000 else { return nil }
        var wholeSeconds = seconds
        var micros = (Int64(nanos) + 500) / 1000
        if micros == 1_000_000 {
            wholeSeconds += 1
            micros = 0
        }
        if wholeSeconds > maxSeconds {
            // 9999-12-31T23:59:59.9999995Z and later: stay at the last microsecond of the range.
            wholeSeconds = maxSeconds
            micros = 999_999
        }
        return Date(timeIntervalSinceReferenceDate: Double(wholeSeconds - referenceOffset) + Double(micros) / 1e6)
    }
}
