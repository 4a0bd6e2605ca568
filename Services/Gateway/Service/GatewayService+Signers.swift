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

    /// Registers the signer as PENDING (issue 11, item 8): the key is made only when the user sets its
    /// passphrase themself (`activateSigningKey`), so an admin alone never creates a key that signs.
    func registerSigner(_ request: GatewayAPI.RegisterSignerRequest, _ context: ServerContext) async throws -> GatewayAPI.SignerInfo {
        let admin = try await adminActor(context)
        try Idempotency.validate(requestID: request.requestID)
        guard request.passphrase.isEmpty else {
            throw InvalidFieldError("passphrase", "must be empty: an admin no longer sets a signer's passphrase; the signer sets it, signed in as themself, with ActivateSigningKey (surat signer activate)")
        }
        try TextCheck.rejectControlCharacters(request.position, "position")
        let user = try await store.user(request.userID)
        let position = request.position.isEmpty ? user.role.rawValue : request.position.trimmingCharacters(in: .whitespaces)
        // The signing service's rules for a signer (SigningService.validateSigner), checked now so that
        // the signer's activation cannot fail on what the admin entered.
        guard user.nip.count == 18, user.nip.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw InvalidFieldError("user_id", "user \(user.id) has no 18-digit NIP (a signer needs one: set it on the user)")
        }
        guard user.role != .admin, user.role != .auditor else {
            throw InvalidFieldError("user_id", "user \(user.id) has role \(user.role.rawValue), which never signs")
        }
        guard position.unicodeScalars.count <= 200 else { throw InvalidFieldError("position", "must be at most 200 characters") }
        let registration = try await store.requestSigner(userID: user.id, position: position, by: admin, requestID: request.requestID)
        context.logger.info("signer registered, waiting for the signer to activate the key", metadata: ["signer.id": .string(user.id)])
        try await audit(context, "RegisterSigner", target: "signer:\(user.id)", detail: "position=\(position) pending",
                        requestID: request.requestID)
        return Self.pendingSignerInfo(registration, user: user)
    }

    static func pendingSignerInfo(_ registration: SignerRegistration, user: User) -> GatewayAPI.SignerInfo {
        var info = GatewayAPI.SignerInfo()
        info.signerID = user.id
        info.userID = user.id
        info.name = user.name
        info.nip = user.nip
        info.position = registration.position
        info.pending = true
        return info
    }

    /// The signer, as themself, sets the passphrase of the key an admin registered them for; the signing
    /// service makes the key now, asked as the signer (it registers a signer for an admin or for the signer
    /// themself), so its records name the signer as the key's maker.
    func activateSigningKey(_ request: GatewayAPI.ActivateSigningKeyRequest, _ context: ServerContext) async throws -> GatewayAPI.SignerInfo {
        let backends = try requireBackends()
        let caller = try await caller(context)
        try Idempotency.validate(requestID: request.requestID)
        guard !request.passphrase.isEmpty else { throw InvalidFieldError("passphrase", "is required: the passphrase of your new signing key") }
        let user = caller.user
        guard let registration = try await store.signerRegistration(userID: user.id) else {
            throw GatewayError(.failedPrecondition, "no signer registration waits for \(user.id): an admin registers you as a signer first (RegisterSigner)")
        }
        if registration.activatedAt != nil {
            throw GatewayError(.failedPrecondition, "the signing key of \(user.id) is already active (key \(registration.keyID))")
        }
        let signer = PublishedSigner(id: user.id, name: user.name, nip: user.nip, position: registration.position,
                                     role: user.role.rawValue)
        let me = GatewayCore.Actor(id: user.id, name: user.name, role: user.role)
        let answer: RegisterSignerResponse
        do {
            answer = try await backends.call(
                backends.signing, "signing", SigningAPI.registerSigner,
                Domain.RegisterSignerRequest(
                    requestId: BackendRequestID.derive(requestID: request.requestID, letterID: "", operation: "ActivateSigningKey"),
                    signer: signer, passphrase: request.passphrase),
                as: me)
        } catch let error as RPCError where error.code == .alreadyExists {
            // Made under a request id whose reply was lost (the gateway stopped before recording it):
            // adopt the signer's published key.
            let published = try await backends.call(backends.signing, "signing", SigningAPI.listPublicKeys,
                                                    ListPublicKeysRequest(), as: me)
            guard let found = published.signers.first(where: { $0.id == user.id }),
                  let key = published.keys.last(where: { $0.signerId == user.id }) else { throw error }
            answer = RegisterSignerResponse(signer: found, key: key)
        }
        try await store.markSignerActivated(userID: user.id, keyID: answer.key.keyId)
        context.logger.notice("signing key activated by the signer", metadata: ["signer.id": .string(user.id), "key.id": .string(answer.key.keyId)])
        try await audit(context, "ActivateSigningKey", target: "signer:\(user.id)", detail: "key=\(answer.key.keyId)",
                        requestID: request.requestID)
        return Self.signerInfo(answer.signer, key: answer.key)
    }

    func listSigners(_ request: GatewayAPI.ListSignersRequest, _ context: ServerContext) async throws -> GatewayAPI.ListSignersReply {
        let backends = try requireBackends()
        let admin = try await adminActor(context)
        let published = try await backends.call(backends.signing, "signing", SigningAPI.listPublicKeys,
                                                ListPublicKeysRequest(), as: admin)
        // Registered signers whose key the user has not activated yet.
        var pending: [GatewayAPI.SignerInfo] = []
        for registration in try await store.signerRegistrations() where registration.activatedAt == nil
            && !published.signers.contains(where: { $0.id == registration.userID }) {
            pending.append(Self.pendingSignerInfo(registration, user: try await store.user(registration.userID)))
        }
        let nowMillis = Int64(store.now().timeIntervalSince1970 * 1000)
        return GatewayAPI.ListSignersReply(signers: published.signers.map { signer in
            let current = published.keys.last { key in
                key.signerId == signer.id && key.revokedAtUnixMillis == 0
                    && (key.validUntilUnixMillis == 0 || key.validUntilUnixMillis > nowMillis)
            }
            return Self.signerInfo(signer, key: current)
        } + pending)
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
