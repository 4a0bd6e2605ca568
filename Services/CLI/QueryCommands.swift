import ArgumentParser
import Domain
import Foundation
import RPC

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A letter's journey: every step with actor, times, duration against the SOP standard.",
        aliases: ["journey"])
    @OptionGroup var client: ClientOptions
    @Argument(help: "Letter id.") var letter: String

    mutating func run() async throws {
        let (client, letter) = (client, letter)
        try await runReporting {
            let reply = try await client.call(GatewayAPI.getJourney, GatewayAPI.GetJourneyRequest(letterID: letter))
            emit(reply, json: client.json) { Output.journey($0.journey ?? GatewayAPI.Journey()) }
        }
    }
}

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Letters, newest first.")
    @OptionGroup var client: ClientOptions
    @Option(help: "Only this state: opened, drafting, in_review, approved, awaiting_signature, signed, completed.")
    var state: String?
    @Option(help: "At most this many (1-500).") var limit: Int32 = 50

    mutating func run() async throws {
        let (client, state, limit) = (client, state, limit)
        try await runReporting {
            var request = GatewayAPI.ListLettersRequest(limit: limit)
            if let state {
                guard let found = GatewayAPI.JourneyState.allCases.first(where: { Output.state($0) == state }) else {
                    throw CLIError.usage("--state \(state) is not a journey state")
                }
                request.state = found
            }
            let reply = try await client.call(GatewayAPI.listLetters, request)
            emit(reply, json: client.json) { reply in
                Output.table(["letter", "state", "step", "number", "perihal", "opened"], reply.letters.map {
                    [$0.letterID, Output.state($0.state), $0.currentStep == 0 ? "-" : "\($0.currentStep)",
                     $0.letterNumber.isEmpty ? "-" : $0.letterNumber, $0.subject, Output.time($0.openedAt)]
                })
            }
        }
    }
}

struct Queue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "What awaits a role, oldest first; overdue items marked.")
    @OptionGroup var client: ClientOptions
    @Option(help: "Role (default: yours): staf_umum, drafter, sekretaris, camat.") var role: String?
    @Flag(help: "Only items assigned to you (and unassigned ones).") var mine = false

    mutating func run() async throws {
        let (client, role, mine) = (client, role, mine)
        try await runReporting {
            let reply = try await client.call(GatewayAPI.getWorkQueue, GatewayAPI.WorkQueueRequest(role: role ?? "", mineOnly: mine))
            emit(reply, json: client.json) { reply in
                "queue of \(reply.role): \(reply.items.count) letter(s)\n" + Output.table(
                    ["letter", "step", "waiting since", "age", "standard", "", "perihal"], reply.items.map {
                        [$0.letterID, "\($0.step) \($0.stepTitle)", Output.time($0.waitingSince), Output.duration($0.ageSeconds),
                         "\($0.standardSeconds / 60)m", $0.overdue ? "OVERDUE" : "", $0.subject]
                    })
            }
        }
    }
}

struct SLA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sla", abstract: "Service-level reports.", subcommands: [Report.self], defaultSubcommand: Report.self)

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per SOP step over a period: count, median, p90, late count against the standard.")
        @OptionGroup var client: ClientOptions
        @Option(help: "Start date YYYY-MM-DD (WIB; default 30 days ago).") var from: String?
        @Option(help: "End date YYYY-MM-DD, exclusive (WIB; default now).") var to: String?

        static func date(_ text: String?) throws -> Date? {
            guard let text else { return nil }
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyy-MM-dd"
            formatter.timeZone = TimeZone(identifier: "Asia/Jakarta")
            guard let date = formatter.date(from: text) else { throw CLIError.usage("dates are YYYY-MM-DD, got \(text)") }
            return date
        }

        mutating func run() async throws {
            let (client, from, to) = (client, from, to)
            try await runReporting {
                let reply = try await client.call(GatewayAPI.getSLAReport,
                                                  GatewayAPI.SLAReportRequest(from: try Self.date(from), to: try Self.date(to)))
                emit(reply, json: client.json) { reply in
                    "SLA \(Output.time(reply.from)) .. \(Output.time(reply.to))\n" + Output.table(
                        ["step", "activity", "count", "median", "p90", "standard", "late"], reply.steps.map {
                            ["\($0.step)", $0.title, "\($0.count)", Output.duration($0.medianSeconds), Output.duration($0.p90Seconds),
                             "\($0.standardSeconds / 60)m", "\($0.lateCount)"]
                        })
                }
            }
        }
    }
}

