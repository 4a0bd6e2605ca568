import Foundation

/// `Date` ⇄ google.protobuf.Timestamp {int64 seconds = 1; int32 nanos = 2;}.
///
/// A `Date` is a Double, exact to well under a microsecond for dates of this century but not
/// to the nanosecond, so encoding rounds to whole microseconds: re-encoding a decoded date then
/// yields the same bytes, which canonical-bytes digests depend on.
enum Timestamp {
    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range the Timestamp spec allows.
    static let minSeconds: Int64 = -62_135_596_800
    static let maxSeconds: Int64 = 253_402_300_799

    /// Seconds since 1970 (floored) and nanos in 0..<1e9, or nil when out of range or not finite.
    static func parts(of date: Date) -> (seconds: Int64, nanos: Int32)? {
        let interval = date.timeIntervalSince1970
        guard interval.isFinite,
              interval >= Double(minSeconds), interval < Double(maxSeconds) + 1 else { return nil }
        let micros = Int64((interval * 1_000_000).rounded())
        var seconds = micros / 1_000_000
        var remainder = micros % 1_000_000
        if remainder < 0 {
            seconds -= 1
            remainder += 1_000_000
        }
        guard seconds >= minSeconds, seconds <= maxSeconds else { return nil }
        return (seconds, Int32(remainder * 1000))
    }

    /// Nil when outside the spec's range (nanos must be 0...999_999_999, never negative).
    static func date(seconds: Int64, nanos: Int32) -> Date? {
        guard seconds >= minSeconds, seconds <= maxSeconds, nanos >= 0, nanos < 1_000_000_000 else { return nil }
        return Date(timeIntervalSince1970: Double(seconds) + Double(nanos) / 1e9)
    }
}
