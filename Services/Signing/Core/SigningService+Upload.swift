import Domain
import Foundation
import GRDB
import ServiceKit
import Wire

/// SOP step 4: a letter revision initialled by the drafter and the Sekretaris is uploaded for signature.
/// On `ExactlyOnce` by request id and by natural key (letter, revision digest, parafs, uploader). The
/// stored reply is the signing request's id, not the record: the content (up to the message limit) is
/// stored once, and a replay answers with the signing request as it is now.
extension SigningService {
    public func upload(_ request: UploadForSignatureRequest, caller: SigningCaller) async throws -> SigningRequestRecord {
        guard policy.uploadRoles.contains(caller.actorRole) else {
            throw SigningError(.permissionDenied, "uploading for signature (SOP step 4) needs role \(policy.uploadRoles.joined(separator: " or ")), caller has \"\(caller.actorRole)\"")
        }
        try Self.validateRequestId(request.requestId)
        try Self.validateIdentifier(request.letterId, field: "letter_id")
        let content: LetterContent
        do {
            content = try request.content.validated()
        } catch {
            throw SigningError.invalid(error.field, error.problem)
        }
        let digest = try content.digest()
        if !request.revisionDigest.isEmpty && request.revisionDigest != digest {
            throw SigningError.invalid("revision_digest", "does not match the SHA-256 of the content's canonical bytes (\(LetterContent.hex(digest)))")
        }
        let drafter = try Self.checkParaf(request.drafterParaf, field: "drafter_paraf", role: .drafter, digest: digest)
        let sekretaris = try Self.checkParaf(request.sekretarisParaf, field: "sekretaris_paraf", role: .sekretaris, digest: digest)
        let encoder = ProtobufEncoder()
        let contentBytes = try content.canonicalBytes()
        let drafterBytes = try encoder.encode(drafter)
        let sekretarisBytes = try encoder.encode(sekretaris)
        let answer = try await once(
            method: SigningAPI.uploadForSignature.fullName, requestID: request.requestId, fingerprint: try SigningRecords.fingerprint(request),
            naturalKey: try Self.uploadNaturalKey(letterId: request.letterId, digest: digest, drafter: drafter, sekretaris: sekretaris,
                                                  uploader: caller.actorId)
        ) { db in
            if let existing = try String.fetchOne(db, sql: "SELECT id FROM signing_request WHERE letter_id = ? AND revision_digest = ?",
                                                  arguments: [request.letterId, digest]) {
                throw SigningError(.alreadyExists, "letter \(request.letterId) revision \(LetterContent.hex(digest)) is already uploaded as signing request \(existing)")
            }
            let id = UUID().uuidString.lowercased()
            try db.execute(sql: """
                INSERT INTO signing_request (id, letter_id, revision_digest, content, drafter_paraf, sekretaris_paraf, uploaded_by, uploaded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, request.letterId, digest, Data(contentBytes), Data(drafterBytes), Data(sekretarisBytes), caller.actorId,
                                 self.clock.nowUnixMillis()])
            return SigningRequestReference(signingRequestId: id)
        }
        answer.log(logger, done: "letter uploaded for signature", metadata: [
            "letter.id": "\(request.letterId)", "signing_request.id": "\(answer.response.signingRequestId)"])
        return try await signingRequest(GetSigningRequestRequest(signingRequestId: answer.response.signingRequestId))
    }

    /// The upload as a step: this letter revision with these parafs, by this uploader. The content is
    /// named by its digest, so the key is small and the same content under a new request id matches.
    static func uploadNaturalKey(letterId: String, digest: Data, drafter: Paraf, sekretaris: Paraf, uploader: String) throws -> NaturalKey {
        try NaturalKey(["letter", letterId, "revision", LetterContent.hex(digest)],
                       asking: UploadForSignatureRequest(letterId: letterId, revisionDigest: digest, drafterParaf: drafter,
                                                         sekretarisParaf: sekretaris),
                       actorID: uploader)
    }

    private static func checkParaf(_ paraf: Paraf?, field: String, role: Role, digest: Data) throws -> Paraf {
        let who = role == .drafter ? "the drafter's" : "the Sekretaris'"
        guard let paraf, !paraf.revisionDigest.isEmpty else {
            throw SigningError(.failedPrecondition, "\(field): the revision carries no paraf of \(who); only a revision initialled by both the drafter and the Sekretaris can be uploaded")
        }
        guard paraf.role == role.rawValue else {
            throw SigningError(.failedPrecondition, "\(field): paraf was given in role \"\(paraf.role)\", \(who) paraf needs role \(role.rawValue)")
        }
        guard paraf.revisionDigest == digest else {
            throw SigningError(.failedPrecondition, "\(field): \(who) paraf is on revision \(LetterContent.hex(paraf.revisionDigest)), not on the uploaded revision \(LetterContent.hex(digest))")
        }
        if paraf.actor.id.isEmpty { throw SigningError.invalid("\(field).actor.id", "is required") }
        return paraf
    }

    public func signingRequest(_ request: GetSigningRequestRequest) async throws -> SigningRequestRecord {
        try await record("signing request", id: request.signingRequestId, idField: "signing_request_id", letterID: request.letterId,
                         byID: { try SigningRecords.signingRequest($0, id: $1) },
                         latest: { try SigningRecords.latestSigningRequest($0, letterId: $1) },
                         noneForLetter: "has not been uploaded for signature")
    }
}
