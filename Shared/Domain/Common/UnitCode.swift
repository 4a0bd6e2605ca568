/// The syntax of a unit code (the `{unit}` of a letter number: `416-313`, `35.16.13`, `Kec.Sooko`): 1-32 ASCII
/// letters, digits, '-' and '.'. The registry checks the same (RegistryCore `Codes.isValidUnit`; RegistryTests
/// prove the two agree) and, beyond the syntax, that the unit is one it numbers (GetNumberingRules).
public enum UnitCode {
    /// Why `text` is not a unit code, or nil when it is one.
    public static func syntaxProblem(_ text: String) -> String? {
        if text.isEmpty { return "is empty (expected e.g. 416-313)" }
        guard text.utf8.count <= 32 else { return "must be at most 32 bytes" }
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
            return "'\(text)' may contain only ASCII letters, digits, '-' and '.' (a '/' would break the letter number)"
        }
        return nil
    }
}
