import Foundation

/// The few facts about a PDF's last revision an incremental update needs, read from its
/// trailer and cross-reference table (cairo writes one classic `xref` table and trailer).
struct PDFRevision {
    var size: Int
    var rootObject: Int
    var infoObject: Int?
    var idArray: String?
    var lastXrefOffset: Int
    var catalogDictionary: String
    var firstPageObject: Int
    var firstPageDictionary: String

    init(_ pdf: Data) throws(LetterSealError) {
        let bytes = [UInt8](pdf)
        guard bytes.starts(with: Array("%PDF-".utf8)) else { throw .notPDF("no %PDF- header") }
        let tail = String(decoding: bytes.suffix(64), as: UTF8.self)
        guard let startxref = tail.range(of: "startxref", options: .backwards),
              let offset = Int(tail[startxref.upperBound...].split(whereSeparator: \.isWhitespace).first ?? ""),
              offset > 0, offset < bytes.count
        else { throw .notPDF("no startxref at the end") }
        lastXrefOffset = offset
        let section = String(decoding: bytes[offset...], as: UTF8.self)
        guard section.hasPrefix("xref"), let trailerRange = section.range(of: "trailer") else {
            throw .notPDF("the last cross-reference section is not a classic xref table")
        }
        let trailer = String(section[trailerRange.upperBound...])
        guard let size = Self.integer(after: "/Size", in: trailer),
              let root = Self.reference(after: "/Root", in: trailer)
        else { throw .notPDF("the trailer lacks /Size or /Root") }
        self.size = size
        rootObject = root
        infoObject = Self.reference(after: "/Info", in: trailer)
        if let id = trailer.range(of: "/ID"), let open = trailer[id.upperBound...].firstIndex(of: "["),
           let close = trailer[open...].firstIndex(of: "]") {
            idArray = String(trailer[open...close])
        }
        let table = Self.xrefTable(section)
        catalogDictionary = try Self.dictionary(of: root, table: table, bytes: bytes)
        guard let pages = Self.reference(after: "/Pages", in: catalogDictionary) else { throw .notPDF("the catalog has no /Pages") }
        let pagesDictionary = try Self.dictionary(of: pages, table: table, bytes: bytes)
        guard let kids = pagesDictionary.range(of: "/Kids"),
              let first = Self.reference(after: "[", in: String(pagesDictionary[kids.upperBound...]))
        else { throw .notPDF("the page tree has no /Kids") }
        firstPageObject = first
        firstPageDictionary = try Self.dictionary(of: first, table: table, bytes: bytes)
        if pagesDictionary.contains("/Type /Pages"), firstPageDictionary.contains("/Type /Pages") {
            throw .notPDF("nested page trees are not supported")
        }
    }

    /// Object number → byte offset, from the table's subsections.
    private static func xrefTable(_ section: String) -> [Int: Int] {
        var table: [Int: Int] = [:]
        var lines = section.split(separator: "\n", omittingEmptySubsequences: true).dropFirst().makeIterator()
        while let header = lines.next() {
            let parts = header.split(separator: " ")
            guard parts.count == 2, let start = Int(parts[0]), let count = Int(parts[1]) else { break }
            for number in start..<(start + count) {
                guard let entry = lines.next() else { return table }
                let fields = entry.split(separator: " ")
                if fields.count >= 3, fields[2].hasPrefix("n"), let offset = Int(fields[0]) { table[number] = offset }
            }
        }
        return table
    }

    /// The `<< ... >>` of object `number` (dictionaries without streams: catalog, page tree, page).
    private static func dictionary(of number: Int, table: [Int: Int], bytes: [UInt8]) throws(LetterSealError) -> String {
        guard let offset = table[number], offset < bytes.count else { throw .notPDF("object \(number) is not in the xref table") }
        let text = String(decoding: bytes[offset..<min(bytes.count, offset + 64 * 1024)], as: UTF8.self)
        guard text.hasPrefix("\(number) 0 obj"), let end = text.range(of: "endobj"),
              let open = text.range(of: "<<"), let close = text[..<end.lowerBound].range(of: ">>", options: .backwards),
              !text[..<end.lowerBound].contains("stream")
        else { throw .notPDF("object \(number) is not a plain dictionary") }
        return String(text[open.lowerBound..<close.upperBound])
    }

