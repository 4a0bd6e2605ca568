import Foundation

/// What this executable is: the release version (a constant bumped per release) and the git
/// commit it was built from. SwiftPM cannot generate a source file at build time without a
/// plugin, and a committed generated file would be stale, so the commit comes from the deploy
/// build step instead: it writes `surat-build-commit` (one line, the output of `git rev-parse
/// HEAD`) next to the executables (`deploy/run-local` and deploy/README.md do). The environment
/// variable `SURAT_BUILD_COMMIT` overrides it; without either the commit is `unknown`.
public enum BuildInfo {
    /// Bumped with every release (deploy/README.md, "Upgrading").
    public static let version = "0.3.0"

    /// The file the deploy build step writes next to the executables.
    public static let commitFileName = "surat-build-commit"

    /// The git commit, or `unknown`.
    public static let commit: String = {
        if let fromEnvironment = ProcessInfo.processInfo.environment["SURAT_BUILD_COMMIT"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let file = executable.deletingLastPathComponent().appendingPathComponent(commitFileName)
        if let text = try? String(contentsOf: file, encoding: .utf8) {
            let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !line.isEmpty, line.count <= 64, line.allSatisfy({ $0.isHexDigit }) { return line }
        }
        return "unknown"
    }()

    /// The `--version` line, e.g. `surat-registry 0.3.0 (commit 80584ee...)`.
    public static func versionLine(executable: String) -> String {
        "\(executable) \(version) (commit \(commit))"
    }

    /// Prints the version line and exits when `--version` is among the arguments (before any
    /// other parsing, so it works with every executable's own argument handling).
    public static func handleVersionFlag(executable: String, arguments: [String] = CommandLine.arguments) {
        guard arguments.dropFirst().contains("--version") else { return }
        print(versionLine(executable: executable))
        exit(0)
    }
}
