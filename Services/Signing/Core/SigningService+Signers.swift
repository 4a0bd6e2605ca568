import Domain
import Foundation
import GRDB
import ServiceKit
import Wire

/// Signer registration and key administration (admin), and the signer's own passphrase change.
/// Each runs on `ExactlyOnce` by request id; the key generation or scrypt is its prepare phase.
extension SigningService {
    public func registerSigner(_ request: RegisterSignerRequest, caller: SigningCaller,
                               deadline: ContinuousClock.Instant? = nil) async throws -> RegisterSignerResponse {
        // An admin, or the signer themself in their own role: the gateway makes a key only when the signer
        // an admin registered sets its passphrase (Gateway.ActivateSigningKey, issue 11 item 8).
        if caller.actorId != request.signer.id || caller.actorRole != request.signer.role {
            try Self.requireAdmin(caller, "register a signer other than yourself")
        }
        try Self.validateRequestId(request.requestId)
        try Self.validateSigner(request.signer)
        try validatePassphrase(request.passphrase, field: "passphrase")
        var blank = request
        blank.passphrase = ""
        let signer = request.signer
        let answer = try await once(
            method: SigningAPI.registerSigner.fullName, requestID: request.requestId, fingerprint: try SigningRecords.fingerprint(blank),
            prepare: {
                try await KeyVault.generate(passphrase: request.passphrase, cost: self.policy.scrypt, scheduler: self.kdf, deadline: deadline)
            },
            perform: { db, generated in
                let now = self.clock.nowUnixMillis()
                if try SigningRecords.signer(db, id: signer.id) != nil {
                    throw SigningError(.alreadyExists, "signer.id: signer \(signer.id) is already registered")
                }
                try db.execute(sql: "INSERT INTO signer (id, name, nip, position, role, registered_at) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [signer.id, signer.name, signer.nip, signer.position, signer.role, now])
                try SigningRecords.insertKey(db, signerId: signer.id, generated: generated, at: now)
                try SigningRecords.securityEvent(db, at: now, signerId: signer.id, event: "key_created", detail: generated.keyId)
                return try Self.registration(db, keyId: generated.keyId)
            })
        answer.log(logger, done: "signer registered", metadata: [
            "signer.id": "\(signer.id)", "signer.role": "\(signer.role)", "key.id": "\(answer.response.key.keyId)"])
        return answer.response
    }

    static func registration(_ db: Database, keyId: String) throws -> RegisterSignerResponse {
        guard let key = try SigningRecords.key(db, id: keyId), let signer = try SigningRecords.signer(db, id: key.published.signerId) else {
            throw SigningError(.internalError, "registration record is incomplete")
        }
        return RegisterSignerResponse(signer: signer, key: key.published)
    }

    /// What ChangePassphrase prepares outside the write transaction: the key it unlocked and its new seal.
    struct Resealed: Sendable {
        var key: StoredKey
        var sealed: SealedPrivateKey
    }

    /// The signer themself re-encrypts their current key under a new passphrase. Wrong current
    /// passphrases count towards the same lockout as signing (it is the same guessing oracle).
    public func changePassphrase(_ request: ChangePassphraseRequest, caller: SigningCaller,
                                 deadline: ContinuousClock.Instant? = nil) async throws -> ChangePassphraseResponse {
        try Self.validateRequestId(request.requestId)
        let signerId = request.signerId.isEmpty ? caller.actorId : request.signerId
        guard signerId == caller.actorId, !signerId.isEmpty else {
            throw SigningError(.permissionDenied, "signer_id: only the signer themself may change their passphrase")
        }
        if request.currentPassphrase.isEmpty { throw SigningError.invalid("current_passphrase", "is required") }
        try validatePassphrase(request.newPassphrase, field: "new_passphrase")
        let fingerprint = try SigningRecords.fingerprint(ChangePassphraseRequest(requestId: request.requestId, signerId: signerId))
        return try await locks.withLock(signerId) {
            var unlockLogger = self.logger
            unlockLogger[metadataKey: "request.id"] = "\(request.requestId)"
            let logger = unlockLogger
            let answer = try await self.once(
                method: SigningAPI.changePassphrase.fullName, requestID: request.requestId, fingerprint: fingerprint,
                prepare: {
                    let key = try await self.usableKey(signerId: signerId)
                    let privateKey = try await self.unlock(key, signerId: signerId, passphrase: request.currentPassphrase,
                                                           deadline: deadline, logger: logger)
                    let sealed = try await KeyVault.seal(privateKey, keyId: key.published.keyId, passphrase: request.newPassphrase,
                                                         cost: self.policy.scrypt, scheduler: self.kdf, deadline: deadline)
                    return Resealed(key: key, sealed: sealed)
                },
                perform: { db, resealed in
                    let now = self.clock.nowUnixMillis()
                    let keyId = resealed.key.published.keyId
                    try db.execute(sql: """
                        UPDATE signing_key SET kdf_log2_n = ?, kdf_block_size = ?, kdf_parallelism = ?, kdf_salt = ?,
                               sealed_private_key = ?, passphrase_changed_at = ?
                        WHERE key_id = ? AND sealed_private_key IS NOT NULL
                        """, arguments: [resealed.sealed.cost.log2N, resealed.sealed.cost.blockSize, resealed.sealed.cost.parallelism,
                                         resealed.sealed.salt, resealed.sealed.box, now, keyId])
                    guard db.changesCount == 1 else {
                        throw SigningError(.failedPrecondition, "key \(keyId) was rotated or revoked meanwhile")
                    }
                    try SigningRecords.securityEvent(db, at: now, signerId: signerId, event: "passphrase_changed", detail: keyId)
                    return ChangePassphraseResponse(keyId: keyId, changedAtUnixMillis: now)
                })
            answer.log(self.logger, done: "passphrase changed", metadata: ["signer.id": "\(signerId)", "key.id": "\(answer.response.keyId)"])
            return answer.response
        }
    }

    /// A new key pair replaces the current one. The old public key stays published with
    /// `validUntil` = now (old signatures stay verifiable); its sealed private key is erased.
    public func rotateKey(_ request: RotateKeyRequest, caller: SigningCaller, deadline: ContinuousClock.Instant? = nil) async throws -> RotateKeyResponse {
        try Self.requireAdmin(caller, "rotate a key")
        try Self.validateRequestId(request.requestId)
        if request.signerId.isEmpty { throw SigningError.invalid("signer_id", "is required") }
        try validatePassphrase(request.newPassphrase, field: "new_passphrase")
        let answer = try await once(
            method: SigningAPI.rotateKey.fullName, requestID: request.requestId,
            fingerprint: try SigningRecords.fingerprint(RotateKeyRequest(requestId: request.requestId, signerId: request.signerId)),
            prepare: {
                try await KeyVault.generate(passphrase: request.newPassphrase, cost: self.policy.scrypt, scheduler: self.kdf, deadline: deadline)
            },
            perform: { db, generated in
                let now = self.clock.nowUnixMillis()
                guard try SigningRecords.signer(db, id: request.signerId) != nil else {
                    throw SigningError(.notFound, "signer_id: no signer \(request.signerId)")
                }
                let old = try SigningRecords.currentKey(db, signerId: request.signerId)
                if let old {
                    // Two rotations in the same millisecond would give the old key an empty validity.
                    guard now > old.published.validFromUnixMillis else {
                        throw SigningError(.failedPrecondition, "key \(old.published.keyId) was created this millisecond; retry")
                    }
                    try db.execute(sql: """
                        UPDATE signing_key SET valid_until = ?, sealed_private_key = NULL, kdf_salt = NULL WHERE key_id = ?
                        """, arguments: [now, old.published.keyId])
                }
                try SigningRecords.insertKey(db, signerId: request.signerId, generated: generated, at: now)
                try SigningRecords.securityEvent(db, at: now, signerId: request.signerId, event: "key_rotated",
                                                 detail: "\(old?.published.keyId ?? "-") -> \(generated.keyId)")
                return try Self.rotation(db, oldKeyId: old?.published.keyId ?? "", newKeyId: generated.keyId)
            })
        answer.log(logger, done: "key rotated", metadata: ["signer.id": "\(request.signerId)", "key.id": "\(answer.response.newKey.keyId)"])
        return answer.response
    }

    static func rotation(_ db: Database, oldKeyId: String, newKeyId: String) throws -> RotateKeyResponse {
        var response = RotateKeyResponse()
        if let old = try SigningRecords.key(db, id: oldKeyId) { response.oldKey = old.published }
        if let new = try SigningRecords.key(db, id: newKeyId) { response.newKey = new.published }
        return response
    }

    /// Signatures made at or after the revocation time are invalid; the private key is erased.
    public func revokeKey(_ request: RevokeKeyRequest, caller: SigningCaller) async throws -> RevokeKeyResponse {
        try Self.requireAdmin(caller, "revoke a key")
        try Self.validateRequestId(request.requestId)
        if request.keyId.isEmpty { throw SigningError.invalid("key_id", "is required") }
        if request.reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw SigningError.invalid("reason", "is required") }
        if request.reason.count > 500 { throw SigningError.invalid("reason", "is longer than 500 characters") }
        let now = clock.nowUnixMillis()
        let effective = request.effectiveAtUnixMillis == 0 ? now : request.effectiveAtUnixMillis
        if effective > now { throw SigningError.invalid("effective_at_unix_millis", "is in the future; revoke when it takes effect") }
        let answer = try await once(
            method: SigningAPI.revokeKey.fullName, requestID: request.requestId, fingerprint: try SigningRecords.fingerprint(request)
        ) { db in
            guard let key = try SigningRecords.key(db, id: request.keyId) else {
                throw SigningError(.notFound, "key_id: no key \(request.keyId)")
            }
            if key.published.revokedAtUnixMillis != 0 {
                throw SigningError(.failedPrecondition, "key \(request.keyId) is already revoked")
            }
            if effective < key.published.validFromUnixMillis {
                throw SigningError.invalid("effective_at_unix_millis", "is before the key became valid")
            }
            try db.execute(sql: """
                UPDATE signing_key SET revoked_at = ?, revocation_reason = ?, sealed_private_key = NULL, kdf_salt = NULL WHERE key_id = ?
                """, arguments: [effective, request.reason, request.keyId])
            try SigningRecords.securityEvent(db, at: now, signerId: key.published.signerId, event: "key_revoked", detail: request.keyId)
            return RevokeKeyResponse(key: try SigningRecords.key(db, id: request.keyId)?.published ?? PublishedKey())
        }
        if answer.replayed {
            answer.log(logger, done: "key revoked")
        } else {
            logger.notice("key revoked", metadata: ["key.id": "\(request.keyId)", "request.id": "\(request.requestId)"])
        }
        return answer.response
    }
}
