import ArgumentParser
import Domain
import Foundation
import RPC

// One command per SOP action.

struct Open: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Step 1: open a letter and assign the Staf Umum who handles it (staf_umum).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var request: RequestOptions
    @Option(help: "Hal / perihal as known now.") var subject: String
    @Option(help: "Archive classification code, e.g. 005 or 000.8.3.3.") var classification: String
    @Option(help: "Unit code used in the letter number, e.g. 416-313.") var unit: String = "416-313"
    @Option(help: "Staf Umum user who handles the letter (default: you).") var clerk: String?
    @Flag(help: "Only open; assign later with `surat assign`.") var noAssign = false

    mutating func run() async throws {
        let requestID = request.id
        let client = client
        let (subject, classification, unit, clerk, noAssign) = (subject, classification, unit, clerk, noAssign)
        try await runReporting(requestID: requestID) {
            var reply = try await client.call(GatewayAPI.openLetter, GatewayAPI.OpenLetterRequest(
                requestID: requestID, subject: subject, classification: classification, unit: unit))
            if !noAssign, let letterID = reply.journey?.letterID {
                reply = try await client.call(GatewayAPI.assignClerk, GatewayAPI.AssignClerkRequest(
                    requestID: requestID + "-assign", letterID: letterID, clerkID: clerk ?? ""))
            }
            emit(reply, json: client.json) { Output.journey($0.journey ?? GatewayAPI.Journey()) }
        }
    }
}

struct Assign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Step 1: assign the Staf Umum (staf_umum).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var request: RequestOptions
    @Argument(help: "Letter id.") var letter: String
    @Option(help: "Staf Umum user (default: you).") var clerk: String?

    mutating func run() async throws {
        let (client, requestID, letter, clerk) = (client, request.id, letter, clerk)
        try await runReporting(requestID: requestID) {
            let reply = try await client.call(GatewayAPI.assignClerk, GatewayAPI.AssignClerkRequest(
                requestID: requestID, letterID: letter, clerkID: clerk ?? ""))
            emit(reply, json: client.json) { Output.journey($0.journey ?? GatewayAPI.Journey()) }
        }
    }
}

struct DraftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "draft", abstract: "Step 2: create, edit and show the draft (drafter).",
        subcommands: [Create.self, Edit.self, Show.self])

    static func text(_ reply: GatewayAPI.DraftReply) -> String {
        var lines = ["letter    \(reply.journey?.letterID ?? "")", "draft     \(reply.draftID)",
                     "revision  \(reply.revision)  digest \(reply.revisionDigest.map { String(format: "%02x", $0) }.joined())"]
        if let content = reply.content {
            lines += ["type      \(content.type.displayName)", "perihal   \(content.subject)",
                      "sifat     \(content.sifat)  urgency \(content.urgency)",
                      "to        \(content.addressees.map(\.name).joined(separator: "; "))",
                      "", content.body]
        }
        return lines.joined(separator: "\n")
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create the draft (revision 1).")
        @OptionGroup var client: ClientOptions
        @OptionGroup var request: RequestOptions
        @Argument(help: "Letter id.") var letter: String
        @OptionGroup var content: ContentOptions

        mutating func run() async throws {
            let (client, requestID, letter, content) = (client, request.id, letter, content)
            try await runReporting(requestID: requestID) {
                let reply = try await client.call(GatewayAPI.createDraft, GatewayAPI.CreateDraftRequest(
                    requestID: requestID, letterID: letter, content: try content.content()))
                emit(reply, json: client.json, DraftCommand.text)
            }
        }
    }

    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a new revision (ABORTED if someone edited since).")
        @OptionGroup var client: ClientOptions
        @OptionGroup var request: RequestOptions
        @Argument(help: "Letter id.") var letter: String
        @Option(help: "The revision you edited (see `surat draft show`).") var baseRevision: Int64
        @OptionGroup var content: ContentOptions

        mutating func run() async throws {
            let (client, requestID, letter, content, base) = (client, request.id, letter, content, baseRevision)
            try await runReporting(requestID: requestID) {
                let reply = try await client.call(GatewayAPI.editDraft, GatewayAPI.EditDraftRequest(
                    requestID: requestID, letterID: letter, baseRevision: base, content: try content.content()))
                emit(reply, json: client.json, DraftCommand.text)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the latest revision.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Letter id.") var letter: String

        mutating func run() async throws {
            let (client, letter) = (client, letter)
            try await runReporting {
                let reply = try await client.call(GatewayAPI.getDraft, GatewayAPI.GetDraftRequest(letterID: letter))
                emit(reply, json: client.json, DraftCommand.text)
            }
        }
    }
}

/// Bytes from hex digits (either case); nil for anything else.
private func hexBytes(_ text: String) -> Data? {
    let digits = Array(text.utf8)
    guard digits.count % 2 == 0 else { return nil }
    var bytes = Data(capacity: digits.count / 2)
    for index in stride(from: 0, to: digits.count, by: 2) {
        guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
        bytes.append(high << 4 | low)
    }
    return bytes
}

