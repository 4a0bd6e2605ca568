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

    /// The unit (one of `units`) and sequence that render exactly `number` with the other values
    /// fixed, or nil when none or more than one do. Imports use it to put a receipt's number back
    /// into its counter: the receipt seals the number, not the sequence.
    package func sequence(of number: String, classification: String, units: [String], year: Int, month: Int,
                          office: String) -> (unit: String, sequence: Int64)? {
        let bytes = Array(number.utf8)
        var found: [(unit: String, sequence: Int64)] = []
        for unit in units {
            let values = Values(classification: classification, sequence: 0, unit: unit, year: year, month: month, office: office)
            for sequence in candidateSequences(bytes, values) {
                var rendered = values
                rendered.sequence = sequence
                if render(rendered) == number, !found.contains(where: { $0.unit == unit && $0.sequence == sequence }) {
                    found.append((unit, sequence))
                }
            }
        }
        return found.count == 1 ? found[0] : nil
    }

    /// Every sequence value for which the parts match `bytes` (backtracking over digit runs).
    private func candidateSequences(_ bytes: [UInt8], _ values: Values) -> [Int64] {
        var results: [Int64] = []
        func walk(_ partIndex: Int, _ position: Int, _ sequence: Int64?) {
            guard partIndex < parts.count else {
                if position == bytes.count, let sequence { results.append(sequence) }
                return
            }
            if case .sequence = parts[partIndex] {
                var end = position
                while end < bytes.count, bytes[end] >= UInt8(ascii: "0"), bytes[end] <= UInt8(ascii: "9"), end - position < 18 {
                    end += 1
                    if let value = Int64(String(decoding: bytes[position..<end], as: UTF8.self)), value >= 1,
                       sequence == nil || sequence == value {
                        walk(partIndex + 1, end, value)
                    }
                }
                return
            }
            var single = values
            single.sequence = sequence ?? 1
            let text = Array(LetterNumberFormat(parts: [parts[partIndex]]).render(single).utf8)
            guard bytes.count - position >= text.count, Array(bytes[position..<(position + text.count)]) == text else { return }
            walk(partIndex + 1, position + text.count, sequence)
        }
        walk(0, 0, nil)
        return results
    }

    /// A format of already-parsed parts (no template checks), for rendering one part at a time.
    private init(parts: [Part]) {
        self.template = ""
        self.parts = parts
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
