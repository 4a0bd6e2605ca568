import Crypto
import Domain
import Foundation
import LetterDocument
import LetterSeal
import Logging
import RegistryCore
import RPC
import ServiceKit
import Wire

/// The `surat.registry.v1.Registry` handlers.
package final class RegistryService: Sendable {
    let store: RegistryStore
    let keys: PublishedKeyDirectory
    let logger: Logger
    /// Office profile version → parsed profile (versions never change once stored).
    let profileCache = LockedValue<[Int64: OfficeProfile]>([:])
    /// The office seal applied to every final PDF before its digest is taken; nil = unsealed.
    let officeSeal: OfficeSeal?

    package init(store: RegistryStore, keys: PublishedKeyDirectory, officeSeal: OfficeSeal? = nil, logger: Logger) {
        self.store = store
        self.keys = keys
        self.officeSeal = officeSeal
        self.logger = logger
        // Each new registration stores this reply in its batch transaction (ServiceKit's ExactlyOnce).
        let settings = store.settings, publicKey = store.key.publicKey
        store.replyEncoder.set { entry, registration in
            Data(try ProtobufEncoder().encode(Self.newRegistrationReply(entry, registration, settings: settings, publicKey: publicKey)))
        }
    }

    package var descriptor: ServiceDescriptor {
        var service = ServiceDescriptor(name: RegistryAPI.serviceName)
        service.unary(RegistryAPI.register) { [self] request, context in try await register(request, context) }
        service.unary(RegistryAPI.getEntry) { [self] request, context in try await getEntry(request, context) }
        service.unary(RegistryAPI.listAgenda) { [self] request, context in try await listAgenda(request, context) }
        // Renders up to RegistryStore.maxExportEntries entries: off the event loop.
        service.unary(RegistryAPI.exportAgenda, execution: .offEventLoop) { [self] request, context in
            try await exportAgenda(request, context)
        }
        service.unary(RegistryAPI.cancelLetter) { [self] request, context in try await cancel(request, context) }
        service.unary(RegistryAPI.verifyReceipt) { [self] request, context in try await verifyReceipt(request, context) }
        service.unary(RegistryAPI.getDeliveries) { [self] request, context in try await getDeliveries(request, context) }
        service.unary(RegistryAPI.listManualDeliveries) { [self] request, context in try await listManual(request, context) }
        service.unary(RegistryAPI.markDelivered) { [self] request, context in try await markDelivered(request, context) }
        service.unary(RegistryAPI.importRegistrations) { [self] request, context in try await importRegistrations(request, context) }
        service.unary(RegistryAPI.getReconcileStatus) { [self] request, context in try await reconcileStatus(request, context) }
        service.unary(RegistryAPI.getOfficeProfile) { [self] request, context in try await getOfficeProfile(request, context) }
        service.unary(RegistryAPI.setOfficeProfile) { [self] request, context in try await setOfficeProfile(request, context) }
        service.unary(RegistryAPI.getPublicRecord) { [self] request, context in try await getPublicRecord(request, context) }
        service.unary(RegistryAPI.getLetterPDF) { [self] request, context in try await getLetterPDF(request, context) }
        service.unary(RegistryAPI.findByPDFDigest) { [self] request, context in try await findByPDFDigest(request, context) }
        service.unary(RegistryAPI.getNumberingRules) { [self] _, context in try numberingRules(context) }
        service.unary(RegistryAPI.getRegistryKey) { [self] _, _ in
            var response = RegistryAPI.GetRegistryKeyResponse()
            response.officeID = store.settings.officeId
            response.officeName = store.settings.officeName
            response.keyID = store.key.keyId
            response.publicKey = Data(store.key.publicKey)
            return response
        }
        return service
    }

    private var publicKey: [UInt8] { store.key.publicKey }

    // MARK: Register

    func register(_ request: RegistryAPI.RegisterRequest, _ context: ServerContext) async throws -> RegistryAPI.RegisterResponse {
        let actor = try context.requireActor(.stafUmum, .admin, action: "Register (SOP step 6)")
        guard let letterId = UUID(uuidString: request.letterID) else {
            throw RegistryError.invalidArgument("letter_id", "must be a UUID")
        }
        guard !request.content.isEmpty else { throw RegistryError.invalidArgument("content", "the signed letter content is required") }
        let content: LetterContent
        do { content = try ProtobufDecoder().decode(LetterContent.self, from: request.content) } catch {
            throw RegistryError.invalidArgument("content", "is not an encoded surat.common.v1.LetterContent: \(error)")
        }
        guard let record = request.signature else { throw RegistryError.invalidArgument("signature", "the signature record is required") }
        let digest = Data(SHA256.hash(data: request.content))

        // Verified here, in the caller's task and in parallel with other callers, so the single
        // writer only numbers and writes.
        let report = try await keys.verify(record, contentDigest: digest)
        guard report.valid, let envelope = report.envelope, let key = report.key else {
            let problem = report.firstProblem
            throw RegistryError.invalidArgument("signature", "\(problem?.name ?? "signature") check failed: \(problem?.detail ?? "invalid")")
        }
        guard envelope.letterId.lowercased() == letterId.uuidString.lowercased() else {
            throw RegistryError.invalidArgument("signature", "the envelope is for letter \(envelope.letterId), not \(request.letterID)")
        }
        var registration = try Self.registration(
            requestID: request.requestID, letterId: letterId, content: content, contentBytes: request.content, digest: digest,
            record: record, envelope: envelope, signerName: report.signer?.name ?? record.signerName,
            signerPublicKey: Array(key.publicKey), unit: request.unit, remarks: request.remarks, registeredBy: actor.id)
        var known: [Int: Int64] = [:]
        for position in request.knownAgenda where position.sequence > 0 {
            known[Int(position.year)] = max(known[Int(position.year)] ?? 0, position.sequence)
        }
        registration.knownAgendaSequences = known
        registration.exactlyOnce = try Self.exactlyOnce(request, letterId: letterId, contentDigest: digest, actorID: actor.id)
        let outcome: RegistrationOutcome
        do {
            outcome = try await store.register(registration)
        } catch let error as RegistryError {
            logger.notice("registration refused", metadata: ["letter.id": "\(letterId)", "request.id": "\(request.requestID)", "error": "\(error)"])
            throw error
        }
        // ServiceKit's exactly-once rule: the stored reply of this request id, or of the same step
        // (the letter, asked the same by the same actor) under another request id, is sent again.
        let metadata: Logger.Metadata = ["letter.id": "\(letterId)", "request.id": "\(request.requestID)",
                                         "number": "\(outcome.entry.number)"]
        if let replayedBy = outcome.replayedBy {
            logger.info(ExactlyOnce.replayMessage(method: RegistryAPI.register.fullName),
                        metadata: metadata.merging(["replay.by": "\(replayedBy.rawValue)"]) { $1 })
        } else if outcome.alreadyRegistered {
            // In the book without a stored reply for this ask (another actor, or registered before the
            // registry stored replies, or imported): its entry, already_registered.
            logger.info("letter already registered: its entry sent", metadata: metadata)
        } else {
            logger.info("letter registered", metadata: metadata)
        }
        // Numbered and durable; now the final PDF (if the office has a profile), outside the
        // numbering transaction. The reply waits until PDF, digest and v2 receipt are durable.
        let entry = try await finishFinalPDF(outcome.entry)
        if let stored = outcome.reply {
            var response = try ProtobufDecoder().decode(RegistryAPI.RegisterResponse.self, from: stored)
            guard response.entry?.receipt?.text != Data(entry.receipt.text) else { return response }
            // The final PDF was made after the numbering transaction (just now, or at a start after a
            // crash): its v2 receipt completes the stored reply, for this answer and every later one.
            response.entry = RegistryAPI.AgendaEntry(entry, registryPublicKey: publicKey)
            try await store.completeReply(letterId: letterId, reply: Data(try ProtobufEncoder().encode(response)))
            return response
        }
        var response = outcome.alreadyRegistered
            ? RegistryAPI.RegisterResponse() : Self.newRegistrationReply(entry, registration, settings: store.settings, publicKey: publicKey)
        if outcome.alreadyRegistered {
            response.entry = RegistryAPI.AgendaEntry(entry, registryPublicKey: publicKey)
            response.alreadyRegistered = true
            response.deliveries = try await store.deliveries(letterId: letterId).map { RegistryAPI.Delivery($0, number: outcome.entry.number) }
        }
        return response
    }

    /// Register's keys under the exactly-once rule. The caller's high-water mark (`known_agenda`) is
    /// left out of both fingerprints (it grows between retries and asks nothing), and the content is
    /// represented by its SHA-256 (already computed) rather than hashed again.
    static func exactlyOnce(_ request: RegistryAPI.RegisterRequest, letterId: UUID, contentDigest: Data,
                            actorID: String) throws -> RegistrationExactlyOnce {
        var asking = request
        asking.knownAgenda = []
        asking.content = contentDigest
        let fingerprint = try Idempotency.fingerprint(of: asking, actorID: actorID)
        asking.requestID = ""
        return RegistrationExactlyOnce(
            fingerprint: fingerprint,
            naturalKey: try NaturalKey(RegistrationExactlyOnce.naturalKeyParts(letterId: letterId), asking: asking, actorID: actorID))
    }

    /// The reply to a registration made now: its entry and its deliveries, just written in the same
    /// transaction (not read back). Encoded and stored by the batch writer.
    static func newRegistrationReply(_ entry: AgendaEntry, _ registration: RegistrationRequest, settings: RegistrySettings,
                                     publicKey: [UInt8]) -> RegistryAPI.RegisterResponse {
        var response = RegistryAPI.RegisterResponse()
        response.entry = RegistryAPI.AgendaEntry(entry, registryPublicKey: publicKey)
        response.deliveries = registration.addressees.map { addressee in
            var delivery = RegistryAPI.Delivery()
            delivery.letterID = entry.letterId.uuidString.lowercased()
            delivery.number = entry.number
            delivery.addresseeID = addressee.id
            delivery.addresseeName = addressee.name
            delivery.endpoint = addressee.endpoint.isEmpty ? settings.addressBook[addressee.name] ?? "" : addressee.endpoint
            delivery.state = delivery.endpoint.isEmpty ? .manual : .pending
            return delivery
        }
        return response
    }

    /// The registration as the writer takes it: agenda fields read from the signed content.
    static func registration(requestID: String, letterId: UUID, content: LetterContent, contentBytes: Data, digest: Data,
                             record: SignatureRecord, envelope: SigningEnvelope, signerName: String, signerPublicKey: [UInt8],
                             unit: String, remarks: String, registeredBy: String) throws -> RegistrationRequest {
        RegistrationRequest(
            requestId: requestID, letterId: letterId, content: Array(contentBytes), contentDigest: Array(digest),
            classification: content.classificationCode, unit: unit, subject: content.subject,
            addressees: content.addressees.enumerated().map { index, addressee in
                Addressee(id: String(index + 1), name: addressee.name, endpoint: addressee.endpoint ?? "")
            },
            attachmentCount: content.attachments.count, sifat: content.sifat.displayName,
            urgency: content.urgency.displayName, letterType: content.type.displayName, remarks: remarks,
            registeredBy: registeredBy,
            signature: VerifiedSignature(
                signerId: envelope.signerId, signerName: signerName, keyId: envelope.keyId,
                signerPublicKey: signerPublicKey, signedAt: envelope.signedAt,
                onBehalfOf: envelope.onBehalfOf, reference: record.signatureId, signature: Array(record.signature),
                record: try ProtobufEncoder().encode(record)))
    }

    // MARK: Restore and reconcile

    /// Admin only: registrations held elsewhere go back into the book (proto-notes/registry.md,
    /// "Restore and reconcile"). Each is checked against its receipt, which this registry sealed
    /// after verifying the signature; the signing service's current key list is not consulted, so a
    /// key revoked since still imports the letters it signed before.
    func importRegistrations(_ request: RegistryAPI.ImportRegistrationsRequest,
                             _ context: ServerContext) async throws -> RegistryAPI.ImportRegistrationsResponse {
        let actor = try context.requireActor(.admin, action: "ImportRegistrations (reconcile a restored registry)")
        guard Validation.isIdentifier(request.requestID, maxBytes: 128) else {
            throw RegistryError.invalidArgument("request_id", "must be 1–128 printable characters without spaces")
        }
        guard request.registrations.count <= 1000 else {
            throw RegistryError.invalidArgument("registrations", "at most 1000 per call")
        }
        var held: [HeldRegistration] = []
        var problems: [RegistryAPI.ImportProblem] = []
        for (index, item) in request.registrations.enumerated() {
            do {
                held.append(try Self.held(item, registeredBy: actor.id))
            } catch let error as RegistryError {
                var problem = RegistryAPI.ImportProblem()
                let fields = item.receipt.flatMap { ReceiptText.parse(Array($0.text)) }
                problem.number = fields?.number ?? ""
                problem.letterID = fields?.letterId.uuidString.lowercased() ?? ""
                problem.problem = "registrations[\(index)]: \(error.message)"
                problems.append(problem)
            }
        }
        let publicKey = publicKey
        let checked = problems
        let call = try RegistryStore.ImportCall(request, held: held, actor: actor.id) { report in
            var response = RegistryAPI.ImportRegistrationsResponse()
            response.imported = Int32(report.imported.count)
            response.alreadyPresent = Int32(report.alreadyPresent)
            response.problems = checked + report.problems.map { problem in
                var item = RegistryAPI.ImportProblem()
                item.number = problem.number
                item.letterID = problem.letterId
                item.problem = problem.problem
                return item
            }
            response.status = RegistryAPI.ReconcileStatus(report.status)
            response.entries = report.imported.map { RegistryAPI.AgendaEntry($0, registryPublicKey: publicKey) }
            return response
        }
        let (_, stored) = try await store.importRegistrations(held, once: call)
        guard let answer = stored else { throw RegistryError(.internalError, "the import stored no reply") }
        answer.log(logger, done: "registrations imported", metadata: [
            "actor.id": "\(actor.id)", "imported": "\(answer.response.imported)",
            "already.present": "\(answer.response.alreadyPresent)", "problems": "\(answer.response.problems.count)"])
        return answer.response
    }

    /// Decodes one held registration and checks what the store cannot: the letter signature over
    /// its envelope, with the signer key the receipt names.
    static func held(_ item: RegistryAPI.HeldRegistration, registeredBy fallback: String) throws -> HeldRegistration {
        guard let receipt = item.receipt, !receipt.text.isEmpty, !receipt.signature.isEmpty else {
            throw RegistryError.invalidArgument("receipt", "the receipt text and signature are required")
        }
        guard let fields = ReceiptText.parse(Array(receipt.text)) else {
            throw RegistryError.invalidArgument("receipt", "not a v1 registry receipt")
        }
        guard let record = item.signature else { throw RegistryError.invalidArgument("signature", "the signature record is required") }
        let content: LetterContent
        do { content = try ProtobufDecoder().decode(LetterContent.self, from: item.content) } catch {
            throw RegistryError.invalidArgument("content", "is not an encoded surat.common.v1.LetterContent: \(error)")
        }
        let envelope: SigningEnvelope
        do { envelope = try SigningEnvelope(canonicalBytes: record.envelope) } catch {
            throw RegistryError.invalidArgument("signature", "the envelope is not canonical: \(error)")
        }
        let digest = Data(SHA256.hash(data: item.content))
        guard envelope.revisionDigest == digest, envelope.letterId.lowercased() == fields.letterId.uuidString.lowercased() else {
            throw RegistryError.invalidArgument("signature", "the envelope does not name this letter and content")
        }
        guard let signerKey = try? Curve25519.Signing.PublicKey(rawRepresentation: fields.signerPublicKey),
              signerKey.isValidSignature(record.signature, for: record.envelope) else {
            throw RegistryError.invalidArgument("signature", "the Ed25519 signature does not verify with the signer key the receipt names")
        }
        var letter = try registration(
            requestID: item.requestID, letterId: fields.letterId, content: content, contentBytes: item.content, digest: digest,
            record: record, envelope: envelope, signerName: record.signerName, signerPublicKey: fields.signerPublicKey,
            unit: item.unit, remarks: item.remarks, registeredBy: item.registeredBy.isEmpty ? fallback : item.registeredBy)
        guard Validation.isSingleLine(letter.remarks, maxBytes: 2000), Validation.isSingleLine(letter.registeredBy, maxBytes: 128),
              Validation.isSingleLine(letter.signature.signerName, maxBytes: 300) else {
            throw RegistryError.invalidArgument("remarks", "remarks, registered_by and the signer name must be single lines")
        }
        letter.requestId = Validation.isIdentifier(item.requestID, maxBytes: 128) ? item.requestID : ""
        return HeldRegistration(receipt: RegistryReceipt(text: Array(receipt.text), signature: Array(receipt.signature),
                                                         registryKeyId: fields.registryKeyId), letter: letter)
    }

    func reconcileStatus(_ request: RegistryAPI.GetReconcileStatusRequest,
                         _ context: ServerContext) async throws -> RegistryAPI.ReconcileStatus {
        RegistryAPI.ReconcileStatus(try await store.reconcileStatus())
    }

    // MARK: Queries

    private func lookup(number: String, letterID: String) async throws -> AgendaEntry {
        switch (number.isEmpty, letterID.isEmpty) {
        case (false, true): return try await store.entry(number: number)
        case (true, false):
            guard let id = UUID(uuidString: letterID) else { throw RegistryError.invalidArgument("letter_id", "must be a UUID") }
            return try await store.entry(letterId: id)
        default:
            throw RegistryError.invalidArgument("number", "give exactly one of number and letter_id")
        }
    }

    func getEntry(_ request: RegistryAPI.GetEntryRequest, _ context: ServerContext) async throws -> RegistryAPI.GetEntryResponse {
        var response = RegistryAPI.GetEntryResponse()
        response.entry = RegistryAPI.AgendaEntry(try await lookup(number: request.number, letterID: request.letterID),
                                                 registryPublicKey: publicKey)
        return response
    }

    private func query(year: Int32, from: Date?, until: Date?) throws -> AgendaQuery {
        var query = AgendaQuery()
        if year != 0 {
            guard (1900...9999).contains(year) else { throw RegistryError.invalidArgument("year", "must be a calendar year") }
            query.year = Int(year)
        }
        query.from = from
        query.until = until
        return query
    }

    func listAgenda(_ request: RegistryAPI.ListAgendaRequest, _ context: ServerContext) async throws -> RegistryAPI.ListAgendaResponse {
        var query = try query(year: request.year, from: request.from, until: request.until)
        query.classification = request.classification
        query.unit = request.unit
        query.addressee = request.addressee
        query.subjectContains = request.subjectContains
        query.status = switch request.status {
        case .registered: .registered
        case .cancelled: .cancelled
        case .unspecified: nil
        }
        query.pageSize = request.pageSize == 0 ? 50 : Int(request.pageSize)
        query.pageToken = request.pageToken
        let page = try await store.list(query)
        var response = RegistryAPI.ListAgendaResponse()
        response.entries = page.entries.map { RegistryAPI.AgendaEntry($0, registryPublicKey: publicKey) }
        response.nextPageToken = page.nextPageToken
        return response
    }

    func exportAgenda(_ request: RegistryAPI.ExportAgendaRequest, _ context: ServerContext) async throws -> RegistryAPI.ExportAgendaResponse {
        let query = try query(year: request.year, from: request.from, until: request.until)
        let entries = try await store.export(query)
        // Signers as printed: position and name, Plh./Plt. with the position signed for.
        let signers = await keys.agendaSigners()
        let zone = store.settings.timeZone
        var title = request.year != 0 ? "Tahun \(request.year)" : "Semua"
        if request.from != nil || request.until != nil {
            let from = request.from.map { OfficeDate($0, in: zone).isoDay } ?? "…"
            let until = request.until.map { OfficeDate($0, in: zone).isoDay } ?? "…"
            title += " \(from) s.d. \(until)"
        }
        let baseName = "agenda-surat-keluar-" + (request.year != 0 ? String(request.year) : "export")
        var response = RegistryAPI.ExportAgendaResponse()
        response.entryCount = Int32(entries.count)
        switch request.format {
        case .html:
            response.mediaType = "text/html; charset=utf-8"
            response.fileName = baseName + ".html"
            response.data = Data(AgendaExport.html(entries, zone: zone, officeName: store.settings.officeName, title: title,
                                                   signers: signers))
        case .csv, .unspecified:
            response.mediaType = "text/csv; charset=utf-8"
            response.fileName = baseName + ".csv"
            response.data = Data(AgendaExport.csv(entries, zone: zone, signers: signers))
        }
        return response
    }

    // MARK: Cancel

    func cancel(_ request: RegistryAPI.CancelLetterRequest, _ context: ServerContext) async throws -> RegistryAPI.CancelLetterResponse {
        // The gateway's CancelNumber acts as the Camat (proto-notes/gateway.md, "Cancelling a number").
        let actor = try context.requireActor(.stafUmum, .admin, .camat, action: "CancelLetter (pembatalan)")
        var letterId: UUID?
        if !request.letterID.isEmpty {
            guard let id = UUID(uuidString: request.letterID) else { throw RegistryError.invalidArgument("letter_id", "must be a UUID") }
            letterId = id
        }
        let answer = try await store.cancel(requestId: request.requestID, number: request.number.isEmpty ? nil : request.number,
                                            letterId: letterId, reason: request.reason, actor: actor.id)
        answer.log(logger, done: "letter cancelled", metadata: [
            "letter.id": "\(answer.response.entry?.letterID ?? "")", "number": "\(answer.response.entry?.number ?? "")"])
        return answer.response
    }

    // MARK: Verify

    func verifyReceipt(_ request: RegistryAPI.VerifyReceiptRequest, _ context: ServerContext) async throws -> RegistryAPI.VerifyReceiptResponse {
        guard !request.number.isEmpty else { throw RegistryError.invalidArgument("number", "the letter number to verify is required") }
        let entry = try await store.entry(number: request.number)
        var response = RegistryAPI.VerifyReceiptResponse()
        response.entry = RegistryAPI.AgendaEntry(entry, registryPublicKey: publicKey)
        response.receipt = RegistryAPI.Receipt(entry.receipt, registryPublicKey: publicKey)
        var problems: [String] = []
        if !ReceiptText.isValidSeal(text: entry.receipt.text, signature: entry.receipt.signature, registryPublicKey: publicKey) {
            problems.append("the stored receipt's seal does not verify with this registry's key \(store.key.keyId)")
        }
        if let fields = ReceiptText.parse(entry.receipt.text) {
            if fields.number != entry.number || fields.letterId != entry.letterId || fields.contentDigest != entry.contentDigest
                || fields.signature != entry.signature {
                problems.append("the receipt does not match the agenda entry")
            }
        } else {
            problems.append("the stored receipt is not a v1 receipt")
        }
        if !request.receiptText.isEmpty || !request.receiptSignature.isEmpty {
            let presentedValid = ReceiptText.isValidSeal(text: Array(request.receiptText), signature: Array(request.receiptSignature),
                                                         registryPublicKey: publicKey)
            if !presentedValid {
                problems.append("the presented receipt is not sealed by this registry")
            } else if Array(request.receiptText) != entry.receipt.text {
                problems.append("the presented receipt is sealed but is not the receipt of \(entry.number)")
            }
        }
        if entry.status == .cancelled {
            problems.append("the letter was cancelled on \(RFC3339.format(entry.cancelledAt ?? entry.registeredAt)): \(entry.cancelReason)")
        }
        response.valid = problems.isEmpty
        response.detail = problems.isEmpty
            ? "\(entry.number) belongs to letter \(entry.letterId.uuidString.lowercased()) (content sha256 \(Hex.encode(entry.contentDigest).prefix(16))…), signed by \(entry.signerName) at \(RFC3339.format(entry.signedAt)), registered \(RFC3339.format(entry.registeredAt)); receipt sealed by registry key \(entry.receipt.registryKeyId)"
            : problems.joined(separator: "; ")
        return response
    }

    // MARK: Deliveries

    func getDeliveries(_ request: RegistryAPI.GetDeliveriesRequest, _ context: ServerContext) async throws -> RegistryAPI.GetDeliveriesResponse {
        let entry = try await lookup(number: request.number, letterID: request.letterID)
        var response = RegistryAPI.GetDeliveriesResponse()
        response.number = entry.number
        response.deliveries = try await store.deliveries(letterId: entry.letterId).map { RegistryAPI.Delivery($0, number: entry.number) }
        return response
    }

    func listManual(_ request: RegistryAPI.ListManualDeliveriesRequest, _ context: ServerContext) async throws -> RegistryAPI.ListManualDeliveriesResponse {
        let limit = request.limit == 0 ? 100 : Int(request.limit)
        guard (1...1000).contains(limit) else { throw RegistryError.invalidArgument("limit", "must be 1–1000") }
        let deliveries = try await store.deliveries(in: request.includeFailed ? [.manual, .failed] : [.manual], limit: limit)
        var response = RegistryAPI.ListManualDeliveriesResponse()
        for delivery in deliveries {
            let number = (try? await store.entry(letterId: delivery.letterId).number) ?? ""
            response.deliveries.append(RegistryAPI.Delivery(delivery, number: number))
        }
        return response
    }

    func markDelivered(_ request: RegistryAPI.MarkDeliveredRequest, _ context: ServerContext) async throws -> RegistryAPI.MarkDeliveredResponse {
        let actor = try context.requireActor(.stafUmum, .admin, action: "MarkDelivered")
        guard let letterId = UUID(uuidString: request.letterID) else { throw RegistryError.invalidArgument("letter_id", "must be a UUID") }
        guard !request.addresseeID.isEmpty else { throw RegistryError.invalidArgument("addressee_id", "is required") }
        let answer = try await store.markDelivered(requestId: request.requestID, letterId: letterId, addresseeId: request.addresseeID,
                                                   note: request.note, actor: actor.id)
        answer.log(logger, done: "delivery marked delivered by hand", metadata: [
            "letter.id": "\(request.letterID)", "addressee.id": "\(request.addresseeID)"])
        return answer.response
    }
}
