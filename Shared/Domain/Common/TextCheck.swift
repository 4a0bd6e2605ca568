/// Free text the services accept: no control characters (NUL, ESC, CR, DEL, C1 controls ...),
/// which would print differently in every tool that shows them (agenda book, PDF, terminal);
/// line feeds only where a field is multi-line (a letter's body, review notes). Rejected with
/// the field named, never stripped silently (proto-notes/gateway.md, "Text fields").
public enum TextCheck {
    /// What is wrong with `text`, or nil when it has no forbidden control character.
    public static func controlCharacterProblem(_ text: String, multiline: Bool = false) -> String? {
        for (offset, scalar) in text.unicodeScalars.enumerated() where scalar.properties.generalCategory == .control {
            if multiline && scalar == "\n" { continue }
            let code = String(scalar.value, radix: 16, uppercase: true)
            let allowed = multiline ? "; only line feeds (U+000A) may break lines" : ""
            return "contains the control character U+\(String(repeating: "0", count: max(0, 4 - code.count)))\(code) at code point \(offset)\(allowed)"
        }
        return nil
    }

    /// Throws INVALID_ARGUMENT naming `field` when `text` has a forbidden control character.
    public static func rejectControlCharacters(_ text: String, _ field: String, multiline: Bool = false) throws(InvalidFieldError) {
        if let problem = controlCharacterProblem(text, multiline: multiline) { throw InvalidFieldError(field, problem) }
    }
}
