import ArgumentParser
import Foundation
import LetterSeal

#if canImport(Glibc)
import Glibc
#endif

/// `surat-letter seal ...`: the office seal on the registry host (make a local office CA, seal a
/// PDF by hand, verify one, benchmark). The registry seals final PDFs with the same library.
struct Seal: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The office's electronic seal (PAdES) on a PDF: make a local office CA, seal, verify, benchmark.",
        subcommands: [SealInit.self, SealApply.self, SealVerify.self, SealBench.self]
    )
}

/// The PEM files of a seal identity, as the registry config names them.
struct SealIdentityOptions: ParsableArguments {
    @Option(help: "PEM: the seal certificate, then its CA chain (registry config officeSealCertificatePath).")
    var certificate: String?
    @Option(help: "PEM: the seal's private key (officeSealKeyPath).")
    var key: String?
    @Option(help: "PKCS#12 instead of the two PEM files (officeSealPKCS12Path).")
    var pkcs12: String?
    @Option(help: "File with the PKCS#12 passphrase (officeSealPKCS12PassphrasePath).")
    var pkcs12Passphrase: String?

    func load() throws -> OfficeSeal {
        try OfficeSealFiles(certificatePath: certificate, keyPath: key, pkcs12Path: pkcs12, pkcs12PassphrasePath: pkcs12Passphrase).load()
    }
}

struct SealInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Make a local office CA and a seal certificate it issues (for an office without a certificate from a CA).")
    @Option(help: "The office's name in the certificates, e.g. \"Kecamatan Sooko\".")
    var office: String
    @Option(name: .shortAndLong, help: "Folder for office-ca.pem, office-ca.key, office-seal.pem, office-seal.key (made if missing).")
    var output: String
    @Flag(help: "Replace existing files (a new CA: earlier seals then verify only against the old office-ca.pem).")
    var force = false

    func run() throws {
        let folder = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let names = ["office-ca.pem", "office-ca.key", "office-seal.pem", "office-seal.key"]
        if !force, let existing = names.first(where: { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }) {
            throw ValidationError("\(folder.appendingPathComponent(existing).path) exists; --force replaces the office CA")
        }
        let authority = try LocalOfficeCA.create(office: office)
        let contents = [authority.caCertificatePEM, authority.caKeyPEM, authority.sealCertificateChainPEM, authority.sealKeyPEM]
        for (name, text) in zip(names, contents) {
            let path = folder.appendingPathComponent(name).path
            // Keys readable by their owner only, from the first byte on.
            let mode: mode_t = name.hasSuffix(".key") ? 0o600 : 0o644
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
                throw ValidationError("cannot write \(path)")
            }
            chmod(path, mode)
        }
        print("office CA:        \(folder.appendingPathComponent("office-ca.pem").path) (give it to verifiers; keep office-ca.key offline)")
        print("seal certificate: \(folder.appendingPathComponent("office-seal.pem").path)")
        print("seal key:         \(folder.appendingPathComponent("office-seal.key").path)")
    }
}

struct SealApply: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apply", abstract: "Seal a PDF (an incremental update with a PAdES signature).")
    @OptionGroup var identity: SealIdentityOptions
    @Option(help: "Signing time, ISO 8601 (the registration time; default now).")
    var time: String?
    @Argument(help: "The PDF to seal (the renderer's output).")
    var input: String
    @Option(name: .shortAndLong, help: "The sealed PDF.")
    var output: String

    func run() throws {
        let seal = try identity.load()
        var signingTime = Date()
        if let time {
            guard let parsed = ISO8601DateFormatter().date(from: time) else { throw ValidationError("--time: not ISO 8601: \(time)") }
            signingTime = parsed
        }
        let sealed = try seal.seal(Data(contentsOf: URL(fileURLWithPath: input)), at: signingTime)
        try sealed.write(to: URL(fileURLWithPath: output))
        print("\(output): sealed by \(seal.subject), \(sealed.count) bytes")
    }
}

struct SealVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Verify a PDF's office seal against the office CA (exit 0 valid, 1 otherwise).")
    @Option(help: "PEM file with the trusted office CA certificate(s).")
    var ca: String
    @Argument(help: "The PDF.")
    var input: String

    func run() throws {
        let verifier = try SealVerifier(trustedRootsPEM: Data(contentsOf: URL(fileURLWithPath: ca)))
        switch verifier.verify(try Data(contentsOf: URL(fileURLWithPath: input))) {
        case .valid(let signer, let time):
            print("valid: sealed by \(signer)\(time.map { " at \(ISO8601DateFormatter().string(from: $0))" } ?? "")")
        case .notPDF:
            print("not valid: not a PDF"); throw ExitCode(1)
        case .notSealed:
            print("not valid: no office seal"); throw ExitCode(1)
        case .invalid(let reason):
            print("not valid: \(reason)"); throw ExitCode(1)
        }
    }
}

struct SealBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Seal a PDF repeatedly and report CPU time per seal (build with -c release).")
    @OptionGroup var identity: SealIdentityOptions
    @Argument(help: "The PDF to seal.")
    var input: String
    @Option(help: "Measured seals after the first one.")
    var iterations: Int = 200

    func run() throws {
        let seal = try identity.load()
        let pdf = try Data(contentsOf: URL(fileURLWithPath: input))
        let time = Date(timeIntervalSince1970: 1_764_316_800)
        var cpu: [Double] = []
        for _ in 0...iterations {
            var start = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &start)
            _ = try seal.seal(pdf, at: time)
            var end = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &end)
            cpu.append(Double(end.tv_sec - start.tv_sec) * 1000 + Double(end.tv_nsec - start.tv_nsec) / 1e6)
        }
        cpu.removeFirst()
        cpu.sort()
        let mean = cpu.reduce(0, +) / Double(cpu.count)
        func ms(_ value: Double) -> String { String(Double(Int((value * 100).rounded())) / 100) }
        print("\(pdf.count)-byte PDF, \(iterations) seals: cpu mean \(ms(mean)) ms, median \(ms(cpu[cpu.count / 2])) ms, "
            + "p90 \(ms(cpu[Int(Double(cpu.count) * 0.9)])) ms, max \(ms(cpu.last ?? 0)) ms")
    }
}