    private static func integer(after key: String, in text: String) -> Int? {
        guard let range = text.range(of: key) else { return nil }
        return Int(text[range.upperBound...].split(whereSeparator: \.isWhitespace).first ?? "")
    }

    private static func reference(after key: String, in text: String) -> Int? {
        guard let range = text.range(of: key) else { return nil }
        let words = text[range.upperBound...].split(whereSeparator: { $0.isWhitespace || $0 == "[" }).prefix(3)
        guard words.count == 3, words[words.startIndex + 1] == "0", words.last?.hasPrefix("R") == true else { return nil }
        return Int(words[words.startIndex])
    }
}

/// Appends the seal's objects to a PDF as one incremental update (ISO 32000-1 §7.5.6): the
/// original bytes stay untouched and the update holds only
///   - the signature dictionary (/Filter /Adobe.PPKLite, /SubFilter /ETSI.CAdES.detached,
///     /ByteRange, /Contents placeholder, /M),
///   - the signature field merged with its invisible widget (on page 1),
///   - the catalog again with /AcroForm << /Fields [...] /SigFlags 3 >>,
///   - page 1 again with the widget in /Annots,
/// then an xref section for those four objects and a trailer with /Prev.
/// `placeholder` returns the file with zeros in /Contents and where the CMS goes.
struct PDFSignatureUpdate {
    /// Where the hexadecimal CMS goes: bytes `contentsStart..<contentsEnd` hold `<00...00>`.
    var pdf: Data
    var contentsStart: Int
    var contentsEnd: Int

    static func placeholder(for original: Data, contentsBytes: Int, signingTime: Date, fieldName: String,
                            reason: String) throws(LetterSealError) -> PDFSignatureUpdate {
        let revision = try PDFRevision(original)
        guard !revision.catalogDictionary.contains("/AcroForm") else {
            throw .notPDF("the document already has a form (AcroForm); the seal goes on renderer output only")
        }
        let signatureObject = revision.size
        let fieldObject = revision.size + 1
        var out = original
        if out.last != UInt8(ascii: "\n") { out.append(UInt8(ascii: "\n")) }
        var offsets: [Int: Int] = [:]

        func append(_ text: String) { out.append(contentsOf: Array(text.utf8)) }

        // The signature dictionary. /ByteRange is written with room for four ten-digit numbers
        // and filled in once /Contents' place is known.
        offsets[signatureObject] = out.count
        append("\(signatureObject) 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached\n")
        append("   /M \(pdfDate(signingTime)) /Reason \(pdfTextString(reason))\n   /ByteRange ")
        let byteRangeStart = out.count
        append("[" + String(repeating: " ", count: 4 * 11) + "]")
        append("\n   /Contents ")
        let contentsStart = out.count
        append("<" + String(repeating: "0", count: contentsBytes * 2) + ">")
        let contentsEnd = out.count
        append("\n>>\nendobj\n")

        // The field and its widget in one dictionary; /F 132 = Print + Locked, /Rect zero = invisible.
        offsets[fieldObject] = out.count
        append("\(fieldObject) 0 obj\n<< /Type /Annot /Subtype /Widget /FT /Sig /T \(pdfTextString(fieldName))\n")
        append("   /V \(signatureObject) 0 R /F 132 /Rect [ 0 0 0 0 ] /P \(revision.firstPageObject) 0 R\n>>\nendobj\n")

        // The catalog gains the form; /SigFlags 3 = SignaturesExist + AppendOnly.
        offsets[revision.rootObject] = out.count
        append("\(revision.rootObject) 0 obj\n")
        append(try insert("   /AcroForm << /Fields [ \(fieldObject) 0 R ] /SigFlags 3 >>\n", into: revision.catalogDictionary))
        append("\nendobj\n")

        // Page 1 lists the widget among its annotations.
        offsets[revision.firstPageObject] = out.count
        append("\(revision.firstPageObject) 0 obj\n")
        append(try withAnnotation(fieldObject, page: revision.firstPageDictionary))
        append("\nendobj\n")

        let xrefOffset = out.count
        append("xref\n0 1\n0000000000 65535 f \n")
        for (number, offset) in offsets.sorted(by: { $0.key < $1.key }) {
            append("\(number) 1\n" + pad(offset, 10) + " 00000 n \n")
        }
        append("trailer\n<< /Size \(revision.size + 2) /Root \(revision.rootObject) 0 R")
        if let info = revision.infoObject { append(" /Info \(info) 0 R") }
        if let id = revision.idArray { append(" /ID \(id)") }
        append(" /Prev \(revision.lastXrefOffset) >>\nstartxref\n\(xrefOffset)\n%%EOF\n")

        // Everything but /Contents (the `<...>` included) is signed.
        let byteRange = "[0 \(contentsStart) \(contentsEnd) \(out.count - contentsEnd)"
        let filled = byteRange + String(repeating: " ", count: 4 * 11 + 1 - byteRange.count) + "]"
        out.replaceSubrange(byteRangeStart..<(byteRangeStart + filled.utf8.count), with: Array(filled.utf8))
        return PDFSignatureUpdate(pdf: out, contentsStart: contentsStart, contentsEnd: contentsEnd)
    }

