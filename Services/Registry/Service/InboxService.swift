import Crypto
import Domain
import Foundation
import Logging
import RegistryCore
import RPC
import ServiceKit
import Wire

/// The `surat.inbox.v1.Inbox` handlers: letters other offices deliver to this one.
package final class InboxService: Sendable {
    let store: RegistryStore
    /// Office id → the raw Ed25519 public key of that office's registry.
    let trustedOffices: [String: [UInt8]]
    let logger: Logger

    package init(store: RegistryStore, trustedOffices: [String: [UInt8]], logger: Logger) {
        self.store = store
        self.trustedOffices = trustedOffices
        self.logger = logger
    }

    package var descriptor: ServiceDescriptor {
        var service = ServiceDescriptor(name: InboxAPI.serviceName)
        service.unary(InboxAPI.deliverLetter) { [self] request, context in try await deliver(request, context) }
        service.unary(InboxAPI.listIncoming) { [self] request, _ in
            let limit = request.limit == 0 ? 100 : Int(request.limit)
            guard (1...1000).contains(limit) else { throw RegistryError.invalidArgument("limit", "must be 1–1000") }
            var response = InboxAPI.ListIncomingResponse()
            response.letters = try await store.incomingLetters(sender: request.senderOffice, limit: limit).map(InboxAPI.IncomingLetter.init)
            return response
        }
        return service
    }

    func deliver(_ request: InboxAPI.DeliverLetterRequest, _ context: ServerContext) async throws -> InboxAPI.DeliverLetterResponse {
        // The transport credential must be the sending office's own.
        guard context.principal?.subject == "service:\(request.senderOffice)" else {
            throw RegistryError(.permissionDenied, "sender_office: this credential (\(context.principal?.subject ?? "none")) may not deliver as office '\(request.senderOffice)'")
        }
        guard let officeKey = trustedOffices[request.senderOffice] else {
            throw RegistryError(.permissionDenied, "sender_office: '\(request.senderOffice)' is not a trusted office of this inbox")
        }
        var logger = logger
        logger[metadataKey: "letter.id"] = "\(request.letterID.lowercased())"
        let answer = try await store.recordIncoming(
            fingerprint: try Idempotency.fingerprint(of: request, actorID: "service:\(request.senderOffice)"),
            receiverOffice: store.settings.officeId, verify: { try Self.verify(request, officeKey: officeKey) })
        var response = answer.response
        // The same delivery again is a letter received before too (the stored reply is the first answer).
        if answer.replayed { response.duplicate = true }
        answer.log(logger, done: response.duplicate ? "letter redelivered (already received)" : "letter received",
                   metadata: ["sender": "\(request.senderOffice)", "number": "\(request.number)"])
        return response
    }

    /// Checks the chain: the receipt is sealed by the sender's registry key; it names this number,
    /// letter, content digest and signature; the signature verifies with the signer key the receipt
    /// names, over an envelope for this letter and content.
    static func verify(_ request: InboxAPI.DeliverLetterRequest, officeKey: [UInt8]) throws -> IncomingLetter {
        guard let letterId = UUID(uuidString: request.letterID) else { throw RegistryError.invalidArgument("letter_id", "must be a UUID") }
        guard let receipt = request.receipt, !receipt.text.isEmpty else { throw RegistryError.invalidArgument("receipt", "is required") }
        guard let record = request.signature else { throw RegistryError.invalidArgument("signature", "is required") }
        guard ReceiptText.isValidSeal(text: Array(receipt.text), signature: Array(receipt.signature), registryPublicKey: officeKey) else {
            throw RegistryError.invalidArgument("receipt", "the seal does not verify with the registry key of office '\(request.senderOffice)'")
        }
        guard let fields = ReceiptText.parse(Array(receipt.text)) else {
            throw RegistryError.invalidArgument("receipt", "is not a v1 or v2 registry receipt")
        }
        // A delivered final PDF must be the one the receipt seals (v2); a v1 receipt carries none.
        if !request.pdf.isEmpty || !request.pdfSHA256.isEmpty {
            guard let sealed = fields.pdfDigest else {
                throw RegistryError.invalidArgument("pdf", "the receipt is v1 and seals no PDF")
            }
            guard Array(request.pdfSHA256) == sealed else {
                throw RegistryError.invalidArgument("pdf_sha256", "differs from the pdf-sha256 the receipt seals")
            }
            guard request.pdf.isEmpty || Array(SHA256.hash(data: request.pdf)) == sealed else {
                throw RegistryError.invalidArgument("pdf", "its SHA-256 differs from the pdf-sha256 the receipt seals: the PDF was changed")
            }
        }
        let digest = Array(SHA256.hash(data: request.content))
        guard fields.office == request.senderOffice else { throw RegistryError.invalidArgument("receipt", "was issued by office '\(fields.office)'") }
        guard fields.number == request.number else { throw RegistryError.invalidArgument("number", "the receipt is for number \(fields.number)") }
        guard fields.letterId == letterId else { throw RegistryError.invalidArgument("letter_id", "the receipt is for letter \(fields.letterId)") }
        guard fields.contentDigest == digest else {
            throw RegistryError.invalidArgument("content", "its SHA-256 differs from the digest in the receipt: the content was changed")
        }
        guard fields.signature == Array(record.signature) else {
            throw RegistryError.invalidArgument("signature", "is not the signature the receipt names")
        }
        let envelope: SigningEnvelope
        do { envelope = try SigningEnvelope(canonicalBytes: record.envelope) } catch {
            throw RegistryError.invalidArgument("signature", "envelope: \(error)")
        }
        guard let signerKey = try? Curve25519.Signing.PublicKey(rawRepresentation: fields.signerPublicKey),
              signerKey.isValidSignature(record.signature, for: record.envelope) else {
            throw RegistryError.invalidArgument("signature", "does not verify with the signer key named in the receipt")
        }
        guard SigningKeyID.derive(publicKey: Data(fields.signerPublicKey)) == envelope.keyId, envelope.keyId == fields.signerKeyId,
              envelope.signerId == fields.signerId else {
            throw RegistryError.invalidArgument("signature", "signer or key differs between envelope and receipt")
        }
        guard envelope.letterId.lowercased() == request.letterID.lowercased(), Array(envelope.revisionDigest) == digest else {
            throw RegistryError.invalidArgument("signature", "the envelope is for another letter or content")
        }
        let subject = (try? ProtobufDecoder().decode(LetterContent.self, from: request.content))?.subject ?? ""
        return IncomingLetter(senderOffice: request.senderOffice, number: request.number, letterId: letterId,
                              addresseeId: request.addresseeID, subject: subject, content: Array(request.content),
                              contentDigest: digest, signatureRecord: (try? ProtobufEncoder().encode(record)) ?? [],
                              signerId: envelope.signerId, receiptText: Array(receipt.text), receiptSignature: Array(receipt.signature))
    }
}

