/// Archive classification code (kode klasifikasi arsip) of a letter.
///
/// Two styles are in use in regional government: the older three-digit codes (`065`, also with
/// sub-codes such as `045.2`) and the dotted codes of Permendagri 83/2022 (`000.8.3.3`,
/// `400.10.2.1`). Both are "three digits, then up to five dot-separated groups of 1-3 digits";
/// the style only decides how offices talk about it, not what is valid.
public struct ClassificationCode: Sendable, Hashable, CustomStringConvertible {
    public enum Style: Sendable, Hashable {
        /// `065`: three digits, no groups.
        case threeDigit
        /// `000.8.3.3`: three digits followed by dot-separated groups.
        case dotted
    }

    public let value: String
    public var style: Style { value.contains(".") ? .dotted : .threeDigit }
    public var description: String { value }

    /// Most groups after the three-digit head (Permendagri 83/2022 goes four deep; one spare).
    public static let maxGroups = 5

    /// Returns nil when `text` is not a valid code; `validationProblem(_:)` says why.
    public init?(_ text: String) {
        guard Self.validationProblem(text) == nil else { return nil }
        value = text
    }

    /// A human-readable reason why `text` is not a classification code, or nil when it is one.
    public static func validationProblem(_ text: String) -> String? {
        if text.isEmpty { return "is empty (expected e.g. 065 or 000.8.3.3)" }
        let groups = text.split(separator: ".", omittingEmptySubsequences: false)
        let head = groups[0]
        guard head.count == 3, head.allSatisfy(\.isASCIIDigitCharacter) else {
            return "must start with three digits (e.g. 065 or 000.8.3.3), got \"\(text)\""
        }
        let rest = groups.dropFirst()
        if rest.count > maxGroups {
            return "has more than \(maxGroups) dotted groups: \"\(text)\""
        }
        for group in rest where group.isEmpty || group.count > 3 || !group.allSatisfy(\.isASCIIDigitCharacter) {
            return "has an invalid group \"\(group)\" (each group after a dot is 1-3 digits): \"\(text)\""
        }
        return nil
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
