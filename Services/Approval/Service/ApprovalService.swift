import Domain
import Foundation
import Logging
import RPC
import ServiceKit

/// The `surat.approval.v1.Approval` handlers: authorization, validation, then the store.
public struct ApprovalService: Sendable {
    let store: ApprovalStore
    let configuration: ApprovalConfiguration

    public init(store: ApprovalStore, configuration: ApprovalConfiguration) {
        self.store = store
        self.configuration = configuration
    }

    public var descriptor: ServiceDescriptor {
        var descriptor = ServiceDescriptor(name: ApprovalAPI.serviceName)
        descriptor.unary(ApprovalAPI.submitForReview) { request, context in try await submitForReview(request, context) }
        descriptor.unary(ApprovalAPI.listReviewQueue) { request, context in try await listReviewQueue(request, context) }
        descriptor.unary(ApprovalAPI.approve) { request, context in try await approve(request, context) }
        descriptor.unary(ApprovalAPI.returnDraft) { request, context in try await returnDraft(request, context) }
        descriptor.unary(ApprovalAPI.getReview) { request, context in try await getReview(request, context) }
        return descriptor
    }

    func submitForReview(_ request: SubmitForReviewRequest, _ context: ServerContext) async throws -> Review {
        let actor = try context.requireActor(.drafter, action: "SubmitForReview")
        try Idempotency.validate(requestID: request.requestID)
        try FieldCheck.id(request.draftID, "draft_id")
        try FieldCheck.optionalID(request.letterID, "letter_id")
        if request.revision < 1 { throw InvalidFieldError("revision", "must be the initialled revision (1 or more)") }
        let paraf = request.drafterParaf
        if paraf.role != Role.drafter.rawValue {
            throw InvalidFieldError("drafter_paraf.role", "must be \"drafter\" (the paraf from drafting's ParafDraft), got \"\(paraf.role)\"")
        }
        try FieldCheck.id(paraf.actor.id, "drafter_paraf.actor.id")
        try FieldCheck.digest(paraf.revisionDigest, "drafter_paraf.revision_digest")
        if paraf.revision != request.revision {
            throw InvalidFieldError("drafter_paraf.revision", "is \(paraf.revision) but revision is \(request.revision)")
        }
        // The content must already be in its stored form (attachment digests filled in), so
        // validation must not change it: then its digest is the one the drafter initialled.
        let validated = try request.content.validated(limits: configuration.limits)
        if validated != request.content {
            throw InvalidFieldError("content.attachments", "sha256 must be filled in as drafting stored it")
        }
        let digest = try request.content.digest()
        if digest != paraf.revisionDigest {
            throw InvalidFieldError("content", "digest \(LetterContent.hex(digest)) differs from the drafter's paraf digest \(LetterContent.hex(paraf.revisionDigest)): send the initialled revision's content unchanged")
        }
        let answer = try await store.submit(request, actor: actor)
        log(context, answer, "submitted for review", review: answer.response, actor: actor)
        return answer.response
    }

    func listReviewQueue(_ request: ListReviewQueueRequest, _ context: ServerContext) async throws -> ListReviewQueueResponse {
        _ = try context.actor()
        return try await store.queue(request)
    }

    func approve(_ request: ApproveRequest, _ context: ServerContext) async throws -> ApproveResponse {
        let actor = try context.requireActor(.sekretaris, action: "Approve")
        try Idempotency.validate(requestID: request.requestID)
        try FieldCheck.id(request.draftID, "draft_id")
        try FieldCheck.digest(request.revisionDigest, "revision_digest")
        try FieldCheck.notes(request.notes, required: false, max: configuration.maxNotesLength)
        var asked = request
        asked.requestID = ""
        let answer = try await store.decide(
            method: ApprovalAPI.approve.fullName, requestID: request.requestID, draftID: request.draftID,
            digest: request.revisionDigest, notes: request.notes, approve: true, actor: actor,
            fingerprint: Idempotency.fingerprint(of: request, actorID: actor.id),
            naturalKey: NaturalKey(["draft", request.draftID, "digest", LetterContent.hex(request.revisionDigest)],
                                   asking: asked, actorID: actor.id))
        log(context, answer, "approved by the Sekretaris", review: answer.response.review, actor: actor)
        return answer.response
    }

    func returnDraft(_ request: ReturnDraftRequest, _ context: ServerContext) async throws -> Review {
        let actor = try context.requireActor(.sekretaris, action: "ReturnDraft")
        try Idempotency.validate(requestID: request.requestID)
        try FieldCheck.id(request.draftID, "draft_id")
        try FieldCheck.digest(request.revisionDigest, "revision_digest")
        try FieldCheck.notes(request.notes, required: true, max: configuration.maxNotesLength)
        let answer = try await store.decide(
            method: ApprovalAPI.returnDraft.fullName, requestID: request.requestID, draftID: request.draftID,
            digest: request.revisionDigest, notes: request.notes, approve: false, actor: actor,
            fingerprint: Idempotency.fingerprint(of: request, actorID: actor.id))
        log(context, answer, "returned to the drafter", review: answer.response.review, actor: actor)
        return answer.response.review
    }

    func getReview(_ request: GetReviewRequest, _ context: ServerContext) async throws -> Review {
        _ = try context.actor()
        try FieldCheck.id(request.draftID, "draft_id")
        return try await store.review(draftID: request.draftID)
    }

    /// The step's one log line: `done`, or the replay line when the stored reply was sent again.
    private func log<Response>(_ context: ServerContext, _ answer: ExactlyOnce.Answer<Response>, _ done: Logger.Message,
                               review: Review, actor: ActorIdentity) {
        answer.log(context.logger, done: done, metadata: [
            LogKey.draftID: .string(review.draftID),
            LogKey.letterID: .string(review.letterID),
            LogKey.actorID: .string(actor.id),
            LogKey.revision: .stringConvertible(review.revision),
            "review.state": .string("\(review.state)"),
        ])
    }
}
