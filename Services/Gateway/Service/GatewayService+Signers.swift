import Domain
import Foundation
import GatewayCore
import RPC
import ServiceKit

// GatewayAdmin methods that manage signers in the signing service. Signer ids are gateway user ids, so
// the signing service can match the `surat-actor-id` of a Sign call to its signer.
extension GatewayService {
    func adminActor(_ context: ServerContext) async throws -> GatewayCore.Actor {
        let user = try await caller(context)
        return try user.actor(for: .admin, action: "signer administration")
    }

    static func signerInfo(_ signer: PublishedSigner, key: PublishedKey?) -> GatewayAPI.SignerInfo {
        var info = GatewayAPI.SignerInfo()
        info.signerID = signer.id
        info.userID = signer.id
        info.name = signer.name
        info.nip = signer.nip
        info.position = signer.position
        info.keyID = key?.keyId ?? ""
        info.algorithm = key?.algorithm ?? ""
        return info
    }

    func registerSigner(_ request: GatewayAPI.RegisterSignerRequest, _ context: ServerContext) async throws -> GatewayAPI.SignerInfo {
        let backends = try requireBackends()
        let admin = try await adminActor(context)
        try Idempotency.validate(requestID: request.requestID)
        let user = try await store.user(request.userID)
        guard !request.passphrase.isEmpty else { throw InvalidFieldError("passphrase", "is required") }
        let signer = PublishedSigner(id: user.id, name: user.name, nip: user.nip,
                                     position: request.position.isEmpty ? user.role.rawValue : request.position,
                                     role: user.role.rawValue)
        let answer = try await backends.call(
            backends.signing, "signing", SigningAPI.registerSigner,
            Domain.RegisterSignerRequest(
                requestId: BackendRequestID.derive(requestID: request.requestID, letterID: "", operation: "RegisterSigner"),
                signer: signer, passphrase: request.passphrase),
            as: admin)
        context.logger.info("signer registered", metadata: ["signer.id": .string(answer.signer.id), "key.id": .string(answer.key.keyId)])
        try await audit(context, "RegisterSigner", target: "signer:\(answer.signer.id)",
                        detail: "position=\(answer.signer.position) key=\(answer.key.keyId)", requestID: request.requestID)
        return Self.signerInfo(answer.signer, key: answer.key)
    }

    func listSigners(_ request: GatewayAPI.ListSignersRequest, _ context: ServerContext) async throws -> GatewayAPI.ListSignersReply {
        let backends = try requireBackends()
        let admin = try await adminActor(context)
        let published = try await backends.call(backends.signing, "signing", SigningAPI.listPublicKeys,
                                                ListPublicKeysRequest(), as: admin)
        let nowMillis = Int64(store.now().timeIntervalSince1970 * 1000)
        return GatewayAPI.ListSignersReply(signers: published.signers.map { signer in
            let current = published.keys.last { key in
                key.signerId == signer.id && key.revokedAtUnixMillis == 0
                    && (key.validUntilUnixMillis == 0 || key.validUntilUnixMillis > nowMillis)
            }
            return Self.signerInfo(signer, key: current)
        })
    }

    func createDelegation(_ request: GatewayAPI.CreateDelegationRequest,
                          _ context: ServerContext) async throws -> GatewayAPI.DelegationInfo {
        let backends = try requireBackends()
        let admin = try await adminActor(context)
        try Idempotency.validate(requestID: request.requestID)
        let kind: DelegationKind
        switch request.kind.lowercased() {
        case "plh", "": kind = .plh
        case "plt": kind = .plt
        default: throw InvalidFieldError("kind", "must be plh or plt")
        }
        let from = request.validFrom ?? store.now()
        guard let until = request.validUntil else { throw InvalidFieldError("valid_until", "is required") }
        let answer = try await backends.call(
            backends.signing, "signing", SigningAPI.createDelegation,
            Domain.CreateDelegationRequest(
                requestId: BackendRequestID.derive(requestID: request.requestID, letterID: "", operation: "CreateDelegation"),
                fromSignerId: request.fromUserID, toSignerId: request.toUserID, kind: kind,
                validFromUnixMillis: Int64(from.timeIntervalSince1970 * 1000),
                validUntilUnixMillis: Int64(until.timeIntervalSince1970 * 1000)),
            as: admin)
        try await audit(context, "CreateDelegation", target: "delegation:\(answer.delegation.delegationId)",
                        detail: "kind=\(kind.label.lowercased()) from=\(request.fromUserID) to=\(request.toUserID) valid_from=\(Self.auditTime(from)) valid_until=\(Self.auditTime(until))",
                        requestID: request.requestID)
        var info = GatewayAPI.DelegationInfo()
        info.delegationID = answer.delegation.delegationId
        info.fromUserID = answer.delegation.fromSignerId
        info.toUserID = answer.delegation.toSignerId
        info.kind = answer.delegation.kind.label.lowercased()
        info.validFrom = Date(timeIntervalSince1970: Double(answer.delegation.validFromUnixMillis) / 1000)
        info.validUntil = Date(timeIntervalSince1970: Double(answer.delegation.validUntilUnixMillis) / 1000)
        return info
    }

    func registerSignerAdmin(_ admin: inout ServiceDescriptor) {
        admin.unary(GatewayAPI.registerSigner, registerSigner)
        admin.unary(GatewayAPI.listSigners, listSigners)
        admin.unary(GatewayAPI.createDelegation, createDelegation)
    }
}
