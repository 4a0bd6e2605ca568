import Domain
import Foundation
import GatewayCore
import RPC
import Wire

// SOP steps 2-6 and the queries answered by a backend. Every backend call carries the request id of the
// step's intent (runStep), so a retried step makes each backend return its first result; a step the backend
// did under another request id is answered from its natural key. No step probes backend state to guess.
extension GatewayService {
    static func digestBytes(_ hex: String?) -> Data {
        guard let hex, hex.count % 2 == 0 else { return Data() }
        var bytes = Data(capacity: hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return Data() }
            bytes.append(byte)
            index = next
        }
        return bytes
    }

    func requireDraftID(_ journey: GatewayCore.Journey) throws -> String {
        guard let draftID = journey.draftID else {
            throw GatewayError(.failedPrecondition, "letter \(journey.letterID) has no draft yet; the drafter creates one first")
        }
        return draftID
    }

    func draftReply(_ journey: GatewayCore.Journey, _ draft: Draft, now: Date) -> GatewayAPI.DraftReply {
        var reply = GatewayAPI.DraftReply()
        reply.journey = GatewayAPI.Journey(journey, now: now)
        reply.draftID = draft.id
        reply.revision = draft.latestRevision
        reply.revisionDigest = draft.latestDigest
        reply.content = draft.latest?.content
        return reply
    }

    // MARK: Step 2: drafting

    func createDraft(_ request: GatewayAPI.CreateDraftRequest, _ context: ServerContext) async throws -> GatewayAPI.DraftReply {
        let backends = try requireBackends()
        let content = try Self.requireContentFitsReply(request.content)
        return try await runStep(GatewayAPI.createDraft, request, context: context, requestID: request.requestID,
                                 letterID: request.letterID, step: .draft, action: "create the draft (step 2)",
                                 precheck: { journey in
                                     if let existing = journey.draftID {
                                         throw GatewayError(.alreadyExists, "letter \(journey.letterID) already has draft \(existing); edit it instead")
                                     }
                                 },
                                 backend: { journey, call in
            try await backends.call(backends.drafting, "drafting", DraftingAPI.createDraft,
                                    Domain.CreateDraftRequest(requestID: call.backendRequestID, content: content,
                                                              letterID: journey.letterID), as: call.actor)
        }) { journey, draft, actor, now in
            try journey.recordDraftCreated(draftID: draft.id, revision: Int(draft.latestRevision),
                                           digest: Self.hex(draft.latestDigest), by: actor, at: now)
            // The draft is what gets numbered: the journey follows its subject and classification.
            journey.subject = content.subject
            journey.classification = content.classificationCode
            return try Self.fitting(self.draftReply(journey, draft, now: now))
        }
    }

    func editDraft(_ request: GatewayAPI.EditDraftRequest, _ context: ServerContext) async throws -> GatewayAPI.DraftReply {
        let backends = try requireBackends()
        let content = try Self.requireContentFitsReply(request.content)
        return try await runStep(GatewayAPI.editDraft, request, context: context, requestID: request.requestID,
                                 letterID: request.letterID, step: .draft, action: "edit the draft (step 2)",
                                 precheck: { try $0.checkCanEditDraft() },
                                 backend: { journey, call in
            try await backends.call(backends.drafting, "drafting", DraftingAPI.updateDraft,
                                    UpdateDraftRequest(requestID: call.backendRequestID, draftID: try self.requireDraftID(journey),
                                                       baseRevision: request.baseRevision, content: content), as: call.actor)
        }) { journey, draft, _, now in
            try journey.recordDraftEdited(revision: Int(draft.latestRevision), digest: Self.hex(draft.latestDigest), at: now)
            journey.subject = content.subject
            journey.classification = content.classificationCode
            return try Self.fitting(self.draftReply(journey, draft, now: now))
        }
    }

    func getDraft(_ request: GatewayAPI.GetDraftRequest, _ context: ServerContext) async throws -> GatewayAPI.DraftReply {
        let backends = try requireBackends()
        let user = try await caller(context)
        let journey = try await store.journey(request.letterID)
        let draftID = try requireDraftID(journey)
        let actor = GatewayCore.Actor(id: user.user.id, name: user.user.name, role: user.user.role)
        let draft = try await backends.call(backends.drafting, "drafting", DraftingAPI.getDraft,
                                            Domain.GetDraftRequest(draftID: draftID), as: actor)
        // Content is for those the letter's sifat allows (issue 11, item 6; ContentAccess).
        let latestSifat = draft.latest?.content.sifat ?? .unspecified
        try ContentAccess.require(user, journey: journey, sifat: latestSifat)
        if !request.revisionDigest.isEmpty {
            let reply = try await pastRevisionReply(journey, draft, digest: request.revisionDigest, actor: actor)
            try ContentAccess.require(user, journey: journey, sifat: reply.content?.sifat ?? .unspecified)
            return reply
        }
        return draftReply(journey, draft, now: store.now())
    }

    /// The drafter's paraf in drafting, then the initialled revision into the Sekretaris' queue in approval.
    func paraf(_ request: GatewayAPI.ParafRequest, _ context: ServerContext) async throws -> GatewayAPI.JourneyReply {
        let backends = try requireBackends()
        let standards = store.standards
        return try await runStep(GatewayAPI.paraf, request, context: context, requestID: request.requestID,
                                 letterID: request.letterID, step: .draft, action: "paraf the draft (step 2)",
                                 replaysByNaturalKey: true,
                                 precheck: { journey in
            // "You initial what you read": no defaulting to the latest revision (issue 11).
            guard request.revision >= 1 else {
                throw InvalidFieldError("revision", "is required: the revision you read (GetDraft's revision), 1 or more")
            }
            guard request.revisionDigest.count == 32 else {
                throw InvalidFieldError("revision_digest",
                                        "is required: the 32-byte SHA-256 of the revision you read (GetDraft's revision_digest)")
            }
            try journey.checkCanEditDraft()
        },
                                 backend: { journey, call in
            let draftID = try self.requireDraftID(journey)
            // Drafting answers a repeat of this paraf (same drafter, draft and revision) with its first reply,
            // whatever request id the attempt that did it carried.
            let initialled = try await backends.call(
                backends.drafting, "drafting", DraftingAPI.parafDraft,
                ParafDraftRequest(requestID: call.backendRequestID + "-paraf", draftID: draftID, revision: request.revision,
                                  revisionDigest: request.revisionDigest),
                as: call.actor)
            guard let content = initialled.draft.revisions.first(where: { $0.number == initialled.paraf.revision })?.content
            else { throw RPCError(.internalError, "drafting returned a paraf without its revision") }
            _ = try await backends.call(
                backends.approval, "approval", ApprovalAPI.submitForReview,
                SubmitForReviewRequest(requestID: call.backendRequestID + "-submit", draftID: draftID,
                                       revision: initialled.paraf.revision, content: content,
                                       drafterParaf: initialled.paraf, letterID: journey.letterID),
                as: call.actor)
            return initialled.paraf
        }) { journey, paraf, actor, now in
            try journey.paraf(revision: Int(paraf.revision), digest: Self.hex(paraf.revisionDigest), by: actor, at: now,
                              standards: standards)
            return self.journeyReply(journey, now: now)
        }
    }

    // MARK: Step 3: approval

    func approve(_ request: GatewayAPI.ApproveRequest, _ context: ServerContext) async throws -> GatewayAPI.JourneyReply {
        let backends = try requireBackends()
        let standards = store.standards
        return try await runStep(GatewayAPI.approve, request, context: context, requestID: request.requestID,
                                 letterID: request.letterID, step: .review, action: "approve (step 3)",
                                 replaysByNaturalKey: true,
                                 backend: { journey, call in
            let digest = request.revisionDigest.isEmpty ? Self.digestBytes(journey.revisionDigest) : request.revisionDigest
            let draftID = try self.requireDraftID(journey)
            // Approval answers a repeat of this approval (same Sekretaris, draft and digest) with its first reply.
            _ = try await backends.call(
                backends.approval, "approval", ApprovalAPI.approve,
                Domain.ApproveRequest(requestID: call.backendRequestID, draftID: draftID, revisionDigest: digest),
                as: call.actor)
        }) { journey, _, actor, now in
            try journey.approve(by: actor, at: now, standards: standards)
            return self.journeyReply(journey, now: now)
        }
    }

    /// Return with notes: approval records the decision, drafting reopens the draft with the same notes.
    func returnDraft(_ request: GatewayAPI.ReturnDraftRequest, _ context: ServerContext) async throws -> GatewayAPI.JourneyReply {
        let backends = try requireBackends()
        let standards = store.standards
        try TextCheck.rejectControlCharacters(request.notes, "notes", multiline: true)
        let notes = request.notes.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !notes.isEmpty else { throw InvalidFieldError("notes", "are required: tell the drafter what to change") }
        return try await runStep(GatewayAPI.returnDraft, request, context: context, requestID: request.requestID,
                                 letterID: request.letterID, step: .review, action: "return the draft (step 3)",
                                 backend: { journey, call in
            let draftID = try self.requireDraftID(journey)
            let digest = Self.digestBytes(journey.revisionDigest)
            _ = try await backends.call(
                backends.approval, "approval", ApprovalAPI.returnDraft,
                Domain.ReturnDraftRequest(requestID: call.backendRequestID + "-return", draftID: draftID,
                                          revisionDigest: digest, notes: notes), as: call.actor)
            _ = try await backends.call(
                backends.drafting, "drafting", DraftingAPI.reopenDraft,
                ReopenDraftRequest(requestID: call.backendRequestID + "-reopen", draftID: draftID, revisionDigest: digest,
                                   notes: notes), as: call.actor)
        }) { journey, _, actor, now in
            try journey.returnToDrafter(notes: notes, by: actor, at: now, standards: standards)
            return self.journeyReply(journey, now: now)
        }
    }

    // MARK: Step 4: upload for signature

    func uploadForSignature(_ request: GatewayAPI.UploadForSignatureRequest,
                            _ context: ServerContext) async throws -> GatewayAPI.JourneyReply {
        let backends = try requireBackends()
        let standards = store.standards
        return try await runStep(GatewayAPI.uploadForSignature, request, context: context, requestID: request.requestID,
                                 letterID: request.letterID, step: .upload, action: "upload for e-signature (step 4)",
                                 backend: { journey, call in
            // The approved revision, with both parafs, as approval recorded it.
            let review = try await backends.call(backends.approval, "approval", ApprovalAPI.getReview,
                                                 GetReviewRequest(draftID: try self.requireDraftID(journey)), as: call.actor)
            guard review.state == .approved, let approvedRound = review.rounds.last(where: { $0.outcome == .approved }),
                  let sekretarisParaf = approvedRound.sekretarisParaf ?? review.sekretarisParaf else {
                throw GatewayError(.failedPrecondition, "approval has no approved revision for letter \(journey.letterID)")
            }
            return try await backends.call(
                backends.signing, "signing", SigningAPI.uploadForSignature,
                Domain.UploadForSignatureRequest(requestId: call.backendRequestID, letterId: journey.letterID,
                                                 content: review.content, revisionDigest: approvedRound.revisionDigest,
                                                 drafterParaf: approvedRound.drafterParaf, sekretarisParaf: sekretarisParaf),
                as: call.actor)
        }) { journey, record, actor, now in
            try journey.upload(signingRequestID: record.signingRequestId, by: actor, at: now, standards: standards)
            return self.journeyReply(journey, now: now)
        }
    }

    // MARK: Step 5: signature

    static func signatureInfo(_ record: SignatureRecord, verification: VerifyResponse?) -> GatewayAPI.SignatureInfo {
        var info = GatewayAPI.SignatureInfo()
        info.signatureID = record.signatureId
        info.signerID = record.fields.signerId
        info.signerName = record.signerName
        info.keyID = record.fields.keyId
        info.algorithm = record.algorithm
        info.signedAt = record.fields.signedAt
        info.onBehalfOf = record.fields.onBehalfOf
        info.delegationID = record.fields.delegationId
        info.signature = record.signature
        if let verification {
            info.verified = verification.valid
            info.verificationDetail = verification.summary
        }
        return info
    }

    func sign(_ request: GatewayAPI.SignRequest, _ context: ServerContext) async throws -> GatewayAPI.SignReply {
        let backends = try requireBackends()
        let standards = store.standards
        guard !request.passphrase.isEmpty else { throw InvalidFieldError("passphrase", "is required") }
        return try await runStep(GatewayAPI.sign, request, context: context, requestID: request.requestID,
                                 letterID: request.letterID, step: .sign, action: "sign (step 5)",
                                 replaysByNaturalKey: true,
                                 fingerprintOf: Self.withoutPassphrase(request),
                                 backend: { journey, call in
            // The signer is the acting user: signer ids are gateway user ids (see proto-notes/auth.md).
            // Signing answers a repeat of this signature (same signing request and signer) with its first record.
            let record = try await backends.call(
                backends.signing, "signing", SigningAPI.sign,
                Domain.SignRequest(requestId: call.backendRequestID, signingRequestId: journey.signingRequestID ?? "",
                                   letterId: journey.letterID, signerId: call.actor.id, passphrase: request.passphrase),
                as: call.actor)
            let verification = try await backends.call(backends.signing, "signing", SigningAPI.verify,
                                                       VerifyRequest(signatureId: record.signatureId), as: call.actor)
            return Self.signatureInfo(record, verification: verification)
        }) { journey, info, actor, now in
            try journey.sign(signatureID: info.signatureID, by: actor, at: now, standards: standards)
            var reply = GatewayAPI.SignReply()
            reply.journey = GatewayAPI.Journey(journey, now: now)
            reply.signature = info
            return reply
        }
    }

    // MARK: Step 6: number, register, distribute

    static func registration(_ entry: RegistryAPI.AgendaEntry, verification: RegistryAPI.VerifyReceiptResponse?) -> GatewayAPI.Registration {
        var registration = GatewayAPI.Registration()
        registration.letterNumber = entry.number
        registration.sequence = entry.sequence
        registration.registeredAt = entry.registeredAt
        if let receipt = entry.receipt { registration.receipt = receipt.text + receipt.signature }
        if let verification {
            registration.receiptVerified = verification.valid
            registration.receiptDetail = verification.detail
        }
        return registration
    }

    static func delivery(_ delivery: RegistryAPI.Delivery) -> GatewayAPI.Delivery {
        var item = GatewayAPI.Delivery()
        item.addressee = delivery.addresseeName
        item.state = delivery.state
        item.attempts = delivery.attempts
        item.lastError = delivery.lastError
        item.updatedAt = delivery.deliveredAt ?? delivery.nextAttemptAt
        return item
    }

    func register(_ request: GatewayAPI.RegisterRequest, _ context: ServerContext) async throws -> GatewayAPI.RegisterReply {
        let backends = try requireBackends()
        let standards = store.standards
        return try await runStep(GatewayAPI.register, request, context: context, requestID: request.requestID,
                                 letterID: request.letterID, step: .register, action: "register (step 6)",
                                 replaysByNaturalKey: true,
                                 registration: { $0.held },
                                 backend: { journey, call in
            let signature = try await backends.call(backends.signing, "signing", SigningAPI.getSignature,
                                                    GetSignatureRequest(signatureId: journey.signatureID ?? ""), as: call.actor)
            let signingRequest = try await backends.call(
                backends.signing, "signing", SigningAPI.getSigningRequest,
                GetSigningRequestRequest(signingRequestId: journey.signingRequestID ?? ""), as: call.actor)
            var register = RegistryAPI.RegisterRequest()
            register.requestID = call.backendRequestID
            register.letterID = journey.letterID
            register.content = Data(try ProtobufEncoder().encode(signingRequest.content))
            register.signature = signature
            register.unit = journey.unit
            // The high-water mark: a registry restored from an older backup sees it is behind and
            // refuses to number until reconciled, instead of giving away numbers shown here.
            register.knownAgenda = try await self.store.highestAgendaSequences().sorted { $0.key < $1.key }
                .map { RegistryAPI.AgendaPosition(year: $0.key, sequence: $0.value) }
            let registered = try await backends.call(backends.registry, "registry", RegistryAPI.register, register,
                                                     as: call.actor)
            guard let entry = registered.entry, let receipt = entry.receipt else {
                throw RPCError(.internalError, "registry returned no agenda entry with its receipt")
            }
            let verification = try await backends.call(backends.registry, "registry", RegistryAPI.verifyReceipt,
                                                       RegistryAPI.VerifyReceiptRequest(number: entry.number), as: call.actor)
            let held = GatewayStore.HeldRegistration(
                letterID: journey.letterID, number: entry.number, agendaYear: entry.agendaYear,
                agendaSequence: entry.agendaSequence, registeredAt: entry.registeredAt, receiptText: receipt.text,
                receiptSeal: receipt.signature, content: register.content, signatureRecord: Data(try ProtobufEncoder().encode(signature)),
                registeredBy: entry.registeredBy, requestID: call.backendRequestID, unit: journey.unit)
            return RegisteredLetter(registration: Self.registration(entry, verification: verification),
                                    deliveries: registered.deliveries.map(Self.delivery), held: held)
        }) { journey, registered, actor, now in
            try journey.register(letterNumber: registered.registration.letterNumber, by: actor, at: now, standards: standards)
            var reply = GatewayAPI.RegisterReply()
            reply.journey = GatewayAPI.Journey(journey, now: now)
            reply.registration = registered.registration
            reply.deliveries = registered.deliveries
            return reply
        }
    }

    struct RegisteredLetter: Sendable {
        var registration: GatewayAPI.Registration
        var deliveries: [GatewayAPI.Delivery]
        /// Kept by the gateway with the journey: the receipt and the letter, to reconcile a restored registry.
        var held: GatewayStore.HeldRegistration
    }

    // MARK: Queries answered by backends

    func queryActor(_ context: ServerContext) async throws -> GatewayCore.Actor {
        let user = try await caller(context).user
        return GatewayCore.Actor(id: user.id, name: user.name, role: user.role)
    }

    func getDelivery(_ request: GatewayAPI.GetDeliveryRequest, _ context: ServerContext) async throws -> GatewayAPI.DeliveryReply {
        let backends = try requireBackends()
        let actor = try await queryActor(context)
        let journey = try await store.journey(request.letterID)
        guard journey.letterNumber != nil else {
            throw GatewayError.outOfOrder(letterID: journey.letterID, state: journey.state, attempted: "show deliveries before registration")
        }
        var query = RegistryAPI.GetDeliveriesRequest()
        query.letterID = journey.letterID
        let answer = try await backends.call(backends.registry, "registry", RegistryAPI.getDeliveries, query, as: actor)
        var reply = GatewayAPI.DeliveryReply()
        reply.letterNumber = answer.number
        reply.deliveries = answer.deliveries.map(Self.delivery)
        return reply
    }

    func verifyNumber(_ request: GatewayAPI.VerifyNumberRequest, _ context: ServerContext) async throws -> GatewayAPI.VerifyReply {
        let backends = try requireBackends()
        let actor = try await queryActor(context)
        guard !request.letterNumber.isEmpty else { throw InvalidFieldError("letter_number", "is required") }
        let answer = try await backends.call(backends.registry, "registry", RegistryAPI.verifyReceipt,
                                             RegistryAPI.VerifyReceiptRequest(number: request.letterNumber), as: actor)
        var reply = GatewayAPI.VerifyReply()
        reply.valid = answer.valid
        reply.detail = answer.detail
        reply.letterNumber = request.letterNumber
        if let entry = answer.entry {
            reply.letterID = entry.letterID
            reply.registration = Self.registration(entry, verification: answer)
        }
        return reply
    }

    func verifySignature(_ request: GatewayAPI.VerifySignatureRequest, _ context: ServerContext) async throws -> GatewayAPI.VerifyReply {
        let backends = try requireBackends()
        let actor = try await queryActor(context)
        let journey = try await store.journey(request.letterID)
        guard let signatureID = journey.signatureID else {
            throw GatewayError.outOfOrder(letterID: journey.letterID, state: journey.state, attempted: "verify a signature before step 5")
        }
        let record = try await backends.call(backends.signing, "signing", SigningAPI.getSignature,
                                             GetSignatureRequest(signatureId: signatureID), as: actor)
        let verification = try await backends.call(backends.signing, "signing", SigningAPI.verify,
                                                   VerifyRequest(signatureId: signatureID), as: actor)
        var reply = GatewayAPI.VerifyReply()
        reply.valid = verification.valid
        reply.detail = verification.summary
        reply.letterID = journey.letterID
        reply.letterNumber = journey.letterNumber ?? ""
        reply.signature = Self.signatureInfo(record, verification: verification)
        return reply
    }

    func exportAgenda(_ request: GatewayAPI.ExportAgendaRequest, _ context: ServerContext) async throws -> GatewayAPI.ExportAgendaReply {
        let backends = try requireBackends()
        let actor = try await queryActor(context)
        var query = RegistryAPI.ExportAgendaRequest()
        query.year = request.year
        switch request.format.lowercased() {
        case "", "csv": query.format = .csv
        case "html": query.format = .html
        default: throw InvalidFieldError("format", "must be csv or html")
        }
        let answer = try await backends.call(backends.registry, "registry", RegistryAPI.exportAgenda, query, as: actor)
        return GatewayAPI.ExportAgendaReply(mediaType: answer.mediaType, content: answer.data)
    }

    /// Every handler that calls a backend gets the caller's deadline for those calls (BackendClients.deadline(for:)).
    func registerBackendSteps(_ gateway: inout ServiceDescriptor) {
        gateway.unaryWithCallerDeadline(GatewayAPI.createDraft, createDraft)
        gateway.unaryWithCallerDeadline(GatewayAPI.editDraft, editDraft)
        gateway.unaryWithCallerDeadline(GatewayAPI.getDraft, getDraft)
        gateway.unaryWithCallerDeadline(GatewayAPI.paraf, paraf)
        gateway.unaryWithCallerDeadline(GatewayAPI.approve, approve)
        gateway.unaryWithCallerDeadline(GatewayAPI.returnDraft, returnDraft)
        gateway.unaryWithCallerDeadline(GatewayAPI.uploadForSignature, uploadForSignature)
        gateway.unaryWithCallerDeadline(GatewayAPI.sign, sign)
        gateway.unaryWithCallerDeadline(GatewayAPI.bulkSign, bulkSign)
        gateway.unaryWithCallerDeadline(GatewayAPI.register, register)
        gateway.unaryWithCallerDeadline(GatewayAPI.getDelivery, getDelivery)
        gateway.unaryWithCallerDeadline(GatewayAPI.verifyNumber, verifyNumber)
        gateway.unaryWithCallerDeadline(GatewayAPI.verifySignature, verifySignature)
        gateway.unaryWithCallerDeadline(GatewayAPI.exportAgenda, exportAgenda)
    }
}