private func hexValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
    default: nil
    }
}

struct ParafCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paraf", abstract: "Step 2: the drafter's paraf; sends the draft to the Sekretaris (drafter).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var request: RequestOptions
    @Argument(help: "Letter id.") var letter: String
    @Option(help: "The revision you read (default: the one `surat draft show` shows now).") var revision: Int64 = 0
    @Option(help: "Its SHA-256 in hex, as `surat draft show` printed it (default: the digest of the revision fetched now).")
    var digest: String = ""

    mutating func run() async throws {
        let (client, requestID, letter, revision, digest) = (client, request.id, letter, revision, digest)
        try await runReporting(requestID: requestID) {
            // The API takes the revision and its digest; the CLI reads them from the draft the
            // drafter is looking at, unless given, and a stale pair is refused (ABORTED).
            var chosenRevision = revision
            var chosenDigest = Data()
            if !digest.isEmpty {
                guard let bytes = hexBytes(digest), bytes.count == 32 else {
                    throw ValidationError("--digest must be 64 hex digits (a SHA-256)")
                }
                chosenDigest = bytes
            }
            if chosenRevision == 0 || chosenDigest.isEmpty {
                let draft = try await client.call(GatewayAPI.getDraft, GatewayAPI.GetDraftRequest(letterID: letter))
                if chosenRevision == 0 { chosenRevision = draft.revision }
                if chosenDigest.isEmpty {
                    guard chosenRevision == draft.revision else {
                        throw ValidationError("give --digest for revision \(chosenRevision) (the draft is at \(draft.revision))")
                    }
                    chosenDigest = draft.revisionDigest
                }
            }
            let reply = try await client.call(GatewayAPI.paraf, GatewayAPI.ParafRequest(
                requestID: requestID, letterID: letter, revision: chosenRevision, revisionDigest: chosenDigest))
            emit(reply, json: client.json) { Output.journey($0.journey ?? GatewayAPI.Journey()) }
        }
    }
}

struct Approve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Step 3: the Sekretaris' paraf (sekretaris).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var request: RequestOptions
    @Argument(help: "Letter id.") var letter: String

    mutating func run() async throws {
        let (client, requestID, letter) = (client, request.id, letter)
        try await runReporting(requestID: requestID) {
            let reply = try await client.call(GatewayAPI.approve, GatewayAPI.ApproveRequest(requestID: requestID, letterID: letter))
            emit(reply, json: client.json) { Output.journey($0.journey ?? GatewayAPI.Journey()) }
        }
    }
}

struct Return: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "return", abstract: "Step 3: return the draft to the drafter with notes (sekretaris).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var request: RequestOptions
    @Argument(help: "Letter id.") var letter: String
    @Option(help: "What the drafter must change (required).") var notes: String

    mutating func run() async throws {
        let (client, requestID, letter, notes) = (client, request.id, letter, notes)
        try await runReporting(requestID: requestID) {
            let reply = try await client.call(GatewayAPI.returnDraft, GatewayAPI.ReturnDraftRequest(
                requestID: requestID, letterID: letter, notes: notes))
            emit(reply, json: client.json) { Output.journey($0.journey ?? GatewayAPI.Journey()) }
        }
    }
}

struct Upload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Step 4: upload the approved letter for e-signature (staf_umum).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var request: RequestOptions
    @Argument(help: "Letter id.") var letter: String

    mutating func run() async throws {
        let (client, requestID, letter) = (client, request.id, letter)
        try await runReporting(requestID: requestID) {
            let reply = try await client.call(GatewayAPI.uploadForSignature, GatewayAPI.UploadForSignatureRequest(
                requestID: requestID, letterID: letter))
            emit(reply, json: client.json) { Output.journey($0.journey ?? GatewayAPI.Journey()) }
        }
    }
}

func signatureText(_ info: GatewayAPI.SignatureInfo?) -> String {
    guard let info else { return "signature -" }
    return [
        "signature \(info.signatureID)  by \(info.signerName) (\(info.signerID))"
            + (info.onBehalfOf.isEmpty ? "" : " a.n. \(info.onBehalfOf)"),
        "          key \(info.keyID) \(info.algorithm) at \(Output.time(info.signedAt))",
        "          verified: \(info.verified ? "YES" : "NO") \(info.verificationDetail)",
    ].joined(separator: "\n")
}

