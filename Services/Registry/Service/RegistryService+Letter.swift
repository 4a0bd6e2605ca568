import Crypto
import Domain
import Foundation
import LetterDocument
import LetterSeal
import LetterMapping
import RegistryCore
import RPC
import ServiceKit
import Wire

/// The office profile, the final PDF of step 6 and the public-verification reads
/// (proto-notes/registry.md, "The office profile" and "The final PDF").
extension RegistryService {
    // MARK: Office profile

    func getOfficeProfile(_ request: RegistryAPI.GetOfficeProfileRequest,
                          _ context: ServerContext) async throws -> RegistryAPI.OfficeProfileRecord {
        guard let stored = try await store.officeProfile(version: request.version) else {
            if request.version != 0 { throw RegistryError.notFound("version: the office profile has no version \(request.version)") }
            return RegistryAPI.OfficeProfileRecord()
        }
        return RegistryAPI.OfficeProfileRecord(stored)
    }

    func setOfficeProfile(_ request: RegistryAPI.SetOfficeProfileRequest,
                          _ context: ServerContext) async throws -> RegistryAPI.OfficeProfileRecord {
        let actor = try context.requireActor(.admin, action: "SetOfficeProfile")
        let current = try await store.officeProfile()
        guard !request.profileJSON.isEmpty || current != nil else {
            throw RegistryError.invalidArgument("profile_json", "the office has no profile yet: send the whole profile (deploy/letter/office-profile.json shows every key)")
        }
        var profile: OfficeProfile
        do {
            profile = try LetterMapping.profile(json: request.profileJSON.isEmpty ? Data(current?.profileJSON ?? []) : request.profileJSON,
                                                emblemPNG: Data())
        } catch { throw Self.profileError(error) }
        // The emblem: the request's, else one given inside the JSON, else the current one.
        let emblem = !request.emblemPNG.isEmpty ? request.emblemPNG
            : !profile.kop.emblemPNG.isEmpty ? profile.kop.emblemPNG : Data(current?.emblemPNG ?? [])
        profile.kop.emblemPNG = emblem
        let checked = profile
        profile.kop.emblemPNG = Data()
        let json: Data
        do { json = try profile.jsonData() } catch { throw Self.profileError(error) }
        let answer = try await store.setOfficeProfile(profileJSON: Array(json), emblemPNG: Array(emblem),
                                                      expectedVersion: request.expectedVersion, requestId: request.requestID,
                                                      actor: actor.id, check: { try await Self.checkRenders(checked) })
        answer.log(logger, done: "office profile set", metadata: ["actor.id": "\(actor.id)", "profile.version": "\(answer.response.version)"])
        return answer.response
    }

    /// A profile is accepted only if a final letter renders with it: that checks every part the
    /// registry will need at step 6 (kop, emblem PNG, verification URL, margins, fonts, signers),
    /// and names the field that is wrong.
    static func checkRenders(_ profile: OfficeProfile) async throws {
        guard let head = profile.signers.first else {
            throw RegistryError.invalidArgument("profile.signers", "list at least the office head (the first signer)")
        }
        do {
            for signer in profile.signers { _ = try profile.signatureBlock(signerID: signer.id) }
            let content = LetterDocumentContent(classificationCode: "000", subject: "-", body: "-",
                                                addressees: [LetterAddressee(name: "-")])
            _ = try await BackgroundRenderer.render(LetterDocumentRequest(
                profile: profile, content: content, signature: try profile.signatureBlock(signerID: head.id),
                mode: .final(FinalDetails(number: "000/1/0/2000", date: Date(timeIntervalSince1970: 946_684_800),
                                          verificationID: "AAAAAAAAAAAAAAAAAAAAAA"))))
        } catch { throw profileError(error) }
    }

    static func profileError(_ error: LetterDocumentError) -> RegistryError {
        switch error {
        case .invalidProfile(let field, let reason): RegistryError.invalidArgument("profile.\(field)", reason)
        default: RegistryError.invalidArgument("profile", "\(error)")
        }
    }

