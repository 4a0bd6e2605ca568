import Foundation

/// The agenda book as files: CSV for spreadsheets and a printable HTML page (A4 landscape).
package enum AgendaExport {
    package static let csvHeader = ["No. Agenda", "Tanggal", "Nomor Surat", "Klasifikasi", "Kepada (Yth.)", "Perihal",
                                    "Lampiran", "Sifat", "Penandatangan", "Status", "Keterangan"]

    /// RFC 4180 CSV (CRLF line ends, fields quoted when needed), UTF-8 with a BOM so spreadsheet
    /// programs read Indonesian names correctly.
    package static func csv(_ entries: [AgendaEntry], zone: OfficeTimeZone, signers: AgendaSigners = AgendaSigners()) -> [UInt8] {
        var out = "\u{FEFF}" + csvHeader.map(csvField).joined(separator: ",") + "\r\n"
        for entry in entries {
            let row = [
                "\(entry.agendaYear)/\(entry.agendaSequence)", OfficeDate(entry.registeredAt, in: zone).isoDay, entry.number,
                entry.classification, entry.addressees.map(\.name).joined(separator: "; "), entry.subject,
                String(entry.attachmentCount), entry.sifat, signers.line(entry), entry.status.label, remarks(entry, zone: zone),
            ]
            out += row.map(csvField).joined(separator: ",") + "\r\n"
        }
        return Array(out.utf8)
    }

    package static func html(_ entries: [AgendaEntry], zone: OfficeTimeZone, officeName: String, title: String,
                             signers: AgendaSigners = AgendaSigners()) -> [UInt8] {
        var out = """
            <!DOCTYPE html>
            <html lang="id"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>
            @page { size: A4 landscape; margin: 12mm; }
            body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 9pt; }
            h1 { font-size: 13pt; text-align: center; margin: 0; } h2 { font-size: 10pt; text-align: center; font-weight: normal; }
            table { width: 100%; border-collapse: collapse; } thead { display: table-header-group; }
            th, td { border: 1px solid #000; padding: 2px 4px; vertical-align: top; } th { background: #eee; }
            tr { page-break-inside: avoid; } tr.cancelled td { color: #777; text-decoration: line-through; }
            tr.cancelled td.remarks { text-decoration: none; }
            </style></head><body>
            <h1>BUKU AGENDA SURAT KELUAR</h1><h2>\(escape(officeName)) — \(escape(title)) (\(entries.count) surat, waktu \(escape(zone.name)))</h2>
            <table><thead><tr>
            """
        out += csvHeader.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for entry in entries {
            let cells = [
                "\(entry.agendaYear)/\(entry.agendaSequence)", OfficeDate(entry.registeredAt, in: zone).isoDay, entry.number,
                entry.classification, entry.addressees.map(\.name).joined(separator: "; "), entry.subject,
                String(entry.attachmentCount), entry.sifat, signers.line(entry), entry.status.label,
            ]
            out += "<tr class=\"\(entry.status.label)\">" + cells.map { "<td>\(escape($0))</td>" }.joined()
                + "<td class=\"remarks\">\(escape(remarks(entry, zone: zone)))</td></tr>\n"
        }
        out += "</tbody></table></body></html>\n"
        return Array(out.utf8)
    }

    /// "DIBATALKAN 2026-03-09 oleh camat: reason" for a cancelled number (pembatalan).
    private static func remarks(_ entry: AgendaEntry, zone: OfficeTimeZone) -> String {
        guard entry.status == .cancelled else { return entry.remarks }
        var cancelled = "DIBATALKAN"
        if let at = entry.cancelledAt { cancelled += " \(OfficeDate(at, in: zone).isoDay)" }
        if !entry.cancelledBy.isEmpty { cancelled += " oleh \(entry.cancelledBy)" }
        cancelled += ": \(entry.cancelReason)"
        return entry.remarks.isEmpty ? cancelled : "\(entry.remarks); \(cancelled)"
    }

    static func csvField(_ value: String) -> String {
        // A leading =, +, - or @ would be run as a formula by spreadsheet programs.
        var value = value
        if let first = value.first, "=+-@".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
