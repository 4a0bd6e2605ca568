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
    /// ChangePassphrase runs whole per signer (unlock, reseal, write), so two changes cannot interleave.
    let locks = SignerLocks()
    /// Every scrypt derivation waits and runs here (bounded workers and queue, deadline admission).
    let kdf: KDFScheduler
    /// Concurrent Sign/BulkSign calls of one signer with the same passphrase share one unlock.
    let sharedUnlocks = SharedUnlocks()

    public init(database: any DatabaseWriter, policy: SigningPolicy = SigningPolicy(), clock: SigningClock = .system, logger: Logger) {
        self.database = database
        self.policy = policy
        self.clock = clock
        self.logger = logger
        self.kdf = KDFScheduler(workers: policy.kdfWorkers, queueLimit: policy.kdfQueueLimit,
                                maxAttempts: policy.maxFailedPassphraseAttempts)
    }

    /// Runs one derivation at the configured cost so the queue's first admission estimates are
    /// measured on this machine and build, not guessed.
    public func calibrateKeyDerivation() async {
        let cost = policy.scrypt
        let millis = await kdf.calibrate(cost: cost) {
            _ = try KeyVault.deriveKey(passphrase: "calibration only", salt: Data(count: 16), cost: cost)
        }
        logger.info("scrypt calibrated", metadata: [
            "scrypt": "N=2^\(cost.log2N) r=\(cost.blockSize) p=\(cost.parallelism)", "kdf.ms": "\(Int(millis.rounded()))"])
    }

    // MARK: - Signers and keys (admin)

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

    public func sign(_ request: SignRequest, caller: SigningCaller, deadline: ContinuousClock.Instant? = nil) async throws -> SignatureRecord {
        try Self.validateRequestId(request.requestId)
        let signerId = try Self.signerId(request.signerId, caller: caller)
        if request.signingRequestId.isEmpty && request.letterId.isEmpty {
            throw SigningError.invalid("signing_request_id", "give signing_request_id or letter_id")
        }
        if request.passphrase.isEmpty { throw SigningError.invalid("passphrase", "is required") }
        let item = BulkSignItem(requestId: request.requestId, signingRequestId: request.signingRequestId, letterId: request.letterId)
        var logger = self.logger
        logger[metadataKey: "request.id"] = "\(request.requestId)"
        let results = try await signItems([item], signerId: signerId, passphrase: request.passphrase, caller: caller,
                                          deadline: deadline, logger: logger)
        return try results[0].get()
    }

    /// The most letters one BulkSign call may carry.
    public static let bulkSignLimit = 100

    /// SOP step 5 for a stack of letters: one passphrase check and key unlock, then one signature
    /// per item exactly as `sign` makes it (same envelope, same record, the item's request id
    /// recorded as a Sign request id). Items that fail their own precondition get their status in
    /// the results; signer-level failures (not the signer, wrong passphrase, lockout, overload)
    /// fail the call.
    public func bulkSign(_ request: BulkSignRequest, caller: SigningCaller, deadline: ContinuousClock.Instant? = nil) async throws -> BulkSignResponse {
        let signerId = try Self.signerId(request.signerId, caller: caller)
        if request.items.isEmpty { throw SigningError.invalid("items", "give at least one letter") }
        if request.items.count > Self.bulkSignLimit {
            throw SigningError.invalid("items", "at most \(Self.bulkSignLimit) letters per call, got \(request.items.count)")
        }
        for (index, item) in request.items.enumerated() {
            do {
                try Self.validateRequestId(item.requestId)
            } catch let error as SigningError {
                throw SigningError(error.code, "items[\(index)].\(error.message)")
            }
            if item.signingRequestId.isEmpty && item.letterId.isEmpty {
                throw SigningError.invalid("items[\(index)].signing_request_id", "give signing_request_id or letter_id")
            }
        }
        if Set(request.items.map(\.requestId)).count != request.items.count {
            throw SigningError.invalid("items", "each item needs its own request_id")
        }
        if request.passphrase.isEmpty { throw SigningError.invalid("passphrase", "is required") }
        let results = try await signItems(request.items, signerId: signerId, passphrase: request.passphrase, caller: caller,
                                          deadline: deadline, logger: logger)
        return BulkSignResponse(results: zip(request.items, results).map { item, result in
            switch result {
            case .success(let record):
                return BulkSignResult(requestId: item.requestId, letterId: record.fields.letterId, signature: record)
            case .failure(let error):
                return BulkSignResult(requestId: item.requestId, letterId: item.letterId, code: Int32(error.rpcCode.rawValue),
                                      message: error.message)
            }
        })
    }

    static func signerId(_ requested: String, caller: SigningCaller) throws -> String {
        let signerId = requested.isEmpty ? caller.actorId : requested
        guard !signerId.isEmpty, signerId == caller.actorId else {
            throw SigningError(.permissionDenied, "signer_id: a signature can only be made by the signer themself (caller is \"\(caller.actorId)\")")
        }
        return signerId
    }

    /// The fingerprint of one letter's Sign request (passphrase left out), the same for Sign and BulkSign.
    static func signFingerprint(_ item: BulkSignItem, signerId: String) throws -> Data {
        try SigningRecords.fingerprint(SignRequest(requestId: item.requestId, signingRequestId: item.signingRequestId,
                                                   letterId: item.letterId, signerId: signerId))
    }

    /// One letter waiting to be signed in this call.
    private struct PendingItem: Sendable {
        var index: Int
        var target: SigningRequestRecord
    }

    /// What one read finds for the items: earlier results, per-item refusals, and what to sign.
    private struct SignPlan: Sendable {
        var replayed: [Int: String] = [:]
        var refused: [Int: SigningError] = [:]
        var pending: [PendingItem] = []
        var signer: PublishedSigner?
        var key: StoredKey?
    }

    /// The one signing path behind Sign and BulkSign. Per item: a repeated request id returns the
    /// signature made for it (no passphrase check, nothing new signed); a missing or already signed
    /// upload is that item's failure. The key is unlocked once, only when something is left to sign.
    func signItems(_ items: [BulkSignItem], signerId: String, passphrase: String, caller: SigningCaller,
                   deadline: ContinuousClock.Instant?, logger: Logger) async throws -> [Result<SignatureRecord, SigningError>] {
        let method = "Sign"
        let fingerprints = try items.map { try Self.signFingerprint($0, signerId: signerId) }
        var log = logger
        log[metadataKey: "signer.id"] = "\(signerId)"
        let checkedAt = clock.nowUnixMillis()
        var plan = try await database.read { db -> SignPlan in
            var plan = SignPlan()
            for (index, item) in items.enumerated() {
                do {
                    if let signatureId = try SigningRecords.replay(db, method: method, requestId: item.requestId, fingerprint: fingerprints[index]) {
                        plan.replayed[index] = signatureId
                        continue
                    }
                    let target = item.signingRequestId.isEmpty
                        ? try SigningRecords.latestSigningRequest(db, letterId: item.letterId)
                        : try SigningRecords.signingRequest(db, id: item.signingRequestId)
                    guard let target else {
                        throw SigningError(.notFound, item.signingRequestId.isEmpty
                            ? "letter_id: letter \(item.letterId) has not been uploaded for signature"
                            : "signing_request_id: no signing request \(item.signingRequestId)")
                    }
                    if let existing = target.signature {
                        throw SigningError(.failedPrecondition, "letter \(target.letterId) revision is already signed (signature \(existing.signatureId) by \(existing.fields.signerId))")
                    }
                    if plan.pending.contains(where: { $0.target.signingRequestId == target.signingRequestId }) {
                        throw SigningError.invalid("items", "letter \(target.letterId) is named twice")
                    }
                    plan.pending.append(PendingItem(index: index, target: target))
                } catch let error as SigningError {
                    plan.refused[index] = error
                }
            }
            guard !plan.pending.isEmpty else { return plan }
            guard let signer = try SigningRecords.signer(db, id: signerId) else {
                throw SigningError(.permissionDenied, "\(signerId) is not a registered signer")
            }
            _ = try Self.authority(db, signer: signer, caller: caller, at: checkedAt)
            plan.signer = signer
            plan.key = try SigningRecords.currentKey(db, signerId: signerId)
            return plan
        }
        var signed: [Int: String] = [:]
        if !plan.pending.isEmpty, let signer = plan.signer {
            guard let key = plan.key, key.published.revokedAtUnixMillis == 0, key.sealed != nil else {
                throw SigningError(.failedPrecondition, "signer \(signerId) has no usable key (revoked or none); an admin must rotate in a new key")
            }
            var unlockLog = log
            if plan.pending.count == 1 {
                unlockLog[metadataKey: "letter.id"] = "\(plan.pending[0].target.letterId)"
            } else {
                unlockLog[metadataKey: "letters"] = "\(plan.pending.count)"
            }
            let unlockLogger = unlockLog
            let privateKey = try await sharedUnlocks.unlock(keyId: key.published.keyId, passphrase: passphrase, deadline: deadline) {
                UnlockedKey(key: try await self.unlock(key, signerId: signerId, passphrase: passphrase, deadline: deadline, logger: unlockLogger))
            }.key
            // Signed now, after the key derivation: the time in the envelope is when the signature was made.
            let now = clock.nowUnixMillis()
            let authority = try await database.read { db in try Self.authority(db, signer: signer, caller: caller, at: now) }
            let made = try plan.pending.map { pending -> (PendingItem, Data, Data, SigningEnvelope) in
                let envelope = SigningEnvelope(letterId: pending.target.letterId, revisionDigest: pending.target.revisionDigest,
                                               signerId: signerId, keyId: key.published.keyId, signedAtUnixMillis: now,
                                               onBehalfOf: authority.onBehalfOf, delegationId: authority.delegation?.delegationId ?? "")
                let envelopeBytes = Data(envelope.canonicalBytes())
                return (pending, envelopeBytes, try privateKey.signature(for: envelopeBytes), envelope)
            }
            // One transaction for all letters of the call: one fsync, however many letters.
            let outcome = try await database.write { db -> (signed: [Int: String], replayed: [Int: String], refused: [Int: SigningError]) in
                // An admin may have rotated or revoked the key, or ended the delegation, while scrypt ran.
                let current = try SigningRecords.currentKey(db, signerId: signerId)
                guard current?.published.keyId == key.published.keyId, current?.published.revokedAtUnixMillis == 0 else {
                    throw SigningError(.failedPrecondition, "key \(key.published.keyId) was rotated or revoked meanwhile; retry")
                }
                let recheck = try Self.authority(db, signer: signer, caller: caller, at: now)
                guard recheck.delegation?.delegationId == authority.delegation?.delegationId else {
                    throw SigningError(.permissionDenied, "the delegation changed meanwhile; retry")
                }
                var signed: [Int: String] = [:]
                var replayed: [Int: String] = [:]
                var refused: [Int: SigningError] = [:]
                for (pending, envelopeBytes, signatureBytes, envelope) in made {
                    let item = items[pending.index]
                    // The same request id may have been signed by a concurrent duplicate meanwhile.
                    if let signatureId = try SigningRecords.replay(db, method: method, requestId: item.requestId,
                                                                   fingerprint: fingerprints[pending.index]) {
                        replayed[pending.index] = signatureId
                        continue
                    }
                    if try String.fetchOne(db, sql: "SELECT id FROM signature WHERE signing_request_id = ?",
                                           arguments: [pending.target.signingRequestId]) != nil {
                        refused[pending.index] = SigningError(.failedPrecondition, "letter \(pending.target.letterId) revision was signed meanwhile")
                        continue
                    }
                    let signatureId = UUID().uuidString.lowercased()
                    try db.execute(sql: """
                        INSERT INTO signature (id, signing_request_id, letter_id, envelope, signature, key_id, signer_id, on_behalf_of, delegation_id, signed_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [signatureId, pending.target.signingRequestId, pending.target.letterId, envelopeBytes, signatureBytes,
                                         key.published.keyId, signerId, envelope.onBehalfOf, envelope.delegationId, now])
                    try SigningRecords.recordRequest(db, method: method, requestId: item.requestId, fingerprint: fingerprints[pending.index],
                                                     resultId: signatureId, at: now)
                    signed[pending.index] = signatureId
                }
                return (signed, replayed, refused)
            }
            signed = outcome.signed
            plan.replayed.merge(outcome.replayed) { first, _ in first }
            plan.refused.merge(outcome.refused) { first, _ in first }
            for (index, signatureId) in signed.sorted(by: { $0.key < $1.key }) {
                log.info("letter signed", metadata: [
                    "letter.id": "\(made.first { $0.0.index == index }?.0.target.letterId ?? "")", "signature.id": "\(signatureId)",
                    "request.id": "\(items[index].requestId)", "key.id": "\(key.published.keyId)",
                    "on_behalf_of": "\(authority.onBehalfOf)", "signer.name": "\(signer.name)"])
            }
        }
        let ids = plan.replayed.merging(signed) { first, _ in first }
        let records = try await database.read { db in
            try ids.mapValues { id -> SignatureRecord in
                guard let record = try SigningRecords.signature(db, id: id) else {
                    throw SigningError(.internalError, "signature \(id) recorded for a request id is missing")
                }
                return record
            }
        }
        return items.indices.map { index in
            if let record = records[index] { return .success(record) }
            return .failure(plan.refused[index] ?? SigningError(.internalError, "no result for item \(index)"))
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

    /// Unlocks the key, enforcing the lockout: one passphrase attempt, however many letters it signs.
    ///
    /// The attempt waits in the KDF scheduler, which admits at most as many concurrent attempts of
    /// one signer as they have attempts left, so the count stays exact under parallel calls.
    /// A wrong passphrase is PERMISSION_DENIED, not UNAUTHENTICATED: the RPC caller (the
    /// gateway, for an authenticated user) is already authenticated; the passphrase is the
    /// signer's consent to use this one key, and a client seeing UNAUTHENTICATED would rightly
    /// think its own credentials are bad. A lockout is RESOURCE_EXHAUSTED with the time it ends.
    func unlock(_ key: StoredKey, signerId: String, passphrase: String, deadline: ContinuousClock.Instant?,
                logger: Logger) async throws -> Curve25519.Signing.PrivateKey {
        guard let sealed = key.sealed else {
            throw SigningError(.failedPrecondition, "key \(key.published.keyId) has no private key any more")
        }
        let ticket = try await kdf.admit(cost: sealed.cost, signerId: signerId, deadline: deadline)
        let (result, outcome) = await attemptUnlock(ticket, key: key, sealed: sealed, signerId: signerId, passphrase: passphrase, logger: logger)
        await kdf.finish(ticket, outcome: outcome)
        return try result.get()
    }

    /// The body of `unlock` once admitted; never throws, so the scheduler always learns the outcome.
    private func attemptUnlock(_ ticket: KDFScheduler.Ticket, key: StoredKey, sealed: SealedPrivateKey, signerId: String, passphrase: String,
                               logger: Logger) async -> (Result<Curve25519.Signing.PrivateKey, any Error>, KDFScheduler.Outcome) {
        let policy = self.policy
        do {
            let now = clock.nowUnixMillis()
            let row = try await database.read { db -> (failures: Int, windowStart: Int64, lockedUntil: Int64)? in
                try Row.fetchOne(db, sql: "SELECT failures, window_started_at, locked_until FROM passphrase_failure WHERE signer_id = ?",
                                 arguments: [signerId]).map { ($0["failures"], $0["window_started_at"], $0["locked_until"]) }
            }
            let lockedUntil = row?.lockedUntil ?? 0
            if lockedUntil > now {
                logger.warning("signing attempt while locked out", metadata: ["signer.id": "\(signerId)"])
                return (.failure(Self.lockedOut(signerId, until: lockedUntil)), .lockedOut)
            }
            var failures = 0
            if let row, now - row.windowStart < policy.failureWindowSeconds * 1000 {
                failures = row.failures
            }
            await kdf.learned(signerId: signerId, remaining: policy.maxFailedPassphraseAttempts - failures, epoch: ticket.epoch)
            let keyId = key.published.keyId
            let publicKey = key.published.publicKey
            let opened = await kdf.perform(ticket) {
                UnlockedKey(key: try KeyVault.unsealNow(sealed, keyId: keyId, publicKey: publicKey, passphrase: passphrase))
            }
            switch opened {
            case .success(let unlocked):
                // A right passphrase resets the count (see proto-notes/signing.md); the write, and its
                // fsync, happen only when there is something to reset.
                if row != nil {
                    try await database.write { db in
                        try db.execute(sql: "DELETE FROM passphrase_failure WHERE signer_id = ?", arguments: [signerId])
                    }
                }
                return (.success(unlocked.key), .unlocked)
            case .failure(UnsealError.wrongPassphrase):
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
                    return (.failure(Self.lockedOut(signerId, until: lockedUntil)), .lockedOut)
                }
                logger.warning("wrong passphrase", metadata: ["signer.id": "\(signerId)", "failures": "\(failures)"])
                let left = policy.maxFailedPassphraseAttempts - failures
                return (.failure(SigningError(.permissionDenied, "wrong passphrase for signer \(signerId); \(left) attempt(s) left before a \(policy.lockoutSeconds / 60)-minute lockout")),
                        .wrongPassphrase(failures: failures))
            case .failure(UnsealError.keyMismatch):
                logger.error("stored key does not match its public key", metadata: ["key.id": "\(key.published.keyId)"])
                return (.failure(SigningError(.internalError, "key \(key.published.keyId) is damaged in storage")), .none)
            case .failure(let error):
                return (.failure(error), .none)
            }
        } catch {
            return (.failure(error), .none)
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