    /// The profile of `version` (0 = current) as the renderer takes it, parsed once per version.
    func profile(version: Int64) async throws -> (version: Int64, profile: OfficeProfile)? {
        if version != 0, let cached = profileCache.get()[version] { return (version, cached) }
        guard let stored = try await store.officeProfile(version: version) else { return nil }
        if let cached = profileCache.get()[stored.version] { return (stored.version, cached) }
        let profile: OfficeProfile
        do { profile = try LetterMapping.profile(json: Data(stored.profileJSON), emblemPNG: Data(stored.emblemPNG)) } catch {
            throw RegistryError(.internalError, "stored office profile version \(stored.version) does not parse: \(error)")
        }
        profileCache.withValue { $0[stored.version] = profile }
        return (stored.version, profile)
    }

    // MARK: Final PDF (step 6)

    /// Renders and stores the final PDF a numbering transaction promised for this letter, if it is
    /// not stored yet, and returns the entry with the receipt in force (v2 once the PDF is stored).
    /// Runs after the numbering commit, never inside it; rendering happens off the event loop.
    func finishFinalPDF(_ entry: AgendaEntry) async throws -> AgendaEntry {
        guard let pending = try await store.pendingPDF(agendaId: entry.id) else { return entry }
        let (version, pdf) = try await renderFinal(pending)
        let stored = try await store.storeFinalPDF(pending, pdf: pdf, profileVersion: version)
        logger.info("final PDF stored", metadata: ["letter.id": "\(entry.letterId)", "number": "\(entry.number)",
                                                   "pdf.bytes": "\(pdf.count)", "profile.version": "\(version)"])
        return stored
    }

    /// The final letter: the number and the registration date, the signature block from the
    /// signature record (a.n./Plh./Plt. from its delegation), the QR code to the verification page.
    func renderFinal(_ pending: PendingLetterPDF) async throws -> (Int64, [UInt8]) {
        guard let (version, profile) = try await profile(version: 0) else {
            throw RegistryError(.internalError, "a final PDF is due for \(pending.entry.number) but the office profile is gone")
        }
        let content: LetterContent
        let record: SignatureRecord
        do {
            content = try ProtobufDecoder().decode(LetterContent.self, from: pending.content)
            record = try ProtobufDecoder().decode(SignatureRecord.self, from: pending.signatureRecord)
        } catch {
            throw RegistryError(.internalError, "stored payload of \(pending.entry.number) does not decode: \(error)")
        }
        do {
            let request = LetterDocumentRequest(
                profile: profile, content: LetterMapping.documentContent(content),
                signature: try LetterMapping.signatureBlock(profile: profile, record: record),
                mode: .final(FinalDetails(number: pending.entry.number, date: pending.entry.registeredAt,
                                          verificationID: pending.verificationId)))
            let rendered = try await BackgroundRenderer.render(request)
            guard let officeSeal else { return (version, Array(rendered.pdf)) }
            return (version, Array(try await Self.seal(rendered.pdf, with: officeSeal, at: pending.entry.registeredAt)))
        } catch {
            // The number stays (it is in the book); the letter waits, undelivered, for a profile or
            // content fix and a retry of step 6, which renders again.
            throw RegistryError.failedPrecondition("""
                \(pending.entry.number) is registered, but its final PDF cannot be rendered: \(error). \
                Fix the office profile (surat admin office set) and repeat step 6; deliveries wait until then.
                """)
        }
    }

