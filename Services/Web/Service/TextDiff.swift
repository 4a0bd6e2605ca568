import Foundation
import LetterDocument
import ServiceKit

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
    static func escape(_ text: String) -> String { HTMLText.escape(text) }

    /// The letter body in the letter markup (proto-notes/letter-markup.md), parsed by the same
    /// parser the PDF renderer uses, as HTML: paragraphs, numbered/lettered/bulleted lists, the
    /// aligned `label : value` rows and bold. A body with problems shows them (line and column)
    /// above its raw text, so the drafter sees what the services will refuse.
    static func body(_ text: String) -> String {
        let blocks: [BodyBlock]
        do {
            blocks = try BodyMarkup.parse(text)
        } catch {
            let problems = error.problems.map { "<li>baris \($0.line), kolom \($0.column): \(escape($0.message))</li>" }.joined()
            return "<div class=\"markup-problems\" role=\"alert\"><p>Penulisan isi surat belum benar:</p><ul>\(problems)</ul></div>"
                + "<pre class=\"raw-body\">\(escape(text))</pre>"
        }
        var out = ""
        for block in blocks {
            switch block {
            case .paragraph(let inline):
                out += "<p>\(self.inline(inline))</p>"
            case .list(let style, let items):
                let open = switch style {
                case .numbered: "<ol>"
                case .lettered: "<ol type=\"a\">"
                case .bulleted: "<ul>"
                }
                out += open + items.map { "<li>\(self.inline($0))</li>" }.joined() + (style == .bulleted ? "</ul>" : "</ol>")
            case .fields(let fields):
                out += "<table class=\"fields\">" + fields.map {
                    "<tr><th scope=\"row\">\(self.inline($0.label))</th><td>:</td><td>\(self.inline($0.value))</td></tr>"
                }.joined() + "</table>"
            }
        }
        return out
    }

    static func inline(_ text: InlineText) -> String {
        text.runs.map { $0.bold ? "<strong>\(escape($0.text))</strong>" : escape($0.text) }.joined()
    }
}
