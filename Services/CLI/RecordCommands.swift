import ArgumentParser
import Domain
import Foundation

/// `surat keys`: what an offline verifier keeps (proto-notes/gateway.md, "Offline verification").
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The published keys: signers, their public keys with validity, Plh/Plt delegations, the registry's receipt key.",
        discussion: "--json prints everything (public keys in base64) for an offline verifier to keep.")
    @OptionGroup var client: ClientOptions

    static func millis(_ value: Int64) -> String {
        value == 0 ? "-" : Output.time(Date(timeIntervalSince1970: Double(value) / 1000))
    }

    static func text(_ reply: GatewayAPI.PublishedKeysReply) -> String {
        let names = Dictionary(reply.signers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var out = Output.table(["signer", "name", "position", "role"], reply.signers.map { [$0.id, $0.name, $0.position, $0.role] })
        out += "\n\n" + Output.table(["key", "signer", "valid from", "valid until", "revoked", "public key (hex)"], reply.keys.map {
            [$0.keyId, $0.signerId, millis($0.validFromUnixMillis), millis($0.validUntilUnixMillis),
             millis($0.revokedAtUnixMillis), LetterContent.hex($0.publicKey)]
        })
        if !reply.delegations.isEmpty {
            out += "\n\n" + Output.table(["delegation", "kind", "from", "to", "valid from", "valid until", "revoked"], reply.delegations.map {
                [$0.delegationId, $0.kind.label, names[$0.fromSignerId]?.name ?? $0.fromSignerId, names[$0.toSignerId]?.name ?? $0.toSignerId,
                 millis($0.validFromUnixMillis), millis($0.validUntilUnixMillis), millis($0.revokedAtUnixMillis)]
            })
        }
        if let registry = reply.registryKey {
            out += "\n\nregistry  \(registry.officeName) (\(registry.officeID))  key \(registry.keyID)  \(LetterContent.hex(registry.publicKey))"
        }
        return out
    }

    mutating func run() async throws {
        let client = client
        try await runReporting {
            let reply = try await client.call(GatewayAPI.getPublishedKeys, GatewayAPI.GetPublishedKeysRequest())
            emit(reply, json: client.json, Keys.text)
        }
    }
}

/// `surat cancel-number`: pembatalan nomor by the Camat (or a Plh/Plt acting as Camat).
struct CancelNumber: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel-number",
        abstract: "Cancel a registered letter's number (camat or its Plh/Plt), with a reason for the agenda book.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var request: RequestOptions
    @Argument(help: "Letter number, e.g. 005/12/416-313/2026.") var number: String
    @Option(help: "Why the number is cancelled (required; printed in the agenda book and on the verification page).")
    var reason: String

    mutating func run() async throws {
        let (client, requestID, number, reason) = (client, request.id, number, reason)
        try await runReporting(requestID: requestID) {
            let reply = try await client.call(GatewayAPI.cancelNumber,
                                              GatewayAPI.CancelNumberRequest(requestID: requestID, letterNumber: number, reason: reason))
            emit(reply, json: client.json) { reply in
                ["number    \(reply.letterNumber)  DIBATALKAN",
                 "letter    \(reply.letterID)",
                 "cancelled \(Output.time(reply.cancelledAt)) by \(reply.cancelledBy)",
                 "reason    \(reply.reason)"].joined(separator: "\n")
            }
        }
    }
}

extension Output {
    /// A delivery state as the CLI prints it: the `.proto` value name without its prefix, lowercase.
    static func delivery(_ state: GatewayAPI.DeliveryState) -> String {
        switch state {
        case .unspecified: "unspecified"
        case .pending: "pending"
        case .delivered: "delivered"
        case .failed: "failed"
        case .manual: "manual"
        case .deliveredManually: "delivered_manually"
        case .withdrawn: "withdrawn"
        }
    }
}
