import Crypto
import Domain
import Foundation
import GRDB
import Logging
import Wire

/// The signing service's operations (SOP steps 4 and 5, signer and key administration,
/// verification), independent of the RPC layer so they can be tested in-process.
///
/// Durability: every mutation is one GRDB write transaction on a database opened with
/// synchronous=FULL, and the result is returned only after it commits; the slow parts (scrypt,
/// key generation) happen before the transaction, so a crash leaves either the whole change or none.
public final class SigningService: Sendable {
    let database: any DatabaseWriter
    let policy: SigningPolicy
    let clock: SigningClock
    let logger: Logger
    let locks = SignerLocks()

    public init(database: any DatabaseWriter, policy: SigningPolicy = SigningPolicy(), clock: SigningClock = .system, logger: Logger) {
        self.database = database
        self.policy = policy
        self.clock = clock
        self.logger = logger
    }

    // MARK: - Signers and keys (admin)

    public func registerSigner(_ request: RegisterSignerRequest, caller: SigningCaller) async throws -> RegisterSignerResponse {
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
        let generated = try await KeyVault.generate(passphrase: request.passphrase, cost: policy.scrypt)
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
    public func changePassphrase(_ request: ChangePassphraseRequest, caller: SigningCaller) async throws -> ChangePassphraseResponse {
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
            let privateKey = try await self.unlock(key, signerId: signerId, passphrase: request.currentPassphrase, logger: unlockLogger)
            let resealed = try await KeyVault.seal(privateKey, keyId: key.published.keyId, passphrase: request.newPassphrase, cost: self.policy.scrypt)
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
    public func rotateKey(_ request: RotateKeyRequest, caller: SigningCaller) async throws -> RotateKeyResponse {
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
        let generated = try await KeyVault.generate(passphrase: request.newPassphrase, cost: policy.scrypt)
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

    // MARK: - Delegations (admin)

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
        let fingerprint = try SigningRecords.fingerprint(request)
        let method = "CreateDelegation"
        let id = try await database.write { db -> String in
            if let id = try SigningRecords.replay(db, method: method, requestId: request.requestId, fingerprint: fingerprint) {
                return id
            }
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
            try SigningRecords.recordRequest(db, method: method, requestId: request.requestId, fingerprint: fingerprint, resultId: id, at: now)
            return id
        }
        logger.info("delegation created", metadata: ["delegation.id": "\(id)", "signer.id": "\(request.toSignerId)",
                                                     "request.id": "\(request.requestId)"])
        return try await database.read { db in DelegationResponse(delegation: try SigningRecords.delegation(db, id: id) ?? PublishedDelegation()) }
    }

    public func revokeDelegation(_ request: RevokeDelegationRequest, caller: SigningCaller) async throws -> DelegationResponse {
        try Self.requireAdmin(caller, "revoke a delegation")
        try Self.validateRequestId(request.requestId)
        if request.delegationId.isEmpty { throw SigningError.invalid("delegation_id", "is required") }
        let now = clock.nowUnixMillis()
        let fingerprint = try SigningRecords.fingerprint(request)
        let method = "RevokeDelegation"
        let id = try await database.write { db -> String in
            if let id = try SigningRecords.replay(db, method: method, requestId: request.requestId, fingerprint: fingerprint) {
                return id
            }
            guard let delegation = try SigningRecords.delegation(db, id: request.delegationId) else {
                throw SigningError(.notFound, "delegation_id: no delegation \(request.delegationId)")
            }
            if delegation.revokedAtUnixMillis != 0 {
                throw SigningError(.failedPrecondition, "delegation \(delegation.delegationId) is already revoked")
            }
            try db.execute(sql: "UPDATE delegation SET revoked_at = ? WHERE id = ?", arguments: [now, request.delegationId])
            try SigningRecords.recordRequest(db, method: method, requestId: request.requestId, fingerprint: fingerprint,
                                             resultId: request.delegationId, at: now)
            return request.delegationId
        }
        return try await database.read { db in DelegationResponse(delegation: try SigningRecords.delegation(db, id: id) ?? PublishedDelegation()) }
    }

    // MARK: - Step 4: upload for signature

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
        let fingerprint = try SigningRecords.fingerprint(request)
        let method = "UploadForSignature"
        let encoder = ProtobufEncoder()
        let contentBytes = try content.canonicalBytes()
        let drafterBytes = try encoder.encode(drafter)
        let sekretarisBytes = try encoder.encode(sekretaris)
        let now = clock.nowUnixMillis()
        let id = try await database.write { db -> String in
            if let id = try SigningRecords.replay(db, method: method, requestId: request.requestId, fingerprint: fingerprint) {
                return id
            }
            if let existing = try String.fetchOne(db, sql: "SELECT id FROM signing_request WHERE letter_id = ? AND revision_digest = ?",
                                                  arguments: [request.letterId, digest]) {
                throw SigningError(.alreadyExists, "letter \(request.letterId) revision \(LetterContent.hex(digest)) is already uploaded as signing request \(existing)")
            }
            let id = UUID().uuidString.lowercased()
            try db.execute(sql: """
                INSERT INTO signing_request (id, letter_id, revision_digest, content, drafter_paraf, sekretaris_paraf, uploaded_by, uploaded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, request.letterId, digest, Data(contentBytes), Data(drafterBytes), Data(sekretarisBytes), caller.actorId, now])
            try SigningRecords.recordRequest(db, method: method, requestId: request.requestId, fingerprint: fingerprint, resultId: id, at: now)
            return id
        }
        logger.info("letter uploaded for signature", metadata: ["letter.id": "\(request.letterId)", "signing_request.id": "\(id)",
                                                                "request.id": "\(request.requestId)"])
        return try await signingRequest(GetSigningRequestRequest(signingRequestId: id))
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
        try await database.read { db in
            if !request.signingRequestId.isEmpty {
                guard let record = try SigningRecords.signingRequest(db, id: request.signingRequestId) else {
                    throw SigningError(.notFound, "signing_request_id: no signing request \(request.signingRequestId)")
                }
                return record
            }
            if request.letterId.isEmpty { throw SigningError.invalid("signing_request_id", "give signing_request_id or letter_id") }
            guard let record = try SigningRecords.latestSigningRequest(db, letterId: request.letterId) else {
                throw SigningError(.notFound, "letter_id: letter \(request.letterId) has not been uploaded for signature")
            }
            return record
        }
    }

    // MARK: - Step 5: sign

    /// Under what authority a signer signs at a given time.
    struct Authority: Sendable {
        var onBehalfOf: String = ""
        var delegation: PublishedDelegation?
    }

    public func sign(_ request: SignRequest, caller: SigningCaller) async throws -> SignatureRecord {
        try Self.validateRequestId(request.requestId)
        let signerId = request.signerId.isEmpty ? caller.actorId : request.signerId
        guard !signerId.isEmpty, signerId == caller.actorId else {
            throw SigningError(.permissionDenied, "signer_id: a signature can only be made by the signer themself (caller is \"\(caller.actorId)\")")
        }
        if request.signingRequestId.isEmpty && request.letterId.isEmpty {
            throw SigningError.invalid("signing_request_id", "give signing_request_id or letter_id")
        }
        if request.passphrase.isEmpty { throw SigningError.invalid("passphrase", "is required") }
        var blank = request
        blank.passphrase = ""
        blank.signerId = signerId
        let fingerprint = try SigningRecords.fingerprint(blank)
        let method = "Sign"
        var logger = self.logger
        logger[metadataKey: "request.id"] = "\(request.requestId)"
        logger[metadataKey: "signer.id"] = "\(signerId)"
        let log = logger

        return try await locks.withLock(signerId) {
            // A retry of a signature that was made returns it, without a second signature.
            if let signatureId = try await self.database.read({ db in
                try SigningRecords.replay(db, method: method, requestId: request.requestId, fingerprint: fingerprint)
            }) {
                return try await self.signature(GetSignatureRequest(signatureId: signatureId))
            }
            let now = self.clock.nowUnixMillis()
            let (target, signer, authority, key) = try await self.database.read { db in
                let target = request.signingRequestId.isEmpty
                    ? try SigningRecords.latestSigningRequest(db, letterId: request.letterId)
                    : try SigningRecords.signingRequest(db, id: request.signingRequestId)
                guard let target else {
                    throw SigningError(.notFound, request.signingRequestId.isEmpty
                        ? "letter_id: letter \(request.letterId) has not been uploaded for signature"
                        : "signing_request_id: no signing request \(request.signingRequestId)")
                }
                if let existing = target.signature {
                    throw SigningError(.failedPrecondition, "letter \(target.letterId) revision is already signed (signature \(existing.signatureId))")
                }
                guard let signer = try SigningRecords.signer(db, id: signerId) else {
                    throw SigningError(.permissionDenied, "\(signerId) is not a registered signer")
                }
                let authority = try Self.authority(db, signer: signer, caller: caller, at: now)
                return (target, signer, authority, try SigningRecords.currentKey(db, signerId: signerId))
            }
            guard let key, key.published.revokedAtUnixMillis == 0, key.sealed != nil else {
                throw SigningError(.failedPrecondition, "signer \(signerId) has no usable key (revoked or none); an admin must rotate in a new key")
            }
            var letterLog = log
            letterLog[metadataKey: "letter.id"] = "\(target.letterId)"
            let privateKey = try await self.unlock(key, signerId: signerId, passphrase: request.passphrase, logger: letterLog)

            let envelope = SigningEnvelope(letterId: target.letterId, revisionDigest: target.revisionDigest, signerId: signerId,
                                           keyId: key.published.keyId, signedAtUnixMillis: now,
                                           onBehalfOf: authority.onBehalfOf, delegationId: authority.delegation?.delegationId ?? "")
            let envelopeBytes = Data(envelope.canonicalBytes())
            let signatureBytes = try privateKey.signature(for: envelopeBytes)
            let signatureId = UUID().uuidString.lowercased()
            try await self.database.write { db in
                if try String.fetchOne(db, sql: "SELECT id FROM signature WHERE signing_request_id = ?", arguments: [target.signingRequestId]) != nil {
                    throw SigningError(.failedPrecondition, "letter \(target.letterId) revision was signed meanwhile")
                }
                // An admin may have rotated or revoked the key, or ended the delegation, while scrypt ran.
                let current = try SigningRecords.currentKey(db, signerId: signerId)
                guard current?.published.keyId == key.published.keyId, current?.published.revokedAtUnixMillis == 0 else {
                    throw SigningError(.failedPrecondition, "key \(key.published.keyId) was rotated or revoked meanwhile; retry")
                }
                let recheck = try Self.authority(db, signer: signer, caller: caller, at: now)
                guard recheck.delegation?.delegationId == authority.delegation?.delegationId else {
                    throw SigningError(.permissionDenied, "the delegation changed meanwhile; retry")
                }
                try db.execute(sql: """
                    INSERT INTO signature (id, signing_request_id, letter_id, envelope, signature, key_id, signer_id, on_behalf_of, delegation_id, signed_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [signatureId, target.signingRequestId, target.letterId, envelopeBytes, signatureBytes,
                                     key.published.keyId, signerId, envelope.onBehalfOf, envelope.delegationId, now])
                try SigningRecords.recordRequest(db, method: method, requestId: request.requestId, fingerprint: fingerprint,
                                                 resultId: signatureId, at: now)
            }
            letterLog.info("letter signed", metadata: ["signature.id": "\(signatureId)",
                                                 "key.id": "\(key.published.keyId)", "on_behalf_of": "\(envelope.onBehalfOf)",
                                                 "signer.name": "\(signer.name)"])
            return try await self.signature(GetSignatureRequest(signatureId: signatureId))
        }
    }

    /// The Camat signs in their own right; anyone else needs a delegation from a Camat that covers `now`.
    static func authority(_ db: Database, signer: PublishedSigner, caller: SigningCaller, at now: Int64) throws -> Authority {
        if signer.role == Role.camat.rawValue {
            guard caller.actorRole == Role.camat.rawValue else {
                throw SigningError(.permissionDenied, "signing (SOP step 5) needs role camat, caller has \"\(caller.actorRole)\"")
            }
            return Authority()
        }
        let delegations = try SigningRecords.delegations(db, toSignerId: signer.id)
        var problems: [String] = []
        for delegation in delegations {
            guard let head = try SigningRecords.signer(db, id: delegation.fromSignerId), head.role == Role.camat.rawValue else { continue }
            if let problem = delegation.validityProblem(atUnixMillis: now) {
                problems.append(problem.replacingOccurrences(of: " at that time", with: ""))
                continue
            }
            return Authority(onBehalfOf: head.id, delegation: delegation)
        }
        if problems.isEmpty {
            throw SigningError(.permissionDenied, "signer \(signer.id) has role \(signer.role), not camat, and holds no delegation (Plh/Plt) from the Camat")
        }
        throw SigningError(.permissionDenied, "signer \(signer.id) is not the Camat and no delegation is valid now: \(problems.joined(separator: "; "))")
    }

    // MARK: - Passphrases and lockout

    private func usableKey(signerId: String) async throws -> StoredKey {
        let key = try await database.read { db in try SigningRecords.currentKey(db, signerId: signerId) }
        guard let key, key.published.revokedAtUnixMillis == 0, key.sealed != nil else {
            throw SigningError(.failedPrecondition, "signer \(signerId) has no usable key (revoked or none); an admin must rotate in a new key")
        }
        return key
    }

    /// Unlocks the key, enforcing the lockout. Call with the signer's lock held.
    ///
    /// A wrong passphrase is PERMISSION_DENIED, not UNAUTHENTICATED: the RPC caller (the
    /// gateway, for an authenticated user) is already authenticated; the passphrase is the
    /// signer's consent to use this one key, and a client seeing UNAUTHENTICATED would rightly
    /// think its own credentials are bad. A lockout is RESOURCE_EXHAUSTED with the time it ends.
    private func unlock(_ key: StoredKey, signerId: String, passphrase: String, logger: Logger) async throws -> Curve25519.Signing.PrivateKey {
        guard let sealed = key.sealed else {
            throw SigningError(.failedPrecondition, "key \(key.published.keyId) has no private key any more")
        }
        let now = clock.nowUnixMillis()
        let lockedUntil = try await database.read { db in
            try Int64.fetchOne(db, sql: "SELECT locked_until FROM passphrase_failure WHERE signer_id = ?", arguments: [signerId]) ?? 0
        }
        if lockedUntil > now {
            logger.warning("signing attempt while locked out", metadata: ["signer.id": "\(signerId)"])
            throw Self.lockedOut(signerId, until: lockedUntil)
        }
        do {
            let privateKey = try await KeyVault.unseal(sealed, keyId: key.published.keyId, publicKey: key.published.publicKey, passphrase: passphrase)
            try await database.write { db in
                try db.execute(sql: "DELETE FROM passphrase_failure WHERE signer_id = ?", arguments: [signerId])
            }
            return privateKey
        } catch UnsealError.wrongPassphrase {
            let policy = self.policy
            let failedAt = clock.nowUnixMillis()
            let (failures, lockedUntil) = try await database.write { db -> (Int, Int64) in
                let row = try Row.fetchOne(db, sql: "SELECT failures, window_started_at FROM passphrase_failure WHERE signer_id = ?",
                                           arguments: [signerId])
                var failures = 1
                var windowStart = failedAt
                if let row, failedAt - (row["window_started_at"] as Int64) < policy.failureWindowSeconds * 1000 {
                    failures = (row["failures"] as Int) + 1
                    windowStart = row["window_started_at"]
                }
                let lockedUntil = failures >= policy.maxFailedPassphraseAttempts ? failedAt + policy.lockoutSeconds * 1000 : 0
                try db.execute(sql: """
                    INSERT INTO passphrase_failure (signer_id, failures, window_started_at, locked_until) VALUES (?, ?, ?, ?)
                    ON CONFLICT(signer_id) DO UPDATE SET failures = excluded.failures, window_started_at = excluded.window_started_at,
                                                         locked_until = excluded.locked_until
                    """, arguments: [signerId, lockedUntil != 0 ? 0 : failures, windowStart, lockedUntil])
                try SigningRecords.securityEvent(db, at: failedAt, signerId: signerId, event: lockedUntil != 0 ? "locked_out" : "wrong_passphrase",
                                                 detail: "attempt \(failures) of \(policy.maxFailedPassphraseAttempts)")
                return (failures, lockedUntil)
            }
            if lockedUntil != 0 {
                logger.warning("wrong passphrase: signer locked out", metadata: ["signer.id": "\(signerId)", "failures": "\(failures)",
                                                                                 "locked_until": "\(lockedUntil)"])
                throw Self.lockedOut(signerId, until: lockedUntil)
            }
            logger.warning("wrong passphrase", metadata: ["signer.id": "\(signerId)", "failures": "\(failures)"])
            let left = policy.maxFailedPassphraseAttempts - failures
            throw SigningError(.permissionDenied, "wrong passphrase for signer \(signerId); \(left) attempt(s) left before a \(policy.lockoutSeconds / 60)-minute lockout")
        } catch UnsealError.keyMismatch {
            logger.error("stored key does not match its public key", metadata: ["key.id": "\(key.published.keyId)"])
            throw SigningError(.internalError, "key \(key.published.keyId) is damaged in storage")
        }
    }

    private static func lockedOut(_ signerId: String, until: Int64) -> SigningError {
        let date = Date(timeIntervalSince1970: Double(until) / 1000)
        return SigningError(.resourceExhausted, "too many wrong passphrases for signer \(signerId); locked until \(date.formatted(.iso8601))",
                            retryAfterUnixMillis: until)
    }

    // MARK: - Queries and verification

    public func signature(_ request: GetSignatureRequest) async throws -> SignatureRecord {
        try await database.read { db in
            if !request.signatureId.isEmpty {
                guard let record = try SigningRecords.signature(db, id: request.signatureId) else {
                    throw SigningError(.notFound, "signature_id: no signature \(request.signatureId)")
                }
                return record
            }
            if request.letterId.isEmpty { throw SigningError.invalid("signature_id", "give signature_id or letter_id") }
            guard let record = try SigningRecords.latestSignature(db, letterId: request.letterId) else {
                throw SigningError(.notFound, "letter_id: letter \(request.letterId) has no signature")
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

    // MARK: - Validation

    private static func requireAdmin(_ caller: SigningCaller, _ action: String) throws {
        guard caller.actorRole == Role.admin.rawValue else {
            throw SigningError(.permissionDenied, "only an admin may \(action); caller has role \"\(caller.actorRole)\"")
        }
    }

    static func validateRequestId(_ id: String) throws {
        if id.isEmpty { throw SigningError.invalid("request_id", "is required (a client-chosen id that makes retries safe)") }
        if id.utf8.count > 128 { throw SigningError.invalid("request_id", "is longer than 128 bytes") }
    }

    static func validateIdentifier(_ id: String, field: String) throws {
        if id.isEmpty { throw SigningError.invalid(field, "is required") }
        if id.utf8.count > 128 { throw SigningError.invalid(field, "is longer than 128 bytes") }
        if id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == " " }) {
            throw SigningError.invalid(field, "must not contain spaces or control characters")
        }
    }

    static func validateSigner(_ signer: PublishedSigner) throws {
        try validateIdentifier(signer.id, field: "signer.id")
        if signer.name.trimmingCharacters(in: .whitespaces).isEmpty { throw SigningError.invalid("signer.name", "is required") }
        if signer.name.count > 200 { throw SigningError.invalid("signer.name", "is longer than 200 characters") }
        if signer.nip.count != 18 || !signer.nip.allSatisfy({ $0.isASCII && $0.isNumber }) {
            throw SigningError.invalid("signer.nip", "must be the 18-digit NIP, got \"\(signer.nip)\"")
        }
        if signer.position.trimmingCharacters(in: .whitespaces).isEmpty { throw SigningError.invalid("signer.position", "is required (e.g. \"Camat Sooko\")") }
        if signer.position.count > 200 { throw SigningError.invalid("signer.position", "is longer than 200 characters") }
        guard let role = Role(rawValue: signer.role), role != .admin else {
            throw SigningError.invalid("signer.role", "must be camat, sekretaris, drafter or staf_umum, got \"\(signer.role)\"")
        }
    }

    func validatePassphrase(_ passphrase: String, field: String) throws {
        if passphrase.count < policy.minimumPassphraseLength {
            throw SigningError.invalid(field, "must be at least \(policy.minimumPassphraseLength) characters")
        }
        if passphrase.utf8.count > 1024 { throw SigningError.invalid(field, "is longer than 1024 bytes") }
    }
}
