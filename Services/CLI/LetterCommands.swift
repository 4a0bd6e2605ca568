import ArgumentParser
import Crypto
import Domain
import Foundation

/// `surat letter preview|pdf`: the letter as a document (proto-notes/gateway.md, "The letter document").
struct LetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "letter", abstract: "The letter as a PDF: a KONSEP preview at any step, the final letter after step 6.",
        subcommands: [Preview.self, FinalPDF.self])

    static func write(_ data: Data, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: data) else { throw CLIError.usage("cannot write \(path)") }
    }

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a preview of a letter (watermarked KONSEP, no number, no QR code, no signature mark).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Letter id.") var letter: String
        @Option(help: "Revision (default: the latest).") var revision: Int64 = 0
        @Option(name: .shortAndLong, help: "Output PDF file.") var output: String

        mutating func run() async throws {
            let (client, letter, revision, output) = (client, letter, revision, output)
            try await runReporting {
                let reply = try await client.call(GatewayAPI.previewLetter, GatewayAPI.PreviewLetterRequest(letterID: letter, revision: revision))
                try LetterCommand.write(reply.pdf, to: output)
                FileHandle.standardError.write(Data("wrote the preview of revision \(reply.revision) (\(reply.pageCount) page(s), \(reply.pdf.count) bytes, office profile v\(reply.profileVersion)) to \(output)\n".utf8))
            }
        }
    }

    struct FinalPDF: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pdf",
            abstract: "Download the final PDF of a registered letter (for delivery by hand); checks its SHA-256.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Letter number (e.g. 065/87/416-313/2026) or letter id.") var letter: String
        @Option(name: .shortAndLong, help: "Output PDF file.") var output: String

        mutating func run() async throws {
            let (client, letter, output) = (client, letter, output)
            try await runReporting {
                let byID = UUID(uuidString: letter) != nil
                var pdf = Data()
                var number = letter
                var digest = Data()
                // Chunk by chunk, so a PDF larger than the 4 MiB message limit downloads too.
                repeat {
                    let chunk = try await client.call(GatewayAPI.getLetterPDF, GatewayAPI.GetLetterPDFRequest(
                        letterNumber: byID ? "" : letter, letterID: byID ? letter : "", offset: UInt64(pdf.count)))
                    guard !chunk.data.isEmpty || chunk.totalSize == UInt64(pdf.count) else {
                        throw CLIError.usage("the gateway sent an empty chunk at offset \(pdf.count) of \(chunk.totalSize)")
                    }
                    pdf.append(chunk.data)
                    number = chunk.letterNumber
                    digest = chunk.sha256
                    if UInt64(pdf.count) >= chunk.totalSize { break }
                } while true
                guard Data(SHA256.hash(data: pdf)) == digest else {
                    throw CLIError.usage("the downloaded PDF does not match its SHA-256 (it changed during the download?): try again")
                }
                try LetterCommand.write(pdf, to: output)
                let hex = digest.map { String(format: "%02x", $0) }.joined()
                FileHandle.standardError.write(Data("wrote the final PDF of \(number) (\(pdf.count) bytes, sha256 \(hex)) to \(output)\n".utf8))
            }
        }
    }
}

/// `surat admin office show|set|emblem`: the office profile the registry lays out letters with.
struct OfficeAdmin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "office", abstract: "The office profile: kop, emblem, positions, signers, verification URL (JSON: proto-notes/letter-document.md).",
        subcommands: [Show.self, Set.self, Emblem.self])

    static func summary(_ profile: GatewayAPI.OfficeProfile) -> String {
        guard profile.version > 0 else { return "no office profile set yet: surat admin office set --file profile.json --emblem emblem.png" }
        return "office profile version \(profile.version), set \(profile.setAt.map(Output.time) ?? "-") by \(profile.setBy); "
            + "\(profile.profileJSON.count) bytes of JSON, emblem \(profile.emblemPNG.count) bytes"
    }

    static func read(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError.usage("cannot read \(path)") }
        return data
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the profile JSON (or write it and the emblem to files).")
        @OptionGroup var client: ClientOptions
        @Option(help: "Version (default: the current one).") var version: Int64 = 0
        @Option(name: .shortAndLong, help: "Write the JSON here instead of printing it.") var output: String?
        @Option(help: "Write the emblem PNG here.") var emblemOutput: String?

        mutating func run() async throws {
            let (client, version, output, emblemOutput) = (client, version, output, emblemOutput)
            try await runReporting {
                let profile = try await client.call(GatewayAPI.getOfficeProfile, GatewayAPI.GetOfficeProfileRequest(version: version))
                if let emblemOutput { try LetterCommand.write(profile.emblemPNG, to: emblemOutput) }
                if let output {
                    try LetterCommand.write(profile.profileJSON, to: output)
                    FileHandle.standardError.write(Data((OfficeAdmin.summary(profile) + "\n").utf8))
                } else if client.json || profile.version == 0 {
                    emit(profile, json: client.json, OfficeAdmin.summary)
                } else {
                    FileHandle.standardError.write(Data((OfficeAdmin.summary(profile) + "\n").utf8))
                    FileHandle.standardOutput.write(profile.profileJSON)
                    print()
                }
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set the profile from a JSON file (a missing key keeps its default; an unknown key is refused).")
        @OptionGroup var client: ClientOptions
        @OptionGroup var request: RequestOptions
        @Option(help: "Profile JSON (deploy/letter/office-profile.json shows every part).") var file: String
        @Option(help: "Emblem PNG for the kop (default: keep the current one).") var emblem: String?
        @Option(help: "Refuse unless the current version is this one (someone else changed it meanwhile).") var expectedVersion: Int64 = 0

        mutating func run() async throws {
            let (client, requestID, file, emblem, expected) = (client, request.id, file, emblem, expectedVersion)
            try await runReporting(requestID: requestID) {
                let profile = try await client.call(GatewayAPI.setOfficeProfile, GatewayAPI.SetOfficeProfileRequest(
                    requestID: requestID, profileJSON: try OfficeAdmin.read(file), emblemPNG: try emblem.map(OfficeAdmin.read) ?? Data(),
                    expectedVersion: expected))
                emit(profile, json: client.json, OfficeAdmin.summary)
            }
        }
    }

    struct Emblem: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace only the emblem of the current profile.")
        @OptionGroup var client: ClientOptions
        @OptionGroup var request: RequestOptions
        @Option(help: "Emblem PNG.") var file: String

        mutating func run() async throws {
            let (client, requestID, file) = (client, request.id, file)
            try await runReporting(requestID: requestID) {
                let profile = try await client.call(GatewayAPI.setOfficeProfile, GatewayAPI.SetOfficeProfileRequest(
                    requestID: requestID, emblemPNG: try OfficeAdmin.read(file)))
                emit(profile, json: client.json, OfficeAdmin.summary)
            }
        }
    }
}
