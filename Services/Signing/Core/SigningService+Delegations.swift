import Domain
import Foundation
import GRDB
import ServiceKit
import Wire

/// Plh/Plt delegations of the Camat's signing authority (admin), on `ExactlyOnce` by request id.
extension SigningService {
    public func createDelegation(_ request: CreateDelegationRequest, caller: SigningCaller) async throws -> DelegationResponse {
        try Self.requireAdmin(caller, "create a delegation")
        try Self.validateRequestId(request.requestId)
        if request.fromSignerId.isEmpty { throw SigningError.invalid("from_signer_id", "is required") }
        if request.toSignerId.isEmpty { throw SigningError.invalid("to_signer_id", "is required") }
        if request.fromSignerId == request.toSignerId { throw SigningError.invalid("to_signer_id", "must differ from from_signer_id") }
        if request.kind == .unspecified { throw SigningError.invalid("kind", "is required (DELEGATION_KIND_PLH or DELEGATION_KIND_PLT)") }
        if request.reference.count > 200 { throw SigningError.invalid("reference", "is longer than 200 characters") }
        let now = clock.nowUnixMillis()
        let validFrom = request.validFromUnixMillis == 0 ? now : request.validFromUnixMillis
        if request.validUntilUnixMillis <= validFrom {
            throw SigningError.invalid("valid_until_unix_millis", "must be after valid_from_unix_millis")
        }
        let answer = try await once(
            method: SigningAPI.createDelegation.fullName, requestID: request.requestId, fingerprint: try SigningRecords.fingerprint(request)
        ) { db in
            guard let head = try SigningRecords.signer(db, id: request.fromSignerId) else {
                throw SigningError(.notFound, "from_signer_id: no signer \(request.fromSignerId)")
            }
            guard head.role == Role.camat.rawValue else {
                throw SigningError(.failedPrecondition, "from_signer_id: \(head.id) is not a Camat signer; only the Camat's signing authority can be delegated")
            }
            guard try SigningRecords.signer(db, id: request.toSignerId) != nil else {
                throw SigningError(.notFound, "to_signer_id: no signer \(request.toSignerId); register the acting official as a signer first")
            }
            let id = "dlg-" + UUID().uuidString.lowercased()
            try db.execute(sql: """
                INSERT INTO delegation (id, from_signer_id, to_signer_id, kind, valid_from, valid_until, reference, created_at, created_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, request.fromSignerId, request.toSignerId, request.kind.rawValue, validFrom,
                                 request.validUntilUnixMillis, request.reference, now, caller.actorId])
            return DelegationResponse(delegation: try SigningRecords.delegation(db, id: id) ?? PublishedDelegation())
        }
        answer.log(logger, done: "delegation created", metadata: [
            "delegation.id": "\(answer.response.delegation.delegationId)", "signer.id": "\(request.toSignerId)"])
        return answer.response
    }

    public func revokeDelegation(_ request: RevokeDelegationRequest, caller: SigningCaller) async throws -> DelegationResponse {
        try Self.requireAdmin(caller, "revoke a delegation")
        try Self.validateRequestId(request.requestId)
        if request.delegationId.isEmpty { throw SigningError.invalid("delegation_id", "is required") }
        let now = clock.nowUnixMillis()
        let answer = try await once(
            method: SigningAPI.revokeDelegation.fullName, requestID: request.requestId, fingerprint: try SigningRecords.fingerprint(request)
        ) { db in
            guard let delegation = try SigningRecords.delegation(db, id: request.delegationId) else {
                throw SigningError(.notFound, "delegation_id: no delegation \(request.delegationId)")
            }
            if delegation.revokedAtUnixMillis != 0 {
                throw SigningError(.failedPrecondition, "delegation \(delegation.delegationId) is already revoked")
            }
            try db.execute(sql: "UPDATE delegation SET revoked_at = ? WHERE id = ?", arguments: [now, request.delegationId])
            return DelegationResponse(delegation: try SigningRecords.delegation(db, id: request.delegationId) ?? PublishedDelegation())
        }
        answer.log(logger, done: "delegation revoked", metadata: ["delegation.id": "\(request.delegationId)"])
        return answer.response
    }
}
