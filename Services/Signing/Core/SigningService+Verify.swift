import Domain
import Foundation
import GRDB
import Wire

/// Queries and verification (no actor needed).
extension SigningService {
    public func signature(_ request: GetSignatureRequest) async throws -> SignatureRecord {
        try await record("signature", id: request.signatureId, idField: "signature_id", letterID: request.letterId,
                         byID: { try SigningRecords.signature($0, id: $1) },
                         latest: { try SigningRecords.latestSignature($0, letterId: $1) }, noneForLetter: "has no signature")
    }

    /// The Get* requests' rule: the record of `kind` with the id when one is given, else the
    /// letter's latest one; NOT_FOUND when there is none, INVALID_ARGUMENT when neither is given.
    func record<Record: Sendable>(_ kind: String, id: String, idField: String, letterID: String,
                                  byID: @escaping @Sendable (Database, String) throws -> Record?,
                                  latest: @escaping @Sendable (Database, String) throws -> Record?,
                                  noneForLetter: String) async throws -> Record {
        try await database.read { db in
            if !id.isEmpty {
                guard let record = try byID(db, id) else { throw SigningError(.notFound, "\(idField): no \(kind) \(id)") }
                return record
            }
            if letterID.isEmpty { throw SigningError.invalid(idField, "give \(idField) or letter_id") }
            guard let record = try latest(db, letterID) else {
                throw SigningError(.notFound, "letter_id: letter \(letterID) \(noneForLetter)")
            }
            return record
        }
    }

    public func listPublicKeys(_ request: ListPublicKeysRequest) async throws -> ListPublicKeysResponse {
        let now = clock.nowUnixMillis()
        return try await database.read { db in
            var response = try SigningRecords.published(db, signerId: request.signerId)
            response.generatedAtUnixMillis = now
            return response
        }
    }

    public func verify(_ request: VerifyRequest) async throws -> VerifyResponse {
        var envelope = request.envelope
        var signature = request.signature
        if !request.signatureId.isEmpty {
            let record = try await self.signature(GetSignatureRequest(signatureId: request.signatureId))
            envelope = record.envelope
            signature = record.signature
        } else if envelope.isEmpty || signature.isEmpty {
            throw SigningError.invalid("signature_id", "give signature_id, or envelope and signature")
        }
        var contentDigest: Data?
        if let content = request.content {
            contentDigest = try content.digest()
        } else if !request.contentDigest.isEmpty {
            guard request.contentDigest.count == 32 else { throw SigningError.invalid("content_digest", "must be 32 bytes (SHA-256)") }
            contentDigest = request.contentDigest
        }
        let published = try await listPublicKeys(ListPublicKeysRequest())
        let report = published.verifier.verify(envelopeBytes: envelope, signature: signature, contentDigest: contentDigest,
                                               letterId: request.letterId.isEmpty ? nil : request.letterId)
        var summary: String
        if report.valid, let fields = report.envelope {
            summary = "valid: letter \(fields.letterId) signed by \(report.signer?.name ?? fields.signerId)"
            if let delegation = report.delegation {
                let head = published.signers.first { $0.id == delegation.fromSignerId }
                summary += " as \(delegation.kind.label) on behalf of \(head?.name ?? delegation.fromSignerId)"
            }
            summary += " at \(fields.signedAt.formatted(.iso8601))"
        } else {
            summary = "invalid: " + (report.firstProblem.map { "\($0.name): \($0.detail)" } ?? "no checks ran")
        }
        return VerifyResponse(valid: report.valid, checks: report.checks, fields: report.envelope, signer: report.signer,
                              key: report.key, delegation: report.delegation, summary: summary)
    }
}
