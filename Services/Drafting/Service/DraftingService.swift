import Domain
import Foundation
import Logging
import RPC
import ServiceKit

/// The `surat.drafting.v1.Drafting` handlers: authorization, validation, then the store.
public struct DraftingService: Sendable {
    let store: DraftingStore
    let configuration: DraftingConfiguration

    public init(store: DraftingStore, configuration: DraftingConfiguration) {
        self.store = store
        self.configuration = configuration
    }

    /// The service as the RPC server registers it.
    public var descriptor: ServiceDescriptor {
        var descriptor = ServiceDescriptor(name: DraftingAPI.serviceName)
        // Both hash and store contents of up to 4 MiB: off the event loop.
        descriptor.unary(DraftingAPI.createDraft, execution: .offEventLoop) { request, context in try await createDraft(request, context) }
        descriptor.unary(DraftingAPI.updateDraft, execution: .offEventLoop) { request, context in try await updateDraft(request, context) }
        descriptor.unary(DraftingAPI.parafDraft) { request, context in try await parafDraft(request, context) }
        descriptor.unary(DraftingAPI.reopenDraft) { request, context in try await reopenDraft(request, context) }
        descriptor.unary(DraftingAPI.getDraft) { request, context in try await getDraft(request, context) }
        descriptor.unary(DraftingAPI.getRevision) { request, context in try await getRevision(request, context) }
        descriptor.unary(DraftingAPI.listDrafts) { request, context in try await listDrafts(request, context) }
        return descriptor
    }

    func createDraft(_ request: CreateDraftRequest, _ context: ServerContext) async throws -> Draft {
        let actor = try context.requireActor(.drafter, action: "CreateDraft")
        try Idempotency.validate(requestID: request.requestID)
        try FieldCheck.optionalID(request.letterID, "letter_id")
        let content = try request.content.validated(limits: configuration.limits)
        let answer = try await store.create(request, content: content, actor: actor)
        log(context, answer, "draft created", draft: answer.response, actor: actor)
        return answer.response
    }

    func updateDraft(_ request: UpdateDraftRequest, _ context: ServerContext) async throws -> Draft {
        let actor = try context.requireActor(.drafter, action: "UpdateDraft")
        try Idempotency.validate(requestID: request.requestID)
        try FieldCheck.id(request.draftID, "draft_id")
        if request.baseRevision < 1 { throw InvalidFieldError("base_revision", "must be the revision the edit started from (1 or more)") }
        let content = try request.content.validated(limits: configuration.limits)
        let answer = try await store.update(request, content: content, actor: actor)
        log(context, answer, "draft revised", draft: answer.response, actor: actor)
        return answer.response
    }

    func parafDraft(_ request: ParafDraftRequest, _ context: ServerContext) async throws -> ParafDraftResponse {
        let actor = try context.requireActor(.drafter, action: "ParafDraft")
        try Idempotency.validate(requestID: request.requestID)
        try FieldCheck.id(request.draftID, "draft_id")
        if request.revision < 1 { throw InvalidFieldError("revision", "must be the revision being initialled (1 or more)") }
        // Required since issue 11: the drafter initials the revision they read, proven by its digest.
        try FieldCheck.digest(request.revisionDigest, "revision_digest")
        let answer = try await store.paraf(request, actor: actor)
        log(context, answer, "draft initialled by drafter", draft: answer.response.draft, actor: actor)
        return answer.response
    }

    func reopenDraft(_ request: ReopenDraftRequest, _ context: ServerContext) async throws -> Draft {
        let actor = try context.requireActor(.sekretaris, action: "ReopenDraft")
        try Idempotency.validate(requestID: request.requestID)
        try FieldCheck.id(request.draftID, "draft_id")
        try FieldCheck.digest(request.revisionDigest, "revision_digest")
        try FieldCheck.notes(request.notes, required: true, max: configuration.maxNotesLength)
        let answer = try await store.reopen(request, actor: actor)
        log(context, answer, "draft returned to drafting", draft: answer.response, actor: actor)
        return answer.response
    }

    func getDraft(_ request: GetDraftRequest, _ context: ServerContext) async throws -> Draft {
        _ = try context.actor()
        try FieldCheck.id(request.draftID, "draft_id")
        return try await store.draft(id: request.draftID)
    }

    func getRevision(_ request: GetRevisionRequest, _ context: ServerContext) async throws -> DraftRevision {
        _ = try context.actor()
        try FieldCheck.id(request.draftID, "draft_id")
        if request.number < 1 { throw InvalidFieldError("number", "must be a revision number (1 or more)") }
        return try await store.revision(draftID: request.draftID, number: request.number)
    }

    func listDrafts(_ request: ListDraftsRequest, _ context: ServerContext) async throws -> ListDraftsResponse {
        _ = try context.actor()
        return try await store.list(request)
    }

    /// The step's one log line: `done`, or the replay line when the stored reply was sent again.
    private func log<Response>(_ context: ServerContext, _ answer: ExactlyOnce.Answer<Response>, _ done: Logger.Message,
                               draft: Draft, actor: ActorIdentity) {
        answer.log(context.logger, done: done, metadata: [
            LogKey.draftID: .string(draft.id),
            LogKey.letterID: .string(draft.letterID),
            LogKey.actorID: .string(actor.id),
            LogKey.revision: .stringConvertible(draft.latestRevision),
            "draft.state": .string("\(draft.state)"),
        ])
    }
}
