import ArgumentParser
import Domain
import Foundation

// Withdrawal and reassignment of letters, and the admin audit log (issue 11, items 1, 7, 8).

struct Withdraw: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Withdraw a letter before registration, with a reason (the letter's clerk, or admin).",
        discussion: "The letter stops for good: it leaves every work queue and every later step is refused.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var request: RequestOptions
    @Argument(help: "Letter id.") var letter: String
    @Option(help: "Why the letter is withdrawn (required, recorded in its journey).") var reason: String

    mutating func run() async throws {
        let (client, requestID, letter, reason) = (client, request.id, letter, reason)
        try await runReporting(requestID: requestID) {
            let reply = try await client.call(GatewayAPI.withdrawLetter, GatewayAPI.WithdrawLetterRequest(
                requestID: requestID, letterID: letter, reason: reason))
            emit(reply, json: client.json) { Output.journey($0.journey ?? GatewayAPI.Journey()) }
        }
    }
}

struct Reassign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Give a letter's clerk or drafter to another user, with a reason (the letter's clerk, or admin).",
        discussion: "Steps 2, 4 and 6 are done only by the person the letter is assigned to.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var request: RequestOptions
    @Argument(help: "Letter id.") var letter: String
    @Option(help: "Which assignment: clerk (staf_umum, steps 4 and 6) or drafter (step 2).") var role: String
    @Option(help: "The user who takes the letter over.") var to: String
    @Option(help: "Why (required, recorded in the journey).") var reason: String

    mutating func run() async throws {
        let (client, requestID, letter, to, reason) = (client, request.id, letter, to, reason)
        let role = role == "clerk" ? "staf_umum" : role
        try await runReporting(requestID: requestID) {
            let reply = try await client.call(GatewayAPI.reassignLetter, GatewayAPI.ReassignLetterRequest(
                requestID: requestID, letterID: letter, role: role, toUserID: to, reason: reason))
            emit(reply, json: client.json) { Output.journey($0.journey ?? GatewayAPI.Journey()) }
        }
    }
}

struct AuditLog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The append-only log of administrative actions (admin or auditor).")
    @OptionGroup var client: ClientOptions
    @Option(help: "Entries after this sequence number.") var after: Int64 = 0
    @Option(help: "At most this many entries (1-500).") var limit: Int32 = 100
    @Option(help: "Only this user's actions.") var actor: String = ""
    @Option(help: "Only this action, e.g. IssueToken.") var action: String = ""

    mutating func run() async throws {
        let (client, after, limit, actor, action) = (client, after, limit, actor, action)
        try await runReporting {
            let reply = try await client.call(GatewayAPI.listAuditLog, GatewayAPI.ListAuditLogRequest(
                afterSequence: after, limit: limit, actorID: actor, action: action))
            emit(reply, json: client.json) { reply in
                Output.table(["seq", "at", "actor", "action", "target", "detail"], reply.entries.map {
                    ["\($0.sequence)", Output.time($0.at), Output.actor($0.actor), $0.action, $0.target,
                     $0.detail.isEmpty ? "-" : $0.detail]
                })
            }
        }
    }
}

struct SignerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signer", abstract: "Your own signing key (signers: the Camat, a Plh/Plt).", subcommands: [Activate.self])

    struct Activate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the signing key an admin registered you for, sealed under your own passphrase (asked without echo, or SURAT_PASSPHRASE_FILE).")
        @OptionGroup var client: ClientOptions
        @OptionGroup var request: RequestOptions

        mutating func run() async throws {
            let (client, requestID) = (client, request.id)
            try await runReporting(requestID: requestID) {
                let passphrase = try Passphrase.read(prompt: "New signing passphrase: ")
                let info = try await client.call(GatewayAPI.activateSigningKey, GatewayAPI.ActivateSigningKeyRequest(
                    requestID: requestID, passphrase: passphrase))
                emit(info, json: client.json) { Admin.Signers.table([$0]) }
            }
        }
    }
}
