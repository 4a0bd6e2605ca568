/// Builds Pango markup from plain text and `InlineText`. Every piece of letter text passes through
/// `escape`, so nothing a drafter types can open a markup tag.
enum PangoMarkup {
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "'": result += "&#39;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }

    static func markup(_ text: InlineText) -> String {
        text.runs.map { $0.bold ? "<b>\(escape($0.text))</b>" : escape($0.text) }.joined()
    }

    static func bold(_ text: String) -> String { "<b>\(escape(text))</b>" }
}
