import ArgumentParser
import Domain
import Foundation
import RPC

/// Where a service is and how to reach it (plaintext or TLS, with or without a client certificate):
/// flags, then env (`SURAT_ADDRESS`, `SURAT_CA_FILE`, `SURAT_CERT_FILE`, `SURAT_KEY_FILE`,
/// `SURAT_SERVER_NAME`), then the config file (`--config`, `SURAT_CONFIG`, default
/// `~/.config/surat/config.json`: `{"address": "surat.kecamatan.example:7400", "caFile": "/etc/surat/tls/ca.crt"}`),
/// then 127.0.0.1:7400 in plaintext. `surat health` uses these alone; every other command adds a token.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "Service host:port (env SURAT_ADDRESS; default 127.0.0.1:7400). With TLS, a name or address in the server's certificate.")
    var address: String?

    @Option(name: .long, help: "Config file (env SURAT_CONFIG; default ~/.config/surat/config.json).")
    var config: String?

    @Option(name: .long, help: "PEM CA bundle to verify the server's TLS certificate (env SURAT_CA_FILE); none = plaintext.")
    var caFile: String?

    @Option(name: .long, help: "PEM client certificate for mutual TLS (env SURAT_CERT_FILE); needs --key-file and --ca-file.")
    var certFile: String?

    @Option(name: .long, help: "PEM private key of --cert-file (env SURAT_KEY_FILE).")
    var keyFile: String?

    @Option(name: .long, help: "Name to expect in the server's certificate when it differs from the --address host (env SURAT_SERVER_NAME).")
    var serverName: String?

    struct FileConfig: Decodable {
        var address: String?
        var token: String?
        var tokenFile: String?
        var caFile: String?
        var certFile: String?
        var keyFile: String?
        var serverName: String?
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
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }   // [::1]:7400
        return (host, port)
    }

    /// TLS settings from flags, env and the config file; nil (plaintext) when no CA file is given.
    func resolvedTLS() throws -> ClientTLSConfiguration? {
        let environment = ProcessInfo.processInfo.environment
        let file = try fileConfig()
        func pick(_ flag: String?, _ variable: String, _ fromFile: String?) -> String? {
            let value = flag ?? environment[variable] ?? fromFile
            return value?.isEmpty == true ? nil : value
        }
        let ca = pick(caFile, "SURAT_CA_FILE", file.caFile)
        let certificate = pick(certFile, "SURAT_CERT_FILE", file.certFile)
        let key = pick(keyFile, "SURAT_KEY_FILE", file.keyFile)
        let name = pick(serverName, "SURAT_SERVER_NAME", file.serverName)
        if (certificate == nil) != (key == nil) {
            throw CLIError.usage("--cert-file and --key-file (SURAT_CERT_FILE, SURAT_KEY_FILE) go together")
        }
        guard let ca else {
            if certificate != nil || name != nil {
                throw CLIError.usage("a client certificate or --server-name needs TLS: give the CA with --ca-file or SURAT_CA_FILE")
            }
            return nil
        }
        for (what, path) in [("CA file", ca), ("client certificate", certificate), ("client key", key)] {
            guard let path else { continue }
            if !FileManager.default.isReadableFile(atPath: path) {
                throw CLIError.usage("cannot read the \(what) \(path) (missing, or not readable by this user)")
            }
        }
        return ClientTLSConfiguration(trustRootsPath: ca, certificateChainPath: certificate, privateKeyPath: key,
                                      serverHostname: name)
    }

    func client() throws -> RPCClient {
        let (host, port) = try resolvedAddress()
        do {
            return try RPCClient(host: host, port: port, tls: resolvedTLS())
        } catch let error as RPCError {
            throw CLIError.usage(error.message)   // unreadable or malformed PEM files
        }
    }
}

/// Where the gateway is and who calls it: the connection options above plus the token (flags, then env
/// `SURAT_TOKEN`, `SURAT_TOKEN_FILE`, then the config file's `token`/`tokenFile`).
struct ClientOptions: ParsableArguments {
    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: "Bearer token (env SURAT_TOKEN). Prefer --token-file: a flag shows in the process list.")
    var token: String?

    @Option(name: .long, help: "File whose first line is the token (env SURAT_TOKEN_FILE).")
    var tokenFile: String?

    @Flag(name: .long, help: "Print JSON instead of tables (for scripts).")
    var json = false

    @Option(name: .long, help: "Seconds to wait for the gateway (default 30).")
    var timeout: Int = 30

    func fileConfig() throws -> ConnectionOptions.FileConfig { try connection.fileConfig() }

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

    func client() throws -> RPCClient { try connection.client() }

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