struct Sign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Step 5: sign electronically (camat or its Plh/Plt); asks for the passphrase once, without echo.",
        discussion: """
            One letter: `surat sign LETTER`. Several with one passphrase entry (one key unlock): \
            `surat sign L1 L2 L3`, or `surat sign --all-waiting` for every letter waiting for the \
            Camat's signature (`surat queue --role camat`). Each letter gets its own result; one \
            that cannot be signed does not stop the others (exit code 3 then). Repeat with the same \
            --request-id to retry: letters already signed return their signature, nothing is signed twice.
            """)
    @OptionGroup var client: ClientOptions
    @OptionGroup var request: RequestOptions
    @Argument(help: "Letter id(s).") var letters: [String] = []
    @Flag(help: "Sign every letter waiting for the Camat's signature.") var allWaiting = false

    func validate() throws {
        if letters.isEmpty && !allWaiting { throw ValidationError("give one or more letter ids, or --all-waiting") }
        if !letters.isEmpty && allWaiting { throw ValidationError("give letter ids or --all-waiting, not both") }
    }

    mutating func run() async throws {
        let (client, requestID, letters, allWaiting) = (client, request.id, letters, allWaiting)
        try await runReporting(requestID: requestID) {
            if letters.count == 1 && !allWaiting {
                let passphrase = try Passphrase.read(prompt: "Passphrase for your signing key: ")
                let reply = try await client.call(GatewayAPI.sign, GatewayAPI.SignRequest(
                    requestID: requestID, letterID: letters[0], passphrase: passphrase))
                emit(reply, json: client.json) { reply in
                    Output.journey(reply.journey ?? GatewayAPI.Journey()) + "\n" + signatureText(reply.signature)
                }
                return
            }
            var ids = letters
            if allWaiting {
                ids = try await client.call(GatewayAPI.getWorkQueue, GatewayAPI.WorkQueueRequest(role: "camat")).items.map(\.letterID)
                if ids.isEmpty {
                    emit(GatewayAPI.BulkSignReply(), json: client.json) { _ in "no letter is waiting for a signature" }
                    return
                }
            }
            let passphrase = try Passphrase.read(prompt: "Passphrase for your signing key (\(ids.count) letters): ")
            // The gateway takes at most 100 letters per call; each chunk has its own request id,
            // derived from the command's, so a repeated command retries every chunk safely.
            var reply = GatewayAPI.BulkSignReply()
            let chunkSize = 100
            for start in stride(from: 0, to: ids.count, by: chunkSize) {
                let chunk = Array(ids[start..<min(start + chunkSize, ids.count)])
                let chunkID = start == 0 ? requestID : "\(requestID)-\(start / chunkSize)"
                reply.results += try await client.call(GatewayAPI.bulkSign, GatewayAPI.BulkSignRequest(
                    requestID: chunkID, letterIDs: chunk, passphrase: passphrase)).results
            }
            emit(reply, json: client.json) { reply in
                let signed = reply.results.filter { $0.code == 0 }.count
                return "\(signed) of \(reply.results.count) letter(s) signed\n" + Output.table(
                    ["letter", "result", "signature / reason"], reply.results.map { result in
                        result.code == 0
                            ? [result.letterID, "signed", "\(result.signature?.signatureID ?? "-") verified: \(result.signature?.verified == true ? "YES" : "NO")"]
                            : [result.letterID, "\(RPCError.Code(rawValue: Int(result.code)))", result.message]
                    })
            }
            let unsigned = reply.results.filter { $0.code != 0 }.count
            if unsigned > 0 {
                // Exit 3 like any refused step; the same request id retries only what is left.
                FileHandle.standardError.write(Data("\(unsigned) letter(s) not signed (see above); after fixing, retry with --request-id \(requestID)\n".utf8))
                throw ExitCode(3)
            }
        }
    }
}

func registrationText(_ registration: GatewayAPI.Registration?) -> String {
    guard let registration else { return "number -" }
    return [
        "number    \(registration.letterNumber)  (sequence \(registration.sequence), registered \(Output.time(registration.registeredAt)))",
        "receipt   \(registration.receipt.count) bytes, verified: \(registration.receiptVerified ? "YES" : "NO") \(registration.receiptDetail)",
    ].joined(separator: "\n")
}

func deliveriesText(_ deliveries: [GatewayAPI.Delivery]) -> String {
    Output.table(["addressee", "state", "attempts", "last error"],
                 deliveries.map { [$0.addressee, Output.delivery($0.state), "\($0.attempts)", $0.lastError.isEmpty ? "-" : $0.lastError] })
}

struct Register: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Step 6: number, register in the agenda book and distribute (staf_umum).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var request: RequestOptions
    @Argument(help: "Letter id.") var letter: String

    mutating func run() async throws {
        let (client, requestID, letter) = (client, request.id, letter)
        try await runReporting(requestID: requestID) {
            let reply = try await client.call(GatewayAPI.register, GatewayAPI.RegisterRequest(requestID: requestID, letterID: letter))
            emit(reply, json: client.json) { reply in
                [Output.journey(reply.journey ?? GatewayAPI.Journey()), registrationText(reply.registration),
                 deliveriesText(reply.deliveries)].joined(separator: "\n")
            }
        }
    }
}
