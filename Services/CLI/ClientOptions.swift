import ArgumentParser
import Domain
import Foundation
import RPC

/// Where the gateway is and who calls it: flags, then env (`SURAT_ADDRESS`, `SURAT_TOKEN`, `SURAT_TOKEN_FILE`),
/// then the config file (`--config`, `SURAT_CONFIG`, default `~/.config/surat/config.json`:
/// `{"address": "127.0.0.1:7400", "tokenFile": "/home/ani/.config/surat/token"}`), then 127.0.0.1:7400.
struct ClientOptions: ParsableArguments {
    @Option(name: .long, help: "Gateway host:port (env SURAT_ADDRESS; default 127.0.0.1:7400).")
    var address: String?

    @Option(name: .long, help: "Bearer token (env SURAT_TOKEN). Prefer --token-file: a flag shows in the process list.")
    var token: String?

    @Option(name: .long, help: "File whose first line is the token (env SURAT_TOKEN_FILE).")
    var tokenFile: String?

    @Option(name: .long, help: "Config file (env SURAT_CONFIG; default ~/.config/surat/config.json).")
    var config: String?

    @Option(name: .long, help: "PEM CA bundle to verify the gateway's TLS certificate (env SURAT_CA_FILE); empty = plaintext.")
    var caFile: String?

    @Flag(name: .long, help: "Print JSON instead of tables (for scripts).")
    var json = false

    @Option(name: .long, help: "Seconds to wait for the gateway (default 30).")
    var timeout: Int = 30

    struct FileConfig: Decodable {
        var address: String?
        var token: String?
        var tokenFile: String?
        var caFile: String?
    }

    func fileConfig() throws -> FileConfig {
        let environment = ProcessInfo.processInfo.environment
        let explicit = config ?? environment["SURAT_CONFIG"]
        let path = explicit ?? (NSHomeDirectory() + "/.config/surat/config.json")
        guard let data = FileManager.default.contents(atPath: path) else {
            if explicit != nil { throw CLIError.usage("cannot read config file \(path)") }
            return FileConfig()
        }
        do { return try JSONDecoder().decode(FileConfig.self, from: data) } catch {
            throw CLIError.usage("config file \(path) is not valid: \(error)")
        }
    }

    func resolvedAddress() throws -> (host: String, port: Int) {
        let text = try address ?? ProcessInfo.processInfo.environment["SURAT_ADDRESS"] ?? fileConfig().address ?? "127.0.0.1:7400"
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
            throw CLIError.usage("address must be host:port, got \(text)")
        }
        return (String(text[..<colon]), port)
    }

    func resolvedToken() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let token { return token }
        if let path = tokenFile ?? environment["SURAT_TOKEN_FILE"] { return try Self.readToken(path) }
        if let token = environment["SURAT_TOKEN"] { return token }
        let file = try fileConfig()
        if let token = file.token { return token }
        if let path = file.tokenFile { return try Self.readToken(path) }
        throw CLIError.usage("no token: pass --token-file FILE or set SURAT_TOKEN_FILE (an admin issues tokens with `surat admin token issue USER`)")
    }

    static func readToken(_ path: String) throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let line = text.split(whereSeparator: \.isNewline).first else {
            throw CLIError.usage("cannot read a token from \(path)")
        }
        return line.trimmingCharacters(in: .whitespaces)
    }

    func client() throws -> RPCClient {
        let (host, port) = try resolvedAddress()
        let ca = try caFile ?? ProcessInfo.processInfo.environment["SURAT_CA_FILE"] ?? fileConfig().caFile
        let tls = ca.map { ClientTLSConfiguration(trustRootsPath: $0) }
        return try RPCClient(host: host, port: port, tls: tls)
    }

    /// One authenticated call to the gateway.
    func call<Request, Response>(_ method: RPCMethod<Request, Response>, _ request: Request) async throws -> Response {
        let client = try client()
        defer { Task { await client.close() } }
        var metadata = Metadata()
        metadata.add("authorization", "Bearer \(try resolvedToken())")
        return try await client.call(method, request, metadata: metadata, timeout: .seconds(timeout))
    }
}

/// A mutating command's request id: random by default, or given to retry a command whose answer was lost.
struct RequestOptions: ParsableArguments {
    @Option(name: .long, help: "Request id (default: a new UUID). Repeat a failed command with the same id to retry it safely.")
    var requestID: String?

    lazy var id: String = requestID ?? UUID().uuidString.lowercased()
}
