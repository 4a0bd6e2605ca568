import Foundation

/// The registry's agenda CSV (RFC 4180, BOM, CRLF) read back into rows, so the page can filter by
/// month, classification and text, and export exactly the filtered rows.
struct AgendaTable: Sendable {
    var header: [String]
    var rows: [[String]]

    init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    init(csv data: Data) {
        var text = String(decoding: data, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var iterator = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        while let scalar = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if scalar == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else { field.unicodeScalars.append(scalar) }
                continue
            }
            switch scalar {
            case "\"": quoted = true
            case ",": record.append(field); field = ""
            case "\r": continue
            case "\n": record.append(field); records.append(record); record = []; field = ""
            default: field.unicodeScalars.append(scalar)
            }
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        header = records.first ?? []
        rows = Array(records.dropFirst())
    }

    func column(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// Rows whose date is in `month` (1-12, 0 = any), whose classification starts with `classification`,
    /// and whose subject or addressee contains `query` (case-insensitive).
    func filtered(month: Int, classification: String, query: String) -> AgendaTable {
        let dateColumn = column("Tanggal"), classColumn = column("Klasifikasi")
        let subjectColumn = column("Perihal"), toColumn = column("Kepada (Yth.)")
        let needle = query.lowercased()
        let kept = rows.filter { row in
            func cell(_ index: Int?) -> String { index.flatMap { $0 < row.count ? row[$0] : nil } ?? "" }
            if month > 0 {
                let parts = cell(dateColumn).split(separator: "-")
                guard parts.count >= 2, Int(parts[1]) == month else { return false }
            }
            if !classification.isEmpty, !cell(classColumn).hasPrefix(classification) { return false }
            if !needle.isEmpty, !cell(subjectColumn).lowercased().contains(needle), !cell(toColumn).lowercased().contains(needle) {
                return false
            }
            return true
        }
        return AgendaTable(header: header, rows: kept)
    }

    /// The registry writes the status in English; the office reads Indonesian.
    func localized() -> AgendaTable {
        guard let status = column("Status") else { return self }
        let words = ["registered": "tercatat", "cancelled": "dibatalkan"]
        return AgendaTable(header: header, rows: rows.map { row in
            var row = row
            if status < row.count, let word = words[row[status]] { row[status] = word }
            return row
        })
    }

    func csv() -> String {
        func field(_ value: String) -> String {
            value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
        }
        return "\u{FEFF}" + ([header] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }
}
