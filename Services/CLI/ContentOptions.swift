import ArgumentParser
import Domain
import Foundation

/// The letter's content as flags (`surat draft create` / `edit`).
struct ContentOptions: ParsableArguments {
    @Option(help: "Letter type: surat, undangan, surat-edaran, nota-dinas, surat-keputusan, surat-tugas, ... (default surat).")
    var type: String = "surat"

    @Option(help: "Archive classification code, e.g. 005 or 000.8.3.3.")
    var classification: String

    @Option(help: "Hal / perihal.")
    var subject: String

    @Option(help: "Body text (or --body-file).")
    var body: String?

    @Option(help: "File holding the body text.")
    var bodyFile: String?

    @Option(help: "Sifat: biasa, terbatas, rahasia, sangat-rahasia.")
    var sifat: String = "biasa"

    @Option(help: "Urgency: biasa, segera, sangat-segera, kilat.")
    var urgency: String = "biasa"

    @Option(name: .customLong("to"), help: "Addressee as NAME|KIND[|HOST:PORT] (kind desa, dinas, instansi, other); repeat.")
    var addressees: [String] = []

    @Option(help: "Tembusan (copy) line; repeat.")
    var tembusan: [String] = []

    @Option(name: .customLong("drafting-unit"), help: "Seksi / Subag that drafts the letter.")
    var draftingUnit: String

    @Option(help: "Place on the date line (e.g. Sooko).")
    var place: String = ""

    @Option(name: .customLong("attach"), help: "File to attach (lampiran); repeat.")
    var attachments: [String] = []

    static func token(_ text: String) -> String { text.lowercased().replacingOccurrences(of: "_", with: "-") }

    func content() throws -> LetterContent {
        func pick<E: CaseIterable>(_ value: String, _ field: String, _ name: (E) -> String) throws -> E {
            guard let found = E.allCases.first(where: { name($0) == Self.token(value) }) else {
                throw CLIError.usage("--\(field) \(value) is not one of \(E.allCases.map(name).filter { $0 != "unspecified" }.joined(separator: ", "))")
            }
            return found
        }
        func kebab(_ text: String) -> String {
            text.reduce(into: "") { out, character in
                if character.isUppercase { out += "-" + character.lowercased() } else { out.append(character) }
            }
        }
        var content = LetterContent()
        content.type = try pick(type, "type") { (t: LetterType) in kebab("\(t)") }
        content.classificationCode = classification
        content.subject = subject
        if let bodyFile {
            guard let text = try? String(contentsOfFile: bodyFile, encoding: .utf8) else {
                throw CLIError.usage("cannot read --body-file \(bodyFile)")
            }
            content.body = text
        } else {
            content.body = body ?? ""
        }
        content.sifat = try pick(sifat, "sifat") { (s: Sifat) in kebab("\(s)") }
        content.urgency = try pick(urgency, "urgency") { (u: Urgency) in kebab("\(u)") }
        content.addressees = try addressees.map { text in
            let parts = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2 else { throw CLIError.usage("--to \(text): expected NAME|KIND[|HOST:PORT]") }
            let kind: AddresseeKind = try pick(parts[1], "to kind") { (k: AddresseeKind) in "\(k)" }
            return Addressee(name: parts[0], kind: kind, endpoint: parts.count > 2 && !parts[2].isEmpty ? parts[2] : nil)
        }
        content.tembusan = tembusan
        content.draftingUnit = draftingUnit
        content.place = place
        content.attachments = try attachments.map { path in
            guard let data = FileManager.default.contents(atPath: path) else { throw CLIError.usage("cannot read --attach \(path)") }
            let name = URL(fileURLWithPath: path).lastPathComponent
            let media = switch URL(fileURLWithPath: path).pathExtension.lowercased() {
            case "pdf": "application/pdf"
            case "png": "image/png"
            case "jpg", "jpeg": "image/jpeg"
            case "txt": "text/plain"
            default: "application/octet-stream"
            }
            return Attachment(name: name, mediaType: media, content: data)
        }
        return content
    }
}
