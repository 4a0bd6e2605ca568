import Foundation

/// Dates and counts written the Indonesian way, as letters print them.
public enum IndonesianText {
    static let monthNames = [
        "Januari", "Februari", "Maret", "April", "Mei", "Juni",
        "Juli", "Agustus", "September", "Oktober", "November", "Desember",
    ]

    /// `28 November 2026`, in `timeZone`.
    public static func longDate(_ date: Date, timeZone: TimeZone) -> String {
        let parts = components(date, timeZone: timeZone)
        return "\(parts.day) \(monthNames[parts.month - 1]) \(parts.year)"
    }

    /// `November 2026`: the date line of a preview whose day is not known yet.
    public static func monthAndYear(_ date: Date, timeZone: TimeZone) -> String {
        let parts = components(date, timeZone: timeZone)
        return "\(monthNames[parts.month - 1]) \(parts.year)"
    }

    static func components(_ date: Date, timeZone: TimeZone) -> (year: Int, month: Int, day: Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return (parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
    }

    /// `2026-11-28T10:15:00+07:00`: the form cairo writes into the PDF's info dates.
    static func iso8601(_ date: Date, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let offset = timeZone.secondsFromGMT(for: date) / 60
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let sign = offset < 0 ? "-" : "+"
        return "\(parts.year ?? 1970)-\(two(parts.month ?? 1))-\(two(parts.day ?? 1))T\(two(parts.hour ?? 0)):\(two(parts.minute ?? 0)):\(two(parts.second ?? 0))"
            + "\(sign)\(two(abs(offset) / 60)):\(two(abs(offset) % 60))"
    }

    /// Roman numerals for month numbers in number templates (`{monthRoman}`).
    static func roman(_ month: Int) -> String {
        ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"][max(1, min(12, month)) - 1]
    }

    /// A count in words, `1` → `satu`, `21` → `dua puluh satu` (0–999), as in `1 (satu) berkas`.
    public static func numberWords(_ value: Int) -> String {
        let ones = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
                    "sepuluh", "sebelas"]
        switch value {
        case ..<0, 1000...: return String(value)
        case 0...11: return ones[value]
        case 12...19: return "\(ones[value - 10]) belas"
        case 20...99:
            let rest = value % 10
            return "\(ones[value / 10]) puluh" + (rest == 0 ? "" : " \(ones[rest])")
        default:
            let hundreds = value / 100 == 1 ? "seratus" : "\(ones[value / 100]) ratus"
            let rest = value % 100
            return hundreds + (rest == 0 ? "" : " \(numberWords(rest))")
        }
    }
}
