import Domain
import Foundation
import GatewayCore
import LetterDocument
import LetterMapping
import RPC
import ServiceKit

/// The office profile as the gateway last fetched it from the registry, parsed once per version.
/// Previews use it for `ttl`; a profile set through this gateway replaces it at once, one set
/// through another gateway (or directly at the registry) is seen within `ttl`.
/// `@unchecked`: `lock` guards `entry`; `ttl` is a constant.
final class OfficeProfileCache: @unchecked Sendable {
    struct Entry {
        var version: Int64
        var profile: OfficeProfile
        var fetchedAt: ContinuousClock.Instant
    }

    private let lock = NSLock()
    private var entry: Entry?
    let ttl: Duration

    init(ttl: Duration = .seconds(10)) { self.ttl = ttl }

    func fresh() -> Entry? {
        lock.lock(); defer { lock.unlock() }
        guard let entry, ContinuousClock.now - entry.fetchedAt < ttl else { return nil }
        return entry
    }

    func put(_ new: Entry?) {
        lock.lock(); entry = new; lock.unlock()
    }
}

// Previews, the final PDF download and the office profile (proto-notes/gateway.md, "The letter document").
extension GatewayService {
    func previewLetter(_ request: GatewayAPI.PreviewLetterRequest, _ context: ServerContext) async throws -> GatewayAPI.PreviewLetterReply {
        let backends = try requireBackends()
        let user = try await caller(context)
        guard !request.letterID.isEmpty else { throw InvalidFieldError("letter_id", "is required") }
        guard request.revision >= 0 else { throw InvalidFieldError("revision", "must not be negative") }
        let journey = try await store.journey(request.letterID)
        guard journey.draftID != nil else {
            throw GatewayError.outOfOrder(letterID: journey.letterID, state: journey.state, attempted: "preview the letter before a draft exists")
        }
        let actor = GatewayCore.Actor(id: user.user.id, name: user.user.name, role: user.user.role)
        let draft = try await backends.call(backends.drafting, "drafting", DraftingAPI.getDraft,
                                            Domain.GetDraftRequest(draftID: try requireDraftID(journey)), as: actor)
        let number = request.revision == 0 ? draft.latestRevision : request.revision
        guard let revision = draft.revisions.first(where: { $0.number == number }) else {
            throw InvalidFieldError("revision", "letter \(journey.letterID) has no revision \(number) (latest is \(draft.latestRevision))")
        }
        // Content is for those the letter's sifat allows (issue 11, item 6; ContentAccess).
        try ContentAccess.require(user, journey: journey,
                                  sifat: ContentAccess.strictest([draft.latest?.content.sifat ?? .unspecified, revision.content.sifat]))
        // The signer's block once the letter is signed (a.n./Plh./Plt. included); before, the head's.
        var record: SignatureRecord?
        if let signatureID = journey.signatureID {
            record = try await backends.call(backends.signing, "signing", SigningAPI.getSignature,
                                             GetSignatureRequest(signatureId: signatureID), as: actor)
        }
        let (version, profile) = try await currentProfile(as: actor)
        let rendered: RenderedLetter
        do {
            let document = LetterDocumentRequest(
                profile: profile, content: LetterMapping.documentContent(revision.content),
                signature: try LetterMapping.previewSignatureBlock(profile: profile, record: record),
                mode: .preview(at: revision.createdAt))
            rendered = try await BackgroundRenderer.render(document)
        } catch {
            switch error {
            case .invalidMarkup, .invalidLetter: throw InvalidFieldError("content", "\(error)")
            case .invalidProfile: throw GatewayError(.failedPrecondition, "the office profile cannot lay out this letter: \(error); an admin fixes it with surat admin office set")
            case .qrCode, .rendering: throw RPCError(.internalError, "\(error)")
            }
        }
        var reply = GatewayAPI.PreviewLetterReply()
        reply.pdf = rendered.pdf
        reply.revision = revision.number
        reply.pageCount = Int32(rendered.pageCount)
        reply.profileVersion = version
        return reply
    }

    /// The current profile, from the cache or the registry.
    func currentProfile(as actor: GatewayCore.Actor) async throws -> (Int64, OfficeProfile) {
        if let cached = officeProfiles.fresh() { return (cached.version, cached.profile) }
        let backends = try requireBackends()
        let record = try await backends.call(backends.registry, "registry", RegistryAPI.getOfficeProfile,
                                             RegistryAPI.GetOfficeProfileRequest(), as: actor)
        guard record.version > 0 else {
            throw GatewayError(.failedPrecondition, "the office has no profile yet (kop, signers, verification URL): an admin sets it with surat admin office set --file profile.json")
        }
        return try cache(record)
    }