struct Agenda: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The agenda book (Buku Agenda Surat Keluar).",
                                                    subcommands: [Export.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export a year as CSV or printable HTML.")
        @OptionGroup var client: ClientOptions
        @Option(help: "Year (default: this year).") var year: Int32 = Int32(Calendar(identifier: .gregorian).component(.year, from: Date()))
        @Option(help: "csv or html.") var format: String = "csv"
        @Option(name: .shortAndLong, help: "Write to this file (default: stdout).") var output: String?

        mutating func run() async throws {
            let (client, year, format, output) = (client, year, format, output)
            try await runReporting {
                let reply = try await client.call(GatewayAPI.exportAgenda, GatewayAPI.ExportAgendaRequest(year: year, format: format))
                if let output {
                    guard FileManager.default.createFile(atPath: output, contents: reply.content) else {
                        throw CLIError.usage("cannot write \(output)")
                    }
                    FileHandle.standardError.write(Data("wrote \(reply.content.count) bytes (\(reply.mediaType)) to \(output)\n".utf8))
                } else {
                    FileHandle.standardOutput.write(reply.content)
                }
            }
        }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Verify a letter number (registry receipt) or a letter's signature.",
                                                    subcommands: [Number.self, Signature.self])

    static func text(_ reply: GatewayAPI.VerifyReply) -> String {
        var lines = ["valid     \(reply.valid ? "YES" : "NO")  \(reply.detail)"]
        if !reply.letterID.isEmpty { lines.append("letter    \(reply.letterID)") }
        if reply.signature != nil { lines.append(signatureText(reply.signature)) }
        if reply.registration != nil { lines.append(registrationText(reply.registration)) }
        return lines.joined(separator: "\n")
    }

    struct Number: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check that a number was registered for a signed letter.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Letter number, e.g. 065/1/416-313/2026.") var number: String

        mutating func run() async throws {
            let (client, number) = (client, number)
            try await runReporting {
                let reply = try await client.call(GatewayAPI.verifyNumber, GatewayAPI.VerifyNumberRequest(letterNumber: number))
                emit(reply, json: client.json, Verify.text)
                if !reply.valid { throw ExitCode(9) }
            }
        }
    }

    struct Signature: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify the signature recorded for a letter.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Letter id.") var letter: String

        mutating func run() async throws {
            let (client, letter) = (client, letter)
            try await runReporting {
                let reply = try await client.call(GatewayAPI.verifySignature, GatewayAPI.VerifySignatureRequest(letterID: letter))
                emit(reply, json: client.json, Verify.text)
                if !reply.valid { throw ExitCode(9) }
            }
        }
    }
}

struct DeliveryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delivery", abstract: "Delivery state per addressee.")
    @OptionGroup var client: ClientOptions
    @Argument(help: "Letter id.") var letter: String

    mutating func run() async throws {
        let (client, letter) = (client, letter)
        try await runReporting {
            let reply = try await client.call(GatewayAPI.getDelivery, GatewayAPI.GetDeliveryRequest(letterID: letter))
            emit(reply, json: client.json) { "number    \($0.letterNumber)\n" + deliveriesText($0.deliveries) }
        }
    }
}

struct WhoAmI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Who your token belongs to and your roles now.")
    @OptionGroup var client: ClientOptions

    mutating func run() async throws {
        let client = client
        try await runReporting {
            let reply = try await client.call(GatewayAPI.whoAmI, GatewayAPI.WhoAmIRequest())
            emit(reply, json: client.json) { reply in
                var lines = ["user      \(reply.user?.name ?? "") (\(reply.user?.id ?? ""))",
                             "roles     \(reply.roles.joined(separator: ", "))", "token     \(reply.tokenID)"]
                for grant in reply.acting {
                    lines.append("acting    \(grant.role) for \(grant.actingFor) until \(Output.time(grant.validUntil))")
                }
                return lines.joined(separator: "\n")
            }
        }
    }
}

struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "gRPC health check of a service (no token needed); exit 0 when SERVING.",
        discussion: """
            Takes the same connection and TLS options as every other command (--address, --ca-file, \
            --cert-file/--key-file for a backend that requires client certificates, SURAT_ADDRESS, \
            SURAT_CA_FILE, ...). Exit 7 when the service is down or not serving, 10 when TLS is set up wrongly.
            """)
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Service name, e.g. surat.gateway.v1.Gateway (empty = the server as a whole).") var service: String = ""
    @Option(help: "Seconds to wait for the answer.") var timeout: Int = 3

    struct CheckRequest: Codable, Sendable {
        var service = ""
        enum CodingKeys: Int, CodingKey { case service = 1 }
    }

    struct CheckResponse: Codable, Sendable {
        var status: Int32 = 0
        enum CodingKeys: Int, CodingKey { case status = 1 }
    }

    mutating func run() async throws {
        let client: RPCClient
        do {
            client = try connection.client()
        } catch let error as CLIError {
            FileHandle.standardError.write(Data((error.message + "\n").utf8))
            throw ExitCode(error.exitCode)
        }
        let method = RPCMethod<CheckRequest, CheckResponse>(service: "grpc.health.v1.Health", name: "Check")
        do {
            let reply = try await client.call(method, CheckRequest(service: service), timeout: .seconds(timeout))
            await client.close()
            print(reply.status == 1 ? "SERVING" : "NOT_SERVING (\(reply.status))")
            if reply.status != 1 { throw ExitCode(7) }
        } catch let error as RPCError {
            await client.close()
            print("UNREACHABLE: \(error.message)")
            if let failure = CLIError.connectionFailure(error) {
                FileHandle.standardError.write(Data("hint: \(CLIError.hint(for: failure.kind))\n".utf8))
                throw ExitCode(10)
            }
            throw ExitCode(7)
        }
    }
}