extension InboxAPI.IncomingLetter {
    init(_ letter: IncomingLetter) {
        self.init()
        senderOffice = letter.senderOffice
        number = letter.number
        letterID = letter.letterId.uuidString.lowercased()
        subject = letter.subject
        signerID = letter.signerId
        receivedAt = letter.receivedAt
        acknowledgement = letter.acknowledgement
        addresseeID = letter.addresseeId
        contentSHA256 = Data(letter.contentDigest)
    }
}

/// Delivers outbox letters to other offices' inboxes over RPC (one client per endpoint).
package final class RPCDeliveryTransport: DeliveryTransport {
    let officeId: String
    /// TLS for calls to other offices' inboxes; nil = plaintext.
    let tls: ClientTLSConfiguration?
    let token: String
    let registryPublicKey: [UInt8]
    let logger: Logger
    private let clients = LockedValue<[String: RPCClient]>([:])

    package init(officeId: String, token: String, registryPublicKey: [UInt8], tls: ClientTLSConfiguration? = nil,
                 logger: Logger) {
        self.tls = tls
        self.officeId = officeId
        self.token = token
        self.registryPublicKey = registryPublicKey
        self.logger = logger
    }

    private func client(for endpoint: String) throws -> RPCClient {
        if let client = clients.get()[endpoint] { return client }
        let (host, port) = try Endpoint.parse(endpoint, key: "endpoint")
        let client = try RPCClient(host: host, port: port, tls: tls)
        return clients.withValue { clients in
            if let existing = clients[endpoint] { return existing }
            clients[endpoint] = client
            return client
        }
    }

    package func deliver(_ letter: OutboundLetter) async throws -> String {
        var request = InboxAPI.DeliverLetterRequest()
        request.senderOffice = officeId
        request.number = letter.entry.number
        request.letterID = letter.entry.letterId.uuidString.lowercased()
        request.content = Data(letter.content)
        request.signature = try ProtobufDecoder().decode(SignatureRecord.self, from: letter.signatureRecord)
        request.receipt = RegistryAPI.Receipt(letter.entry.receipt, registryPublicKey: registryPublicKey)
        request.addresseeID = letter.delivery.addresseeId
        request.addresseeName = letter.delivery.addresseeName
        request.pdf = Data(letter.pdf)
        request.pdfSHA256 = Data(letter.pdfDigest)
        let metadata: Metadata = ["authorization": "Bearer \(token)"]
        let response = try await client(for: letter.delivery.endpoint).call(InboxAPI.deliverLetter, request, metadata: metadata,
                                                                            timeout: .seconds(10))
        return response.acknowledgement
    }
}
