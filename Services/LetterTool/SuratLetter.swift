import ArgumentParser
import Foundation
import LetterDocument
import LetterSeal

#if canImport(Glibc)
import Glibc
#endif

/// `surat-letter`: renders a letter document from JSON files (an office profile and a letter),
/// checks body markup, and measures render time. The services render through the same library;
/// this tool is for office admins trying a profile, integrators, the sample in proto-notes/ and
/// BENCHMARKS.md.
@main
struct SuratLetter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surat-letter",
        abstract: "Render letter documents (naskah dinas) to PDF, check body markup, seal and verify PDFs, benchmark.",
        subcommands: [Render.self, CheckMarkup.self, Bench.self, Seal.self]
    )
}

/// The inputs every subcommand shares.
struct Inputs: ParsableArguments {
    @Option(help: "Office profile JSON (deploy/letter/office-profile.json).")
    var profile: String
    @Option(help: "PNG emblem to put in the profile's kop (overrides the profile's emblemPNG).")
    var emblem: String?
    @Option(help: "Letter JSON (deploy/letter/sample-letter.json shows every key).")
    var letter: String
    @Option(help: "Replace the letter's addressees by this many numbered villages (more than the profile's maximumInlineAddressees adds the list page).")
    var addressees: Int?

    func request(final: Bool) throws -> LetterDocumentRequest {
        var office = try OfficeProfile.fromJSON(Data(contentsOf: URL(fileURLWithPath: profile)))
        if let emblem { office.kop.emblemPNG = try Data(contentsOf: URL(fileURLWithPath: emblem)) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var file = try decoder.decode(LetterFile.self, from: Data(contentsOf: URL(fileURLWithPath: letter)))
        if let addressees {
            file.content.addressees = (0..<max(addressees, 1)).map { LetterAddressee(name: "Kepala Desa \($0 + 1)", address: "di Tempat") }
        }
        let signature = try office.signatureBlock(signerID: file.signerID, authority: file.authority ?? .own,
                                                  principalPositionID: file.principalPositionID ?? "",
                                                  intermediatePositionID: file.intermediatePositionID ?? "")
        let mode: RenderMode = final
            ? .final(FinalDetails(number: file.number ?? "", date: file.date, verificationID: file.verificationID ?? ""))
            : .preview(at: file.date)
        return LetterDocumentRequest(profile: office, content: file.content, signature: signature, parafs: file.parafs ?? [], mode: mode)
    }
}

/// A letter as the registry would hand it over: content, who signs and how, and what step 6 adds.
struct LetterFile: Decodable {
    var content: LetterDocumentContent
    var signerID: String
    var authority: SignatureBlock.Authority?
    var principalPositionID: String?
    var intermediatePositionID: String?
    var parafs: [ParafMark]?
    /// Final mode: the number, and the opaque id of the verification page.
    var number: String?
    var verificationID: String?
    /// Final mode: the letter's date; preview mode: the revision's time.
    var date: Date
}

enum Mode: String, ExpressibleByArgument, CaseIterable {
    case preview, final
}

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Render a letter to PDF.")
    @OptionGroup var inputs: Inputs
    @Option(help: "preview (KONSEP, no number, no QR) or final.")
    var mode: Mode = .final
    @Option(name: .shortAndLong, help: "Output PDF file.")
    var output: String

    func run() throws {
        let rendered = try LetterRenderer.render(inputs.request(final: mode == .final))
        try rendered.pdf.write(to: URL(fileURLWithPath: output))
        print("\(output): \(rendered.pageCount) page(s), \(rendered.pdf.count) bytes")
        if let url = rendered.verificationURL { print("verification URL: \(url)") }
    }
}

struct CheckMarkup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-markup", abstract: "Parse a body in the letter markup and print its blocks or its problems.")
    @Argument(help: "File with the body text ('-' for standard input).")
    var file: String

    func run() throws {
        let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
        do {
            for block in try BodyMarkup.parse(String(decoding: data, as: UTF8.self)) {
                switch block {
                case .paragraph(let text): print("paragraph: \(text)")
                case .list(let style, let items): print("\(style.rawValue) list:"); items.forEach { print("  - \($0)") }
                case .fields(let rows): print("fields:"); rows.forEach { print("  \($0.label) : \($0.value)") }
                }
            }
        } catch {
            for problem in error.problems { FileHandle.standardError.write(Data("\(file):\(problem)\n".utf8)) }
            throw ExitCode(1)
        }
    }
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render the letter repeatedly and report CPU time per render (build with -c release).")
    @OptionGroup var inputs: Inputs
    @Option(help: "preview or final.")
    var mode: Mode = .final
    @Option(help: "Measured renders after the first (cold) one.")
    var iterations: Int = 200

    func run() throws {
        let request = try inputs.request(final: mode == .final)
        var cpu: [Double] = []
        var wall: [Double] = []
        var pages = 0
        var bytes = 0
        for _ in 0...iterations {
            let cpuStart = processCPUSeconds()
            let wallStart = monotonicSeconds()
            let rendered = try LetterRenderer.render(request)
            wall.append(monotonicSeconds() - wallStart)
            cpu.append(processCPUSeconds() - cpuStart)
            pages = rendered.pageCount
            bytes = rendered.pdf.count
        }
        let cold = (cpu.removeFirst(), wall.removeFirst())
        func milliseconds(_ value: Double) -> String { String(Int((value * 10_000).rounded())).inserting(decimalAt: 1) }
        func percentile(_ values: [Double], _ fraction: Double) -> Double {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
        }
        print("letter: \(pages) page(s), \(bytes) bytes, mode \(mode.rawValue)")
        print("first render (fonts loaded): cpu \(milliseconds(cold.0)) ms, wall \(milliseconds(cold.1)) ms")
        print("\(iterations) renders: cpu mean \(milliseconds(cpu.reduce(0, +) / Double(cpu.count))) ms, "
            + "median \(milliseconds(percentile(cpu, 0.5))) ms, p90 \(milliseconds(percentile(cpu, 0.9))) ms, "
            + "max \(milliseconds(cpu.max() ?? 0)) ms; wall median \(milliseconds(percentile(wall, 0.5))) ms")
    }

    func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    func monotonicSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

extension String {
    /// `"123"` with one decimal place → `"12.3"` (tenths of a millisecond without String(format:)).
    fileprivate func inserting(decimalAt places: Int) -> String {
        let padded = count <= places ? String(repeating: "0", count: places - count + 1) + self : self
        return "\(padded.dropLast(places)).\(padded.suffix(places))"
    }
}
