import Domain
import Foundation

/// The words pages use: roles, steps, states, enums and durations in Bahasa Indonesia, dates in
/// the office time zone.
enum Labels {
    static func role(_ role: String) -> String {
        switch role {
        case "staf_umum": "Staf Umum"
        case "drafter": "Konseptor (Seksi/Subag)"
        case "sekretaris": "Sekretaris"
        case "camat": "Camat"
        case "admin": "Admin"
        default: role
        }
    }

    static let roles = ["staf_umum", "drafter", "sekretaris", "camat", "admin"]

    /// The SOP's six steps as the office names them.
    static func stepTitle(_ step: Int) -> String {
        switch step {
        case 1: "pembukaan surat & penunjukan Staf Umum"
        case 2: "konsep & paraf konseptor"
        case 3: "pemeriksaan Sekretaris"
        case 4: "unggah untuk tanda tangan elektronik"
        case 5: "tanda tangan Camat"
        case 6: "penomoran, pencatatan & pengiriman"
        default: "selesai"
        }
    }

    /// Short names where space is tight (the SLA chart).
    static func stepShort(_ step: Int) -> String {
        ["", "Pembukaan", "Konsep & paraf", "Pemeriksaan", "Unggah", "Tanda tangan", "Penomoran"][min(max(step, 0), 6)]
    }

    static func stepRole(_ step: Int) -> String? {
        switch step {
        case 1, 4, 6: "staf_umum"
        case 2: "drafter"
        case 3: "sekretaris"
        case 5: "camat"
        default: nil
        }
    }

    static func state(_ state: GatewayAPI.JourneyState) -> String {
        switch state {
        case .unspecified: "-"
        case .opened: "Dibuka"
        case .drafting: "Dikonsep"
        case .inReview: "Diperiksa Sekretaris"
        case .approved: "Disetujui, menunggu unggah"
        case .awaitingSignature: "Menunggu tanda tangan"
        case .signed: "Ditandatangani, belum dinomori"
        case .completed: "Selesai"
        case .withdrawn: "Ditarik"
        }
    }

    static func letterType(_ type: LetterType) -> String { type == .other ? "Lainnya" : type.displayName }

    static func kind(_ kind: AddresseeKind) -> String {
        switch kind {
        case .unspecified: "-"
        case .desa: "Desa"
        case .dinas: "Dinas"
        case .instansi: "Instansi"
        case .other: "Lainnya"
        }
    }

    static func delivery(_ state: GatewayAPI.DeliveryState) -> String {
        switch state {
        case .pending: "menunggu dikirim"
        case .delivered: "terkirim"
        case .failed: "gagal, perlu diantar manual"
        case .manual: "diantar manual"
        case .deliveredManually: "sudah diantar manual"
        case .withdrawn: "ditarik (nomor dibatalkan)"
        case .unspecified: "-"
        }
    }

    /// "3 mnt 20 dtk", "1 j 5 mnt", "2 hr 3 j".
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total) dtk" }
        if total < 3600 { return "\(total / 60) mnt" + (total % 60 == 0 ? "" : " \(total % 60) dtk") }
        if total < 86_400 { return "\(total / 3600) j" + ((total % 3600) / 60 == 0 ? "" : " \((total % 3600) / 60) mnt") }
        return "\(total / 86_400) hr" + ((total % 86_400) / 3600 == 0 ? "" : " \((total % 86_400) / 3600) j")
    }

    static let months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
                         "Oktober", "November", "Desember"]

    /// English gateway field problems ("subject: must be 1-500 characters") in Indonesian where known.
    static func fieldProblem(_ message: String) -> String {
        let names: [(String, String)] = [
            ("new_password", "kata sandi baru"), ("current_password", "kata sandi lama"), ("password", "kata sandi"),
            ("subject", "perihal"), ("classification", "kode klasifikasi"), ("body", "isi surat"), ("addressees", "tujuan (Yth.)"),
            ("notes", "catatan"), ("user_id", "nama pengguna"), ("name", "nama"), ("sifat", "sifat"), ("urgency", "derajat kecepatan"),
            ("type", "jenis surat"), ("unit", "unit kerja"), ("clerk_id", "Staf Umum"), ("drafting_unit", "unit konseptor"),
            ("tembusan", "tembusan"), ("valid_until", "berlaku sampai"), ("role", "peran"), ("passphrase", "frasa sandi"),
        ]
        let phrases: [(String, String)] = [
            ("is required", "wajib diisi"), ("must be at least 10 characters", "minimal 10 karakter"),
            ("must not contain the user id", "tidak boleh memuat nama pengguna"), ("is wrong", "salah"),
            ("must differ from the current password", "harus berbeda dari kata sandi lama"),
            ("must use at least 4 different characters", "harus memakai minimal 4 karakter berbeda"),
            ("must be after valid_from", "harus sesudah tanggal mulai"),
        ]
        var text = message
        for (english, indonesian) in phrases { text = text.replacingOccurrences(of: english, with: indonesian) }
        for (field, label) in names where text.hasPrefix(field + ":") || text.hasPrefix(field + " ") {
            return label + text.dropFirst(field.count)
        }
        return text
    }
}

/// Dates as the office reads them: "28 Nov 2026 14.05 WIB" in the configured zone.
struct OfficeClock: Sendable {
    let zone: TimeZone

    var zoneLabel: String {
        switch zone.identifier {
        case "Asia/Jakarta", "Asia/Pontianak": "WIB"
        case "Asia/Makassar": "WITA"
        case "Asia/Jayapura": "WIT"
        default: zone.abbreviation() ?? zone.identifier
        }
    }

    func components(_ date: Date) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
    }

    func dateTime(_ date: Date) -> String {
        let c = components(date)
        let month = Labels.months[(c.month ?? 1) - 1].prefix(3)
        return String(format: "%d %@ %d %02d.%02d ", c.day ?? 0, String(month), c.year ?? 0, c.hour ?? 0, c.minute ?? 0) + zoneLabel
    }

    func day(_ date: Date) -> String {
        let c = components(date)
        return "\(c.day ?? 0) \(Labels.months[(c.month ?? 1) - 1]) \(c.year ?? 0)"
    }

    func year(_ date: Date) -> Int { components(date).year ?? 1970 }

    /// "YYYY-MM-DD" of a form's date field as the start of that day in the office zone.
    func parseDay(_ text: String) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }

    func isoDay(_ date: Date) -> String {
        let c = components(date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }
}
