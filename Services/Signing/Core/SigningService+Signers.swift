import Domain
import Foundation
import GRDB
import Wire

/// Signer registration and key administration (admin), and the signer's own passphrase change.
extension SigningService {
    public func registerSigner(_ request: RegisterSignerRequest, caller: SigningCaller,
                               deadline: ContinuousClock.Instant? = nil) async throws -> RegisterSignerResponse {
        try Self.requireAdmin(caller, "register a signer")
        try Self.validateRequestId(request.requestId)
        try Self.validateSigner(request.signer)
        try validatePassphrase(request.passphrase, field: "passphrase")
        var blank = request
        blank.passphrase = ""
        let fingerprint = try SigningRecords.fingerprint(blank)
        let method = "RegisterSigner"
        if let keyId = try await database.read({ db in
            try SigningRecords.replay(db, method: method, requestId: request.requestId, fingerprint: fingerprint)
        }) {
            return try await registration(keyId: keyId)
        }
        let generated = try await KeyVault.generate(passphrase: request.passphrase, cost: policy.scrypt, scheduler: kdf, deadline: deadline)
        let now = clock.nowUnixMillis()
        let signer = request.signer
        let keyId = try await database.write { db -> String in
            if let keyId = try SigningRecords.replay(db, method: method, requestId: request.requestId, fingerprint: fingerprint) {
                return keyId
            }
            if try SigningRecords.signer(db, id: signer.id) != nil {
                throw SigningError(.alreadyExists, "signer.id: signer \(signer.id) is already registered")
            }
            try db.execute(sql: "INSERT INTO signer (id, name, nip, position, role, registered_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [signer.id, signer.name, signer.nip, signer.position, signer.role, now])
            try SigningRecords.insertKey(db, signerId: signer.id, generated: generated, at: now)
            try SigningRecords.securityEvent(db, at: now, signerId: signer.id, event: "key_created", detail: generated.keyId)
            try SigningRecords.recordRequest(db, method: method, requestId: request.requestId, fingerprint: fingerprint,
                                             resultId: generated.keyId, at: now)
            return generated.keyId
        }
        logger.info("signer registered", metadata: ["signer.id": "\(signer.id)", "signer.role": "\(signer.role)",
                                                     "key.id": "\(keyId)", "request.id": "\(request.requestId)"])
        return try await registration(keyId: keyId)
    }

    private func registration(keyId: String) async throws -> RegisterSignerResponse {
        try await database.read { db in
            guard let key = try SigningRecords.key(db, id: keyId), let signer = try SigningRecords.signer(db, id: key.published.signerId) else {
                throw SigningError(.internalError, "registration record is incomplete")
            }
            return RegisterSignerResponse(signer: signer, key: key.published)
        }
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
        let method = "ChangePassphrase"
        return try await locks.withLock(signerId) {
            if let keyId = try await self.database.read({ db in
                try SigningRecords.replay(db, method: method, requestId: request.requestId, fingerprint: fingerprint)
            }) {
                return try await self.database.read { db in
                    ChangePassphraseResponse(keyId: keyId, changedAtUnixMillis: try SigningRecords.key(db, id: keyId)?.passphraseChangedAt ?? 0)
                }
            }
            let key = try await self.usableKey(signerId: signerId)
            var unlockLogger = self.logger
            unlockLogger[metadataKey: "request.id"] = "\(request.requestId)"
            let privateKey = try await self.unlock(key, signerId: signerId, passphrase: request.currentPassphrase, deadline: deadline,
                                                   logger: unlockLogger)
            let resealed = try await KeyVault.seal(privateKey, keyId: key.published.keyId, passphrase: request.newPassphrase,
                                                   cost: self.policy.scrypt, scheduler: self.kdf, deadline: deadline)
            let now = self.clock.nowUnixMillis()
            try await self.database.write { db in
                try db.execute(sql: """
                    UPDATE signing_key SET kdf_log2_n = ?, kdf_block_size = ?, kdf_parallelism = ?, kdf_salt = ?,
                           sealed_private_key = ?, passphrase_changed_at = ?
                    WHERE key_id = ? AND sealed_private_key IS NOT NULL
                    """, arguments: [resealed.cost.log2N, resealed.cost.blockSize, resealed.cost.parallelism, resealed.salt,
                                     resealed.box, now, key.published.keyId])
                guard db.changesCount == 1 else {
                    throw SigningError(.failedPrecondition, "key \(key.published.keyId) was rotated or revoked meanwhile")
                }
                try SigningRecords.securityEvent(db, at: now, signerId: signerId, event: "passphrase_changed", detail: key.published.keyId)
                try SigningRecords.recordRequest(db, method: method, requestId: request.requestId, fingerprint: fingerprint,
                                                 resultId: key.published.keyId, at: now)
            }
            self.logger.info("passphrase changed", metadata: ["signer.id": "\(signerId)", "key.id": "\(key.published.keyId)",
                                                              "request.id": "\(request.requestId)"])
            return ChangePassphraseResponse(keyId: key.published.keyId, changedAtUnixMillis: now)
        }
    }

    /// A new key pair replaces the current one. The old public key stays published with
    /// `validUntil` = now (old signatures stay verifiable); its sealed private key is erased.
    public func rotateKey(_ request: RotateKeyRequest, caller: SigningCaller, deadline: ContinuousClock.Instant? = nil) async throws -> RotateKeyResponse {
        try Self.requireAdmin(caller, "rotate a key")
        try Self.validateRequestId(request.requestId)
        if request.signerId.isEmpty { throw SigningError.invalid("signer_id", "is required") }
        try validatePassphrase(request.newPassphrase, field: "new_passphrase")
        let fingerprint = try SigningRecords.fingerprint(RotateKeyRequest(requestId: request.requestId, signerId: request.signerId))
        let method = "RotateKey"
        if let result = try await database.read({ db in
            try SigningRecords.replay(db, method: method, requestId: request.requestId, fingerprint: fingerprint)
        }) {
            return try await rotation(result: result)
        }
        let generated = try await KeyVault.generate(passphrase: request.newPassphrase, cost: policy.scrypt, scheduler: kdf, deadline: deadline)
        let now = clock.nowUnixMillis()
        let result = try await database.write { db -> String in
            if let result = try SigningRecords.replay(db, method: method, requestId: request.requestId, fingerprint: fingerprint) {
                return result
            }
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
            let result = "\(old?.published.keyId ?? "")|\(generated.keyId)"
            try SigningRecords.recordRequest(db, method: method, requestId: request.requestId, fingerprint: fingerprint, resultId: result, at: now)
            return result
        }
        logger.info("key rotated", metadata: ["signer.id": "\(request.signerId)", "key.id": "\(generated.keyId)",
                                              "request.id": "\(request.requestId)"])
        return try await rotation(result: result)
    }

    private func rotation(result: String) async throws -> RotateKeyResponse {
        let parts = result.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        return try await database.read { db in
            var response = RotateKeyResponse()
            if let old = try SigningRecords.key(db, id: parts[0]) { response.oldKey = old.published }
            if parts.count > 1, let new = try SigningRecords.key(db, id: parts[1]) { response.newKey = new.published }
            return response
        }
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
        let fingerprint = try SigningRecords.fingerprint(request)
        let method = "RevokeKey"
        let keyId = try await database.write { db -> String in
            if let keyId = try SigningRecords.replay(db, method: method, requestId: request.requestId, fingerprint: fingerprint) {
                return keyId
            }
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
            try SigningRecords.recordRequest(db, method: method, requestId: request.requestId, fingerprint: fingerprint, resultId: request.keyId, at: now)
            return request.keyId
        }
        logger.notice("key revoked", metadata: ["key.id": "\(keyId)", "request.id": "\(request.requestId)"])
        return try await database.read { db in RevokeKeyResponse(key: try SigningRecords.key(db, id: keyId)?.published ?? PublishedKey()) }
    }
}
