import Foundation

/// The real `surat-registry` executable, started on a free port with its own data directory.
/// `@unchecked`: `port` is written once, in `init`, before the object is shared.
final class RegistryProcess: @unchecked Sendable {
    let process = Process()
    let logURL: URL
    private(set) var port = 0

    /// The built executable next to the test bundle (SwiftPM builds every product before testing),
    /// or in $SURAT_BUILD_DIR.
    static var executable: URL? {
        var candidates: [URL] = []
        if let dir = ProcessInfo.processInfo.environment["SURAT_BUILD_DIR"] { candidates.append(URL(fileURLWithPath: dir)) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug"))
        return candidates.map { $0.appendingPathComponent("surat-registry") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    init(executable: URL, arguments: [String], logURL: URL) throws {
        self.logURL = logURL
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        try process.run()
        port = try waitForPort()
    }

    private func waitForPort() throws -> Int {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on ") {
                let tail = text[range.upperBound...].prefix { !$0.isWhitespace }
                if let colon = tail.lastIndex(of: ":"), let port = Int(tail[tail.index(after: colon)...]) { return port }
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.terminate()
        throw RegistryProcessError(log: (try? String(contentsOf: logURL, encoding: .utf8)) ?? "")
    }

    /// SIGKILL: no shutdown code runs.
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func terminate() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

struct RegistryProcessError: Error, CustomStringConvertible {
    var log: String
    var description: String { "surat-registry did not start:\n\(log)" }
}
