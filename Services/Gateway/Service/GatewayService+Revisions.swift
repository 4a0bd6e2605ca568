import Domain
import Foundation
import GatewayCore
import RPC

extension GatewayService {
    /// GetDraft for a past revision chosen by digest: the draft lists every revision's number and
    /// digest (content only for the latest), so the content comes from drafting's GetRevision.
    func pastRevisionReply(_ journey: GatewayCore.Journey, _ draft: Draft, digest: Data,
                           actor: GatewayCore.Actor) async throws -> GatewayAPI.DraftReply {
        let backends = try requireBackends()
        guard let summary = draft.revisions.first(where: { $0.digest == digest }) else {
            throw GatewayError.notFound("revision with digest \(Self.hex(digest)) of letter \(journey.letterID)")
        }
        let revision = try await backends.call(backends.drafting, "drafting", DraftingAPI.getRevision,
                                               GetRevisionRequest(draftID: draft.id, number: summary.number), as: actor)
        var reply = GatewayAPI.DraftReply()
        reply.journey = GatewayAPI.Journey(journey, now: store.now())
        reply.draftID = draft.id
        reply.revision = revision.number
        reply.revisionDigest = revision.digest
        reply.content = revision.content
        return reply
    }
}
