import Foundation

/// A line diff (longest common subsequence) for the Sekretaris: what changed in the letter since
/// the revision they returned. Letters are short, so the quadratic table is fine; a cap keeps a
/// pathological draft from costing more than a few milliseconds.
enum TextDiff {
    enum Line: Equatable { case same(String), removed(String), added(String) }

    static func lines(_ old: [String], _ new: [String]) -> [Line] {
        let n = old.count, m = new.count
        guard n * m <= 4_000_000 else { return old.map { .removed($0) } + new.map { .added($0) } }
        var table = Array(repeating: Array(repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                table[i][j] = old[i] == new[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var result: [Line] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n, j < m, old[i] == new[j] {
                result.append(.same(old[i])); i += 1; j += 1
            } else if j < m, i == n || table[i][j + 1] >= table[i + 1][j] {
                result.append(.added(new[j])); j += 1
            } else {
                result.append(.removed(old[i])); i += 1
            }
        }
        return result
    }

    /// The diff as HTML: removed lines struck through, added ones marked; unchanged ones dimmed.
    static func html(_ diff: [Line]) -> String {
        if !diff.contains(where: { if case .same = $0 { return false } else { return true } }) {
            return "<p class=\"muted\">Tidak ada perubahan teks.</p>"
        }
        var out = "<div class=\"diff\" role=\"list\">"
        for line in diff {
            switch line {
            case .same(let text): out += "<div role=\"listitem\" class=\"same\">\(HTML.escape(text).isEmpty ? "&nbsp;" : HTML.escape(text))</div>"
            case .removed(let text): out += "<div role=\"listitem\"><del><span class=\"sr-only\">dihapus: </span>\(HTML.escape(text))</del></div>"
            case .added(let text): out += "<div role=\"listitem\"><ins><span class=\"sr-only\">ditambah: </span>\(HTML.escape(text))</ins></div>"
            }
        }
        return out + "</div>"
    }
}

enum HTML {
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

    /// The letter body as paragraphs (blank line between) and lists (lines starting "- " or "1.").
    static func body(_ text: String) -> String {
        var out = ""
        for block in text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n") {
            let lines = block.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            guard !lines.isEmpty else { continue }
            if lines.allSatisfy({ $0.hasPrefix("- ") }) {
                out += "<ul>" + lines.map { "<li>\(escape(String($0.dropFirst(2))))</li>" }.joined() + "</ul>"
            } else {
                out += "<p>" + lines.map(escape).joined(separator: "<br>") + "</p>"
            }
        }
        return out
    }
}
