/// The body of a letter as blocks: what the small letter markup (proto-notes/letter-markup.md)
/// parses to and what the renderer lays out.
public enum BodyBlock: Sendable, Hashable {
    /// A justified paragraph.
    case paragraph(InlineText)
    /// A numbered (`1.`), lettered (`a.`) or bulleted (`-`) list.
    case list(ListStyle, [InlineText])
    /// The aligned `label : value` rows of an invitation (hari/tanggal, waktu, tempat, acara).
    case fields([Field])

    public enum ListStyle: String, Sendable, Hashable {
        case numbered, lettered, bulleted
    }

    public struct Field: Sendable, Hashable {
        public var label: InlineText
        public var value: InlineText

        public init(label: InlineText, value: InlineText) {
            self.label = label
            self.value = value
        }
    }
}

/// Text with bold spans.
public struct InlineText: Sendable, Hashable, CustomStringConvertible {
    public struct Run: Sendable, Hashable {
        public var text: String
        public var bold: Bool

        public init(text: String, bold: Bool) {
            self.text = text
            self.bold = bold
        }
    }

    public var runs: [Run]

    public init(runs: [Run]) { self.runs = runs }
    public init(plain: String) { runs = plain.isEmpty ? [] : [Run(text: plain, bold: false)] }

    /// The text without markup.
    public var description: String { runs.map(\.text).joined() }
}

/// Problems found in a body, each with its 1-based line and column (in characters).
public struct BodyMarkupError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var message: String
        public var description: String { "line \(line), column \(column): \(message)" }
    }

    public var problems: [Problem]
    public var description: String { problems.map(\.description).joined(separator: "; ") }
}

/// Parses the letter markup. Every problem in the text is reported, not only the first.
public enum BodyMarkup {
    /// Longer bodies are refused: a letter that long is an attachment, not a body.
    public static let maximumCharacters = 100_000

    public static func parse(_ text: String) throws(BodyMarkupError) -> [BodyBlock] {
        var parser = Parser()
        parser.run(text)
        if !parser.problems.isEmpty { throw BodyMarkupError(problems: parser.problems) }
        return parser.blocks
    }
}

/// A piece of source text with where it starts, so inline problems point at the right place.
private struct Segment {
    var text: Substring
    var line: Int
    var column: Int
}

private struct Parser {
    enum LineKind {
        case blank
        case item(BodyBlock.ListStyle, ordinal: Int, text: Segment)
        case field(label: Segment, value: Segment)
        case indented(Segment)
        case text(Segment)
    }

    /// The block being collected: its kind and the segments of each paragraph, item or row.
    enum Open {
        case none
        case paragraph([Segment])
        case list(BodyBlock.ListStyle, [[Segment]], line: Int)
        case fields([(label: Segment, value: [Segment])])
    }

    var blocks: [BodyBlock] = []
    var problems: [BodyMarkupError.Problem] = []
    var open: Open = .none

    mutating func problem(_ line: Int, _ column: Int, _ message: String) {
        problems.append(.init(line: line, column: column, message: message))
    }

    mutating func run(_ text: String) {
        if text.count > BodyMarkup.maximumCharacters {
            problem(1, 1, "the body has \(text.count) characters, more than \(BodyMarkup.maximumCharacters); put long texts in an attachment")
            return
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, rawLine) in lines.enumerated() {
            let number = index + 1
            var line = rawLine
            if line.last == "\r" { line.removeLast() }
            if let bad = line.firstIndex(where: { $0.unicodeScalars.contains { $0.value < 0x20 && $0 != "\t" } || $0 == "\u{7F}" }) {
                let scalar = line[bad].unicodeScalars.first?.value ?? 0
                problem(number, line.distance(from: line.startIndex, to: bad) + 1,
                        "control character U+\(String(scalar, radix: 16, uppercase: true).leftPadded(to: 4)) is not allowed")
                continue
            }
            consume(classify(line, number: number), number: number)
        }
        close()
        if blocks.isEmpty && problems.isEmpty { problem(1, 1, "the body is empty") }
    }

    func classify(_ line: Substring, number: Int) -> LineKind {
        let trimmedEnd = line.reversed().drop(while: { $0 == " " || $0 == "\t" }).count
        let content = line.prefix(trimmedEnd)
        let indent = content.prefix(while: { $0 == " " || $0 == "\t" })
        let rest = content.dropFirst(indent.count)
        if rest.isEmpty { return .blank }
        let column = indent.count + 1
        if indent.count >= 2 { return .indented(Segment(text: rest, line: number, column: column)) }
        // `- item`
        if rest.hasPrefix("- ") {
            let itemText = rest.dropFirst(2).drop(while: { $0 == " " })
            return .item(.bulleted, ordinal: 0, text: Segment(text: itemText, line: number, column: column + (rest.count - itemText.count)))
        }
        // `12. item` or `b. item`
        if let dot = rest.firstIndex(of: "."), rest[rest.index(after: dot)...].first == " " {
            let marker = rest[..<dot]
            let itemText = rest[rest.index(after: dot)...].drop(while: { $0 == " " })
            let segment = Segment(text: itemText, line: number, column: column + (rest.count - itemText.count))
            if !marker.isEmpty, marker.count <= 3, marker.allSatisfy(\.isASCII), let ordinal = Int(marker) {
                return .item(.numbered, ordinal: ordinal, text: segment)
            }
            if marker.count == 1, let letter = marker.first?.asciiValue, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(letter) {
                return .item(.lettered, ordinal: Int(letter - UInt8(ascii: "a")) + 1, text: segment)
            }
        }
        // `| label : value`
        if rest.hasPrefix("|") {
            let row = rest.dropFirst()
            let rowColumn = column + 1
            guard let colon = row.firstIndex(of: ":") else {
                return .field(label: Segment(text: row, line: number, column: rowColumn), value: Segment(text: "", line: number, column: 0))
            }
            let labelText = row[..<colon]
            let valueText = row[row.index(after: colon)...]
            let labelStart = labelText.prefix(while: { $0 == " " }).count
            let valueStart = valueText.prefix(while: { $0 == " " }).count
            let label = labelText.dropFirst(labelStart).reversed().drop(while: { $0 == " " }).reversed()
            return .field(
                label: Segment(text: Substring(String(label)), line: number, column: rowColumn + labelStart),
                value: Segment(text: valueText.dropFirst(valueStart), line: number,
                               column: rowColumn + labelText.count + 1 + valueStart))
        }
        return .text(Segment(text: rest, line: number, column: column))
    }