    /// The office seal over the rendered PDF, signed as of the registration time so a re-render at
    /// recovery gives the same bytes; off the event loop like the render (RSA signing is CPU work).
    static func seal(_ pdf: Data, with officeSeal: OfficeSeal, at time: Date) async throws(LetterSealError) -> Data {
        let result: Result<Data, LetterSealError> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                do throws(LetterSealError) {
                    continuation.resume(returning: .success(try officeSeal.seal(pdf, at: time)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// At start: renders every PDF that a numbering transaction promised and a crash (or a render
    /// failure) left unstored. Same number, same verification id: no gap, no duplicate.
    package func recoverPendingPDFs() async {
        let pending: [PendingLetterPDF]
        do { pending = try await store.pendingPDFs() } catch {
            logger.error("cannot read pending final PDFs", metadata: ["error": "\(error)"])
            return
        }
        for item in pending {
            do {
                let (version, pdf) = try await renderFinal(item)
                _ = try await store.storeFinalPDF(item, pdf: pdf, profileVersion: version)
                logger.notice("final PDF recovered at start", metadata: ["letter.id": "\(item.entry.letterId)", "number": "\(item.entry.number)"])
            } catch {
                logger.error("final PDF still pending", metadata: ["letter.id": "\(item.entry.letterId)", "number": "\(item.entry.number)",
                                                                   "error": "\(error)"])
            }
        }
    }

    // MARK: Public verification

    private func isVerifier(_ context: ServerContext) -> Bool {
        context.principal?.attributes[PrincipalAttribute.serviceRole] == "verifier"
    }

    private static func isConfidential(_ sifat: String) -> Bool {
        sifat == Sifat.rahasia.displayName || sifat == Sifat.sangatRahasia.displayName
    }

    func getPublicRecord(_ request: RegistryAPI.GetPublicRecordRequest, _ context: ServerContext) async throws -> RegistryAPI.PublicRecord {
        guard VerificationID.isValid(request.verificationID) else {
            throw RegistryError.invalidArgument("verification_id", "must be 16–64 URL-safe characters")
        }
        guard let stored = try await store.letterPDF(verificationId: request.verificationID), !stored.isPending else {
            throw RegistryError.notFound("verification_id: no registered letter has this verification id")
        }
        return try await publicRecord(stored)
    }

    func findByPDFDigest(_ request: RegistryAPI.FindByPDFDigestRequest, _ context: ServerContext) async throws -> RegistryAPI.PublicRecord {
        guard request.sha256.count == 32 else { throw RegistryError.invalidArgument("sha256", "must be 32 bytes") }
        guard let stored = try await store.letterPDF(sha256: Array(request.sha256)) else {
            throw RegistryError.notFound("sha256: no registered letter has exactly this PDF")
        }
        return try await publicRecord(stored)
    }

    func publicRecord(_ stored: StoredLetterPDF) async throws -> RegistryAPI.PublicRecord {
        let entry = try await store.entry(agendaId: stored.agendaId)
        let confidential = Self.isConfidential(entry.sifat)
        var record = RegistryAPI.PublicRecord()
        record.number = entry.number
        record.registeredAt = entry.registeredAt
        record.subject = confidential ? "" : entry.subject
        record.sifat = Sifat.allCases.first { $0.displayName == entry.sifat } ?? .unspecified
        record.signerName = entry.signerName
        record.cancelled = entry.status == .cancelled
        record.cancelReason = entry.cancelReason
        record.cancelledAt = entry.status == .cancelled ? entry.cancelledAt : nil
        record.pdfSHA256 = Data(stored.sha256 ?? [])
        record.pdfSize = UInt64(stored.size)
        record.pdfDownloadable = !confidential && !stored.isPending
        record.verificationID = stored.verificationId
        let payload = try await store.payload(letterId: entry.letterId)
        let signature = payload.flatMap { try? ProtobufDecoder().decode(SignatureRecord.self, from: $0.signatureRecord) }
        if let signature {
            record.signatureValid = Self.signatureVerifies(signature, entry: entry, content: payload?.content ?? [])
            // As printed: the position lines of the signature block of the profile the PDF used.
            if let (_, profile) = try? await profile(version: stored.profileVersion),
               let block = try? LetterMapping.signatureBlock(profile: profile, record: signature) {
                var position = block.positionLines.joined(separator: " ")
                if position.hasSuffix(",") { position.removeLast() }   // the printed comma before the signature
                record.signerPosition = position
                if block.authority != .own { record.onBehalfOf = block.principalPosition }
            }
        }
        if record.signerPosition.isEmpty { record.signerPosition = signature?.signerPosition ?? "" }
        if record.onBehalfOf.isEmpty { record.onBehalfOf = entry.onBehalfOf }
        record.receiptValid = Self.receiptMatches(entry, pdf: stored, registryPublicKey: store.key.publicKey)
        return record
    }

    /// The letter signature over its envelope, with the signer key the registry recorded, naming
    /// this letter and the SHA-256 of the stored content.
    static func signatureVerifies(_ record: SignatureRecord, entry: AgendaEntry, content: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: entry.signerPublicKey),
              key.isValidSignature(record.signature, for: record.envelope),
              let envelope = try? SigningEnvelope(canonicalBytes: record.envelope) else { return false }
        return envelope.letterId.lowercased() == entry.letterId.uuidString.lowercased()
            && Array(envelope.revisionDigest) == Array(SHA256.hash(data: content)) && Array(envelope.revisionDigest) == entry.contentDigest
    }

    /// The receipt's seal verifies with this registry's key and it names this entry and, for a
    /// v2 receipt, this PDF digest and verification id.
    static func receiptMatches(_ entry: AgendaEntry, pdf: StoredLetterPDF, registryPublicKey: [UInt8]) -> Bool {
        guard ReceiptText.isValidSeal(text: entry.receipt.text, signature: entry.receipt.signature, registryPublicKey: registryPublicKey),
              let fields = ReceiptText.parse(entry.receipt.text) else { return false }
        return fields.number == entry.number && fields.letterId == entry.letterId && fields.contentDigest == entry.contentDigest
            && fields.signature == entry.signature && fields.pdfDigest == pdf.sha256 && fields.verificationId == pdf.verificationId
    }

    func getLetterPDF(_ request: RegistryAPI.GetLetterPDFRequest, _ context: ServerContext) async throws -> RegistryAPI.PDFChunk {
        let verifier = isVerifier(context)
        let stored: StoredLetterPDF?
        let entry: AgendaEntry
        switch (request.verificationID.isEmpty, request.number.isEmpty) {
        case (false, true):
            guard VerificationID.isValid(request.verificationID) else {
                throw RegistryError.invalidArgument("verification_id", "must be 16–64 URL-safe characters")
            }
            stored = try await store.letterPDF(verificationId: request.verificationID)
            guard let stored else { throw RegistryError.notFound("verification_id: no registered letter has this verification id") }
            entry = try await store.entry(agendaId: stored.agendaId)
        case (true, false):
            guard !verifier else {
                throw RegistryError(.permissionDenied, "number: the verifier credential fetches PDFs by verification id only")
            }
            entry = try await store.entry(number: request.number)
            stored = try await store.letterPDF(agendaId: entry.id)
        default:
            throw RegistryError.invalidArgument("verification_id", "give exactly one of verification_id and number")
        }
        guard let stored, let digest = stored.sha256 else {
            throw RegistryError.notFound("\(entry.number) has no final PDF (numbered before the office had a profile, or still being rendered)")
        }
        if verifier && Self.isConfidential(entry.sifat) {
            throw RegistryError(.permissionDenied, "\(entry.number) is \(entry.sifat): its PDF is not published")
        }
        guard request.offset <= UInt64(stored.size) else {
            throw RegistryError.invalidArgument("offset", "\(request.offset) is past the end of the PDF (\(stored.size) bytes)")
        }
        let limit = request.maxBytes == 0 ? RegistryAPI.PDFChunk.maximumBytes : min(request.maxBytes, RegistryAPI.PDFChunk.maximumBytes)
        let count = min(Int64(limit), stored.size - Int64(request.offset))
        var chunk = RegistryAPI.PDFChunk()
        chunk.totalSize = UInt64(stored.size)
        chunk.sha256 = Data(digest)
        if count > 0 { chunk.data = Data(try await store.pdfBytes(agendaId: stored.agendaId, offset: Int64(request.offset), count: Int(count))) }
        return chunk
    }
}
