import Foundation
import LetterDocument

/// The real PDF tools from Debian (poppler-utils, qpdf, zbar-tools) run as subprocesses on a
/// rendered letter, the way a recipient's software would read it.
struct PDFTools {
    struct Result {
        var status: Int32
        var output: String
        var error: String
    }

    let directory: URL
    let pdf: URL

    /// Writes `pdf` to a fresh temporary directory.
    init(_ pdf: Data) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("letter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.pdf = directory.appendingPathComponent("letter.pdf")
        try pdf.write(to: self.pdf)
    }

    func removeFiles() { try? FileManager.default.removeItem(at: directory) }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Read before waiting so a large output cannot fill the pipe and stall the tool.
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                      error: String(decoding: errorData, as: UTF8.self))
    }

    /// `pdftotext -layout` of the given pages (all by default).
    func text(firstPage: Int? = nil, lastPage: Int? = nil) throws -> String {
        var arguments = ["pdftotext", "-layout", "-enc", "UTF-8"]
        if let firstPage { arguments += ["-f", String(firstPage)] }
        if let lastPage { arguments += ["-l", String(lastPage)] }
        let result = try Self.run(arguments + [pdf.path, "-"])
        guard result.status == 0 else { throw ToolFailure(tool: "pdftotext", result: result) }
        return result.output
    }

    /// Text of each page, split on the form feed pdftotext puts after every page.
    func pageTexts() throws -> [String] {
        var pages = try text().components(separatedBy: "\u{0C}")
        if pages.last?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == true { pages.removeLast() }
        return pages
    }

    /// `pdfinfo`'s key/value lines.
    func info() throws -> [String: String] {
        let result = try Self.run(["pdfinfo", pdf.path])
        guard result.status == 0 else { throw ToolFailure(tool: "pdfinfo", result: result) }
        var values: [String: String] = [:]
        for line in result.output.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            values[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return values
    }

    /// `qpdf --check`: exit status 0 means the file's structure and streams are sound.
    func qpdfCheck() throws -> Result { try Self.run(["qpdf", "--check", pdf.path]) }

    /// The QR codes `zbarimg` finds on a page rasterised by `pdftoppm` at `dpi`.
    func qrCodes(page: Int, dpi: Int = 150) throws -> [String] {
        let prefix = directory.appendingPathComponent("page").path
        let raster = try Self.run(["pdftoppm", "-r", String(dpi), "-png", "-singlefile", "-f", String(page), "-l", String(page), pdf.path, prefix])
        guard raster.status == 0 else { throw ToolFailure(tool: "pdftoppm", result: raster) }
        let scan = try Self.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", prefix + ".png"])
        // zbarimg exits with 4 when the image holds no symbol.
        if scan.status == 4 { return [] }
        guard scan.status == 0 else { throw ToolFailure(tool: "zbarimg", result: scan) }
        return scan.output.split(separator: "\n").map(String.init)
    }
}

struct ToolFailure: Error, CustomStringConvertible {
    var tool: String
    var result: PDFTools.Result
    var description: String { "\(tool) exited with \(result.status): \(result.error)" }
}

/// Where `needles` occur in `text`, each searched after the previous one; nil for the first missing.
func firstMissingInOrder(_ needles: [String], in text: String) -> String? {
    var searchStart = text.startIndex
    for needle in needles {
        guard let found = text.range(of: needle, range: searchStart..<text.endIndex) else { return needle }
        searchStart = found.upperBound
    }
    return nil
}

/// Text with runs of spaces collapsed, so `-layout` column padding does not matter.
func collapsingSpaces(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false)
        .map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        .joined(separator: "\n")
}