    @discardableResult
    func cache(_ record: RegistryAPI.OfficeProfileRecord) throws -> (Int64, OfficeProfile) {
        let profile: OfficeProfile
        do { profile = try LetterMapping.profile(json: record.profileJSON, emblemPNG: record.emblemPNG) } catch {
            throw RPCError(.internalError, "the registry's office profile version \(record.version) does not parse: \(error)")
        }
        officeProfiles.put(.init(version: record.version, profile: profile, fetchedAt: .now))
        return (record.version, profile)
    }

    func getLetterPDF(_ request: GatewayAPI.GetLetterPDFRequest, _ context: ServerContext) async throws -> GatewayAPI.LetterPDFChunk {
        let backends = try requireBackends()
        let user = try await caller(context)
        let actor = try user.actor(for: user.roles.contains(.stafUmum) ? .stafUmum : .admin, action: "download a final letter PDF")
        var number = request.letterNumber
        switch (request.letterNumber.isEmpty, request.letterID.isEmpty) {
        case (false, true): break
        case (true, false):
            let journey = try await store.journey(request.letterID)
            guard let registered = journey.letterNumber else {
                throw GatewayError.outOfOrder(letterID: journey.letterID, state: journey.state, attempted: "download the final PDF before step 6")
            }
            number = registered
        default: throw InvalidFieldError("letter_number", "give exactly one of letter_number and letter_id")
        }
        // The final PDF is content: the sifat rule applies (issue 11, item 6; ContentAccess), from the
        // content this gateway registered under the number.
        if let registered = try await store.registeredLetter(number: number) {
            let sifat = registered.content.isEmpty ? Sifat.unspecified
                : ((try? decode(LetterContent.self, registered.content))?.sifat ?? .unspecified)
            try ContentAccess.require(user, journey: try await store.journey(registered.letterID), sifat: sifat)
        }
        let chunk = try await backends.call(backends.registry, "registry", RegistryAPI.getLetterPDF,
                                            RegistryAPI.GetLetterPDFRequest(number: number, offset: request.offset,
                                                                            maxBytes: request.maxBytes), as: actor)
        var reply = GatewayAPI.LetterPDFChunk()
        reply.data = chunk.data
        reply.totalSize = chunk.totalSize
        reply.sha256 = chunk.sha256
        reply.letterNumber = number
        return reply
    }

    // MARK: Admin: the office profile (the GatewayAdmin service already requires role admin)

    func getOfficeProfile(_ request: GatewayAPI.GetOfficeProfileRequest, _ context: ServerContext) async throws -> GatewayAPI.OfficeProfile {
        let backends = try requireBackends()
        let actor = try await queryActor(context)
        return try await backends.call(backends.registry, "registry", RegistryAPI.getOfficeProfile, request, as: actor)
    }

    func setOfficeProfile(_ request: GatewayAPI.SetOfficeProfileRequest, _ context: ServerContext) async throws -> GatewayAPI.OfficeProfile {
        let backends = try requireBackends()
        let user = try await caller(context)
        let actor = try user.actor(for: .admin, action: "set the office profile")
        let record = try await backends.call(backends.registry, "registry", RegistryAPI.setOfficeProfile, request, as: actor)
        try cache(record)
        try await audit(context, "SetOfficeProfile", target: "office-profile",
                        detail: "version=\(record.version) sha256=\(Self.hex(record.sha256))", requestID: request.requestID)
        context.logger.notice("office profile set", metadata: ["user.id": .string(actor.id), "request.id": .string(request.requestID),
                                                               "profile.version": .stringConvertible(record.version)])
        return record
    }

    func registerLetterDocument(gateway: inout ServiceDescriptor, admin: inout ServiceDescriptor) {
        gateway.unaryWithCallerDeadline(GatewayAPI.previewLetter, previewLetter)
        gateway.unaryWithCallerDeadline(GatewayAPI.getLetterPDF, getLetterPDF)
        admin.unaryWithCallerDeadline(GatewayAPI.getOfficeProfile, getOfficeProfile)
        admin.unaryWithCallerDeadline(GatewayAPI.setOfficeProfile, setOfficeProfile)
    }
}
