import ArgumentParser
import Observability

/// `surat`: the command line for staff and district IT. One command per SOP action and query.
@main
struct Surat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surat",
        abstract: "Surat Keluar: outgoing letters through the six SOP steps.",
        discussion: """
            Connection: --address or SURAT_ADDRESS (default 127.0.0.1:7400); TLS: --ca-file or SURAT_CA_FILE \
            (the office CA), plus --cert-file/--key-file (SURAT_CERT_FILE, SURAT_KEY_FILE) where mutual TLS is \
            required; token: --token-file, SURAT_TOKEN_FILE or SURAT_TOKEN; or a config file \
            (~/.config/surat/config.json, {"address": "...", "tokenFile": "...", "caFile": "..."}).

            Exit codes: 0 ok, 1 other, 3 wrong step/state or conflict, 4 not found, 5 permission denied, \
            6 not authenticated, 7 service unavailable (retry with the printed --request-id), \
            8 too many attempts, 9 verification failed, 10 TLS set up wrongly (the message says what), \
            64 usage, 65 invalid argument.
            """,
        version: BuildInfo.versionLine(executable: "surat"),
        subcommands: [
            Open.self, Assign.self, DraftCommand.self, ParafCommand.self, Approve.self, Return.self, Upload.self,
            Sign.self, Register.self, Withdraw.self, Reassign.self, SignerCommand.self, CancelNumber.self, Status.self, List.self, Queue.self, SLA.self, Agenda.self, Verify.self, Keys.self,
            DeliveryCommand.self, LetterCommand.self, WhoAmI.self, Login.self, ChangePassword.self, Admin.self, Health.self,
            Doctor.self,
        ])
}

