import ArgumentParser
import Domain
import Foundation
import RPC

/// Password sign-in from the command line (issue 15): `surat login USER` exchanges the password for a
/// session token printed on stdout (redirect it to a token file); `surat password` changes your own.
/// Passwords come from the terminal without echo, or for scripts from SURAT_PASSWORD_FILE /
/// SURAT_NEW_PASSWORD_FILE, never from a flag.
enum PasswordInput {
    static func read(prompt: String, fileVariable: String) throws -> String {
        if let path = ProcessInfo.processInfo.environment[fileVariable] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8),
                  let line = text.split(whereSeparator: \.isNewline).first else {
                throw CLIError.usage("cannot read a password from \(fileVariable) \(path)")
            }
            return String(line)
        }
        return try Passphrase.readFromTerminal(prompt: prompt)
    }
}

struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign in with your password; prints a session token (e.g. surat login ani.umum > ~/.surat.token).")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Your user id.") var user: String
    @Option(help: "Seconds to wait for the gateway.") var timeout: Int = 30

    mutating func run() async throws {
        let (connection, user, timeout) = (connection, user, timeout)
        try await runReporting {
            let password = try PasswordInput.read(prompt: "Password for \(user): ", fileVariable: "SURAT_PASSWORD_FILE")
            let client = try connection.client()
            defer { Task { await client.close() } }
            let reply = try await client.call(GatewayAPI.signIn,
                                              GatewayAPI.SignInRequest(userID: user, password: password, client: "cli"),
                                              timeout: .seconds(timeout))
            FileHandle.standardError.write(Data("signed in as \(user); session \(reply.tokenID) until \(Output.time(reply.expiresAt))\n".utf8))
            if reply.mustChangePassword {
                FileHandle.standardError.write(Data("your password was set by an admin: change it now with `surat password --token-file FILE`\n".utf8))
            }
            print(reply.token)
        }
    }
}

struct ChangePassword: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "password", abstract: "Change your own password.")
    @OptionGroup var client: ClientOptions

    mutating func run() async throws {
        let client = client
        try await runReporting {
            let current = try PasswordInput.read(prompt: "Current password: ", fileVariable: "SURAT_PASSWORD_FILE")
            let new = try PasswordInput.read(prompt: "New password (at least 10 characters): ", fileVariable: "SURAT_NEW_PASSWORD_FILE")
            _ = try await client.call(GatewayAPI.changePassword,
                                      GatewayAPI.ChangePasswordRequest(currentPassword: current, newPassword: new))
            print("password changed")
        }
    }
}

extension Admin.Users {
    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "password",
            abstract: "Set a user's initial password or reset it (asked without echo, or SURAT_PASSWORD_FILE); they must change it at sign-in.")
        @OptionGroup var client: ClientOptions
        @Argument var id: String

        mutating func run() async throws {
            let (client, id) = (client, id)
            try await runReporting {
                let password = try PasswordInput.read(prompt: "New password for \(id): ", fileVariable: "SURAT_PASSWORD_FILE")
                let user = try await client.call(GatewayAPI.setPassword, GatewayAPI.SetPasswordRequest(userID: id, password: password))
                FileHandle.standardError.write(Data("password set; \(id) must change it at the next sign-in\n".utf8))
                emit(user, json: client.json) { Admin.usersTable([$0]) }
            }
        }
    }
}
