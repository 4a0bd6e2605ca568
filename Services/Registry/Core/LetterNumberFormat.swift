/// The per-office letter number template, e.g. `{classification}/{sequence}/{unit}/{year}` giving
/// `065/87/416-313/2025`. Placeholders: `{classification}`, `{sequence}` (optionally zero-padded as
/// `{sequence:4}`), `{unit}`, `{year}`, `{month}` (01–12), `{month_roman}` (I–XII) and `{office}`.
/// Everything else is literal text.
package struct LetterNumberFormat: Sendable, Hashable, CustomStringConvertible {
    package enum Part: Sendable, Hashable {
        case literal(String)
        case classification
        case sequence(width: Int)
        case unit
        case year
        case month
        case monthRoman
        case office
    }

    package static let defaultTemplate = "{classification}/{sequence}/{unit}/{year}"

    package let template: String
    package let parts: [Part]

    package var description: String { template }

    package init(_ template: String) throws(RegistryError) {
        var parts: [Part] = []
        var literal = ""
        var index = template.startIndex
        while index < template.endIndex {
            let character = template[index]
            if character == "{" {
                guard let close = template[index...].firstIndex(of: "}") else {
                    throw .invalidArgument("template", "unclosed '{' in \(template)")
                }
                let name = String(template[template.index(after: index)..<close])
                if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                parts.append(try Self.placeholder(name, template: template))
                index = template.index(after: close)
            } else if character == "}" {
                throw .invalidArgument("template", "unmatched '}' in \(template)")
            } else {
                literal.append(character)
                index = template.index(after: index)
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        guard parts.contains(where: { if case .sequence = $0 { true } else { false } }) else {
            throw .invalidArgument("template", "must contain {sequence}")
        }
        // Without the year, the sequence restart on 1 January would repeat last year's numbers.
        guard parts.contains(.year) else {
            throw .invalidArgument("template", "must contain {year}")
        }
        guard !template.contains(where: { $0.isNewline }), template.utf8.count <= 200 else {
            throw .invalidArgument("template", "must be one line of at most 200 bytes")
        }
        self.template = template
        self.parts = parts
    }

    private static func placeholder(_ name: String, template: String) throws(RegistryError) -> Part {
        switch name {
        case "classification": return .classification
        case "sequence": return .sequence(width: 0)
        case "unit": return .unit
        case "year": return .year
        case "month": return .month
        case "month_roman": return .monthRoman
        case "office": return .office
        default:
            if name.hasPrefix("sequence:"), let width = Int(name.dropFirst("sequence:".count)), (1...9).contains(width) {
                return .sequence(width: width)
            }
            throw .invalidArgument("template", "unknown placeholder {\(name)} in \(template)")
        }
    }

    package var containsClassification: Bool { parts.contains(.classification) }
    package var containsUnit: Bool { parts.contains(.unit) }

    package struct Values: Sendable {
        package var classification: String
        package var sequence: Int64
        package var unit: String
        package var year: Int
        package var month: Int
        package var office: String
    }

    package func render(_ values: Values) -> String {
        var out = ""
        out.reserveCapacity(32)
        for part in parts {
            switch part {
            case .literal(let text): out += text
            case .classification: out += values.classification
            case .sequence(let width):
                let digits = String(values.sequence)
                if digits.count < width { out += String(repeating: "0", count: width - digits.count) }
                out += digits
            case .unit: out += values.unit
            case .year: out += String(values.year)
            case .month: out += values.month < 10 ? "0\(values.month)" : String(values.month)
            case .monthRoman: out += Self.romanMonths[max(0, min(11, values.month - 1))]
            case .office: out += values.office
            }
        }
        return out
    }

    private static let romanMonths = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
}

/// What one gapless sequence counts over.
package enum NumberingScope: String, Sendable, Codable, CaseIterable {
    /// One sequence per recording unit and year (the default, and the common practice).
    case unitYear = "unit-year"
    /// One sequence per unit, classification code and year.
    case unitClassificationYear = "unit-classification-year"

    /// The counter key; also stored with every agenda entry.
    package func key(unit: String, classification: String, year: Int) -> String {
        switch self {
        case .unitYear: "\(unit)|\(year)"
        case .unitClassificationYear: "\(unit)|\(classification)|\(year)"
        }
    }
}

/// Syntax checks for the codes that end up inside a letter number.
package enum Codes {
    /// Classification codes: `065`, `000.8.3.3`, `B/065` is not allowed (a '/' would break parsing).
    package static func isValidClassification(_ code: String) -> Bool {
        guard !code.isEmpty, code.utf8.count <= 32 else { return false }
        let segments = code.split(separator: ".", omittingEmptySubsequences: false)
        return segments.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }

    /// Unit codes: `416-313`, `35.16.13`, `Kec.Sooko`.
    package static func isValidUnit(_ code: String) -> Bool {
        guard !code.isEmpty, code.utf8.count <= 32 else { return false }
        return code.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
    }
}
