import ArgumentParser
import Domain
import Foundation

/// `surat admin registry …`: bringing a registry restored from an older backup back to a complete book.
struct RegistryAdmin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "The registry's agenda book after a restore: status and reconcile.",
        subcommands: [Reconcile.self, Status.self])

    static func text(_ reply: GatewayAPI.ReconcileRegistryReply, dryRun: Bool) -> String {
        var lines: [String] = []
        if dryRun {
            lines.append("would send \(reply.sent) registration(s) the registry's book lacks (nothing sent: dry run)")
        } else {
            lines.append("sent \(reply.sent) registration(s): \(reply.imported) taken back with their original numbers, \(reply.alreadyPresent) already in the book")
        }
        lines += reply.problems.map { "NOT TAKEN: \($0)" }
        if !reply.missing.isEmpty {
            let shown = reply.missing.prefix(50).joined(separator: ", ") + (reply.missing.count > 50 ? " …" : "")
            lines.append("still missing from the book (not held by this gateway): agenda \(shown)")
        }
        lines.append(reply.reconcileRequired
            ? "numbering: STOPPED until the book is complete: \(reply.detail)"
            : "numbering: on (\(reply.detail))")
        return lines.joined(separator: "\n")
    }

    struct Reconcile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give the registry every registration this gateway holds that its book lacks (after a restore).",
            discussion: """
                A registry restored from an older backup refuses to number ("restored registry: reconcile \
                first") once the gateway shows it holds later registrations. This sends the registry those \
                registrations (sealed receipt, content, signature); it checks each seal with its own key, \
                takes them back with their original numbers, and resumes numbering when its book has no gap. \
                Safe to run again. Exit status 3 when numbering is still stopped.
                """)
        @OptionGroup var client: ClientOptions
        @OptionGroup var request: RequestOptions
        @Flag(help: "Only report what would be sent.") var dryRun = false

        mutating func run() async throws {
            let (client, requestID, dryRun) = (client, request.id, dryRun)
            try await runReporting(requestID: requestID) {
                let reply = try await client.call(GatewayAPI.reconcileRegistry,
                                                  GatewayAPI.ReconcileRegistryRequest(requestID: requestID, dryRun: dryRun))
                emit(reply, json: client.json) { RegistryAdmin.text($0, dryRun: dryRun) }
                if reply.reconcileRequired && !dryRun { throw ExitCode(3) }
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Whether the registry numbers, and how many held registrations its book lacks (a dry-run reconcile).")
        @OptionGroup var client: ClientOptions

        mutating func run() async throws {
            let client = client
            try await runReporting {
                let reply = try await client.call(GatewayAPI.reconcileRegistry,
                                                  GatewayAPI.ReconcileRegistryRequest(requestID: UUID().uuidString.lowercased(), dryRun: true))
                emit(reply, json: client.json) { RegistryAdmin.text($0, dryRun: true) }
            }
        }
    }
}
