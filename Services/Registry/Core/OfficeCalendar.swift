import Foundation

/// The office's civil time zone. Indonesia has three zones and no daylight saving time, so a fixed
/// UTC offset is exact and does not depend on the host's tzdata.
package struct OfficeTimeZone: Sendable, Hashable, CustomStringConvertible {
    /// "WIB", "WITA", "WIT" or a "+HH:MM" offset, as written in configuration.
    package let name: String
    package let secondsFromGMT: Int

    package static let wib = OfficeTimeZone(name: "WIB", secondsFromGMT: 7 * 3600)
    package static let wita = OfficeTimeZone(name: "WITA", secondsFromGMT: 8 * 3600)
    package static let wit = OfficeTimeZone(name: "WIT", secondsFromGMT: 9 * 3600)

    package init(name: String, secondsFromGMT: Int) {
        self.name = name
        self.secondsFromGMT = secondsFromGMT
    }

    /// Parses "WIB"/"WITA"/"WIT", their IANA names (Asia/Jakarta, Asia/Makassar, Asia/Jayapura and
    /// the other Indonesian zone names) or an explicit "+07:00" style offset.
    package init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch trimmed.uppercased() {
        case "WIB", "ASIA/JAKARTA", "ASIA/PONTIANAK": self = .wib
        case "WITA", "ASIA/MAKASSAR": self = .wita
        case "WIT", "ASIA/JAYAPURA": self = .wit
        default:
            // "+07:00", "-03:30", "+0700"
            let scalars = Array(trimmed)
            guard let sign = scalars.first, sign == "+" || sign == "-" else { return nil }
            let digits = scalars.dropFirst().filter { $0 != ":" }
            guard digits.count == 4, digits.allSatisfy(\.isASCII), let value = Int(String(digits)) else { return nil }
            let hours = value / 100, minutes = value % 100
            guard hours <= 14, minutes < 60 else { return nil }
            let seconds = (hours * 3600 + minutes * 60) * (sign == "-" ? -1 : 1)
            self.init(name: trimmed, secondsFromGMT: seconds)
        }
    }

    /// Offsets are parsed within ±14:59, which Foundation always accepts: `.gmt` is never reached.
    package var timeZone: TimeZone { TimeZone(secondsFromGMT: secondsFromGMT) ?? .gmt }

    package var description: String { name }

    /// A Gregorian calendar fixed to this zone.
    package var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }
}

/// Civil date parts of an instant in the office time zone; computed arithmetically because it runs
/// once per registration batch and in every export row.
package struct OfficeDate: Sendable, Hashable {
    package var year: Int
    package var month: Int
    package var day: Int
    package var hour: Int
    package var minute: Int
    package var second: Int

    package init(_ date: Date, in zone: OfficeTimeZone) {
        let components = zone.calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        // dateComponents fills every component asked for; the 0s are never used.
        year = components.year ?? 0
        month = components.month ?? 0
        day = components.day ?? 0
        hour = components.hour ?? 0
        minute = components.minute ?? 0
        second = components.second ?? 0
    }

    /// "2025-12-31"
    package var isoDay: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }
}

/// Where "now" comes from; tests inject a fixed or stepping clock to cross a year boundary.
package struct RegistryClock: Sendable {
    package var now: @Sendable () -> Date
    package init(now: @escaping @Sendable () -> Date) { self.now = now }
    package static let system = RegistryClock { Date() }
}
