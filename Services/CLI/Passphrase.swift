import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads the signer's passphrase: from SURAT_PASSPHRASE_FILE for scripts, else from the terminal with echo
/// turned off (never from a flag, which would land in shell history and the process list).
enum Passphrase {
    static func read(prompt: String) throws -> String {
        if let path = ProcessInfo.processInfo.environment["SURAT_PASSPHRASE_FILE"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8),
                  let line = text.split(whereSeparator: \.isNewline).first else {
                throw CLIError.usage("cannot read a passphrase from SURAT_PASSPHRASE_FILE \(path)")
            }
            return String(line)
        }
        return try readFromTerminal(prompt: prompt)
    }

    /// Reads one line from the terminal with echo off (also used for sign-in passwords).
    static func readFromTerminal(prompt: String) throws -> String {
        FileHandle.standardError.write(Data(prompt.utf8))
        var saved = termios()
        let isTerminal = tcgetattr(STDIN_FILENO, &saved) == 0
        if isTerminal {
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        }
        defer {
            if isTerminal {
                _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
                FileHandle.standardError.write(Data("\n".utf8))
            }
        }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw CLIError.usage("nothing entered")
        }
        return line
    }
}