    /// The bytes the signature covers: the file without `/Contents`' value.
    var signedBytes: Data { pdf[0..<contentsStart] + pdf[contentsEnd...] }

    /// Writes the CMS (hexadecimal, zero-padded) into the placeholder.
    mutating func fill(cms: Data) throws(LetterSealError) {
        let capacity = (contentsEnd - contentsStart - 2) / 2
        guard cms.count <= capacity else { throw .openSSL("the CMS (\(cms.count) bytes) outgrew its placeholder (\(capacity))") }
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(cms.count * 2)
        for byte in cms {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        pdf.replaceSubrange((contentsStart + 1)..<(contentsStart + 1 + hex.count), with: hex)
    }

    private static func insert(_ entry: String, into dictionary: String) throws(LetterSealError) -> String {
        guard let close = dictionary.range(of: ">>", options: .backwards) else {
            throw .notPDF("an object that should be a dictionary has no closing >>")
        }
        return dictionary[..<close.lowerBound] + entry + ">>"
    }

    private static func withAnnotation(_ object: Int, page: String) throws(LetterSealError) -> String {
        guard let annots = page.range(of: "/Annots") else {
            return try insert("   /Annots [ \(object) 0 R ]\n", into: page)
        }
        let rest = page[annots.upperBound...].drop(while: \.isWhitespace)
        guard rest.first == "[" else { throw .notPDF("page 1 keeps its /Annots in a separate object") }
        return page[..<rest.startIndex] + "[ \(object) 0 R " + rest.dropFirst()
    }

    private static func pad(_ value: Int, _ width: Int) -> String { String(value).leftPadded(to: width) }

    /// `(D:YYYYMMDDHHmmSSZ)` in UTC.
    static func pdfDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        // dateComponents fills every component asked for; the 0s are never used.
        let digits = [(parts.year ?? 0, 4), (parts.month ?? 0, 2), (parts.day ?? 0, 2), (parts.hour ?? 0, 2),
                      (parts.minute ?? 0, 2), (parts.second ?? 0, 2)]
            .map { String($0.0).leftPadded(to: $0.1) }.joined()
        return "(D:\(digits)Z)"
    }

    /// A PDF text string as UTF-16BE with BOM in hexadecimal: any Unicode, no escaping rules.
    static func pdfTextString(_ text: String) -> String {
        "<FEFF" + text.utf16.map { String($0, radix: 16, uppercase: true).leftPadded(to: 4) }.joined() + ">"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