    mutating func consume(_ kind: LineKind, number: Int) {
        switch kind {
        case .blank:
            close()
        case .item(let style, let ordinal, let text):
            if text.text.isEmpty { problem(number, text.column, "a list item needs text after its marker") }
            if case .list(let openStyle, var items, let start) = open, openStyle == style {
                if style != .bulleted && ordinal != items.count + 1 {
                    problem(number, 1, "\(style == .numbered ? "numbered" : "lettered") list item \(marker(style, items.count + 1)) expected, found \(marker(style, ordinal))")
                }
                items.append([text])
                open = .list(style, items, line: start)
            } else {
                close()
                if style != .bulleted && ordinal != 1 {
                    problem(number, 1, "a \(style == .numbered ? "numbered" : "lettered") list starts at \(marker(style, 1)), found \(marker(style, ordinal))")
                }
                open = .list(style, [[text]], line: number)
            }
        case .field(let label, let value):
            if value.column == 0 {
                problem(number, label.column, "a `| label : value` row needs a colon after the label")
            } else {
                if label.text.isEmpty { problem(number, label.column, "the label before the colon is empty") }
                if value.text.isEmpty { problem(number, value.column, "the value after the colon is empty") }
            }
            if case .fields(var rows) = open {
                rows.append((label, [value]))
                open = .fields(rows)
            } else {
                close()
                open = .fields([(label, [value])])
            }
        case .indented(let segment):
            continueOpen(with: segment)
        case .text(let segment):
            switch open {
            case .list, .paragraph: continueOpen(with: segment)
            case .fields:
                problem(number, segment.column, "a `| label : value` block ends with a blank line before the next paragraph")
            case .none:
                open = .paragraph([segment])
            }
        }
    }

    /// A line that continues the open paragraph, the last list item or the last row's value.
    mutating func continueOpen(with segment: Segment) {
        switch open {
        case .none: open = .paragraph([segment])
        case .paragraph(var segments):
            segments.append(segment)
            open = .paragraph(segments)
        case .list(let style, var items, let start):
            items[items.count - 1].append(segment)
            open = .list(style, items, line: start)
        case .fields(var rows):
            rows[rows.count - 1].value.append(segment)
            open = .fields(rows)
        }
    }

    mutating func close() {
        switch open {
        case .none: break
        case .paragraph(let segments): blocks.append(.paragraph(inline(segments)))
        case .list(let style, let items, _): blocks.append(.list(style, items.map { inline($0) }))
        case .fields(let rows): blocks.append(.fields(rows.map { .init(label: inline([$0.label]), value: inline($0.value)) }))
        }
        open = .none
    }

    func marker(_ style: BodyBlock.ListStyle, _ ordinal: Int) -> String {
        switch style {
        case .numbered: "\(ordinal)."
        case .lettered:
            ordinal >= 1 && ordinal <= 26 ? "\(Character(UnicodeScalar(UInt8(96 + ordinal))))." : "\(ordinal)."
        case .bulleted: "-"
        }
    }

    /// Joins the segments with single spaces and splits them into bold and plain runs.
    mutating func inline(_ segments: [Segment]) -> InlineText {
        var runs: [InlineText.Run] = []
        var current = ""
        var bold = false
        var boldStart: (line: Int, column: Int) = (0, 0)
        func flush() {
            if !current.isEmpty {
                if let last = runs.last, last.bold == bold { runs[runs.count - 1].text += current } else { runs.append(.init(text: current, bold: bold)) }
            }
            current = ""
        }
        for (segmentIndex, segment) in segments.enumerated() {
            if segmentIndex > 0 { current += " " }
            var index = segment.text.startIndex
            var column = segment.column
            while index < segment.text.endIndex {
                let character = segment.text[index]
                let next = segment.text.index(after: index)
                if character == "\\", next < segment.text.endIndex, let escaped = segment.text[next].asciiValue,
                   (33...47).contains(escaped) || (58...64).contains(escaped) || (91...96).contains(escaped) || (123...126).contains(escaped) {
                    current.append(segment.text[next])
                    index = segment.text.index(after: next)
                    column += 2
                    continue
                }
                if character == "*", next < segment.text.endIndex, segment.text[next] == "*" {
                    if bold && current.isEmpty && (runs.last?.bold != true) {
                        problem(segment.line, column, "empty bold text `****`")
                    }
                    flush()
                    bold.toggle()
                    if bold { boldStart = (segment.line, column) }
                    index = segment.text.index(after: next)
                    column += 2
                    continue
                }
                current.append(character)
                index = next
                column += 1
            }
        }
        if bold {
            problem(boldStart.line, boldStart.column, "`**` opens bold text that is never closed")
        }
        flush()
        return InlineText(runs: runs)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
