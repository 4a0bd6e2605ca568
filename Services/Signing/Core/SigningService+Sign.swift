import Crypto
import Domain
import Foundation
import GRDB
import Logging
import ServiceKit
import Wire

/// SOP step 5: Sign and BulkSign, one signing path for both.
extension SigningService {
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

    /// Sign as a step: this upload signed by this signer, whatever request id and however the upload
    /// was named (by id or by letter).
    static func signNaturalKey(signingRequestId: String, signerId: String) throws -> NaturalKey {
        try NaturalKey(["signing_request", signingRequestId, "signer", signerId],
                       asking: SignRequest(signingRequestId: signingRequestId, signerId: signerId), actorID: signerId)
    }

    /// One letter waiting to be signed in this call.
    private struct PendingItem: Sendable {
        var index: Int
        var target: SigningRequestRecord
        var naturalKey: NaturalKey
    }

    /// What one read finds for the items: earlier answers, per-item refusals, and what to sign.
    private struct SignPlan: Sendable {
        var answered: [Int: ExactlyOnce.Answer<SignatureRecord>] = [:]
        /// Answered by natural key under a new request id: that id is stored in the write.
        var adopted: [Int: NaturalKey] = [:]
        var refused: [Int: SigningError] = [:]
        var pending: [PendingItem] = []
        var signer: PublishedSigner?
        var key: StoredKey?
    }

    /// The one signing path behind Sign and BulkSign, each letter its own `ExactlyOnce` Sign step. Per
    /// item: a repeated request id, or the same signer's signature on the same upload under another
    /// request id (natural key), answers with the stored signature (no passphrase check, nothing new
    /// signed); a missing upload, or one signed by someone else, is that item's failure. The key is
    /// unlocked once (the prepare phase of every step left), and all steps commit in one transaction.
    func signItems(_ items: [BulkSignItem], signerId: String, passphrase: String, caller: SigningCaller,
                   deadline: ContinuousClock.Instant?, logger: Logger) async throws -> [Result<SignatureRecord, SigningError>] {
        let method = SigningAPI.sign.fullName
        let fingerprints = try items.map { try Self.signFingerprint($0, signerId: signerId) }
        var log = logger
        log[metadataKey: "signer.id"] = "\(signerId)"
        let checkedAt = clock.nowUnixMillis()
        var plan = try await database.read { db -> SignPlan in
            var plan = SignPlan()
            for (index, item) in items.enumerated() {
                do {
                    if let answer = try ExactlyOnce.storedAnswer(db, method: method, requestID: item.requestId, fingerprint: fingerprints[index],
                                                                as: SignatureRecord.self) {
                        plan.answered[index] = answer
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
                    let naturalKey = try Self.signNaturalKey(signingRequestId: target.signingRequestId, signerId: signerId)
                    if let answer = try ExactlyOnce.storedAnswer(db, method: method, requestID: item.requestId, fingerprint: fingerprints[index],
                                                                naturalKey: naturalKey, as: SignatureRecord.self) {
                        plan.answered[index] = answer
                        plan.adopted[index] = naturalKey
                        continue
                    }
                    if let existing = target.signature {
                        throw SigningError(.failedPrecondition, "letter \(target.letterId) revision is already signed (signature \(existing.signatureId) by \(existing.fields.signerId))")
                    }
                    if plan.pending.contains(where: { $0.target.signingRequestId == target.signingRequestId }) {
                        throw SigningError.invalid("items", "letter \(target.letterId) is named twice")
                    }
                    plan.pending.append(PendingItem(index: index, target: target, naturalKey: naturalKey))
                } catch let error as SigningError {
                    plan.refused[index] = error
                } catch let error as InvalidFieldError {
                    // A request id reused for another letter: that item's mistake, not the call's.
                    plan.refused[index] = SigningError.invalid(error.field, error.problem)
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
        // Prepare (outside the write transaction): one key unlock for every letter left, and the signatures.
        var made: [SignedEnvelope] = []
        var authority = Authority()
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
            authority = try await database.read { db in try Self.authority(db, signer: signer, caller: caller, at: now) }
            let onBehalfOf = authority.onBehalfOf
            let delegationId = authority.delegation?.delegationId ?? ""
            made = try plan.pending.map { pending in
                let envelope = SigningEnvelope(letterId: pending.target.letterId, revisionDigest: pending.target.revisionDigest,
                                               signerId: signerId, keyId: key.published.keyId, signedAtUnixMillis: now,
                                               onBehalfOf: onBehalfOf, delegationId: delegationId)
                let envelopeBytes = Data(envelope.canonicalBytes())
                return SignedEnvelope(pending: pending, envelope: envelope, envelopeBytes: envelopeBytes,
                                      signature: try privateKey.signature(for: envelopeBytes))
            }
        }
        let adopted = plan.adopted
        if !made.isEmpty || !adopted.isEmpty {
            let signatures = made
            let expectedAuthority = authority
            let signer = plan.signer
            let keyId = plan.key?.published.keyId
            let storedAt = Self.date(unixMillis: clock.nowUnixMillis())
            // One transaction for all letters of the call: one fsync, however many letters.
            let outcome = try await database.write { db -> (answered: [Int: ExactlyOnce.Answer<SignatureRecord>], refused: [Int: SigningError]) in
                var answered: [Int: ExactlyOnce.Answer<SignatureRecord>] = [:]
                var refused: [Int: SigningError] = [:]
                // A natural-key answer found by the read: its new request id gets the same stored reply.
                for (index, naturalKey) in adopted {
                    answered[index] = try ExactlyOnce.runInTransaction(
                        db, method: method, requestID: items[index].requestId, fingerprint: fingerprints[index], naturalKey: naturalKey,
                        now: storedAt) { _ -> SignatureRecord in
                            throw SigningError(.internalError, "the stored signature for request \(items[index].requestId) vanished")
                        }
                }
                guard !signatures.isEmpty, let signer, let keyId else { return (answered, refused) }
                // An admin may have rotated or revoked the key, or ended the delegation, while scrypt ran.
                let current = try SigningRecords.currentKey(db, signerId: signerId)
                guard current?.published.keyId == keyId, current?.published.revokedAtUnixMillis == 0 else {
                    throw SigningError(.failedPrecondition, "key \(keyId) was rotated or revoked meanwhile; retry")
                }
                let recheck = try Self.authority(db, signer: signer, caller: caller, at: signatures[0].envelope.signedAtUnixMillis)
                guard recheck.delegation?.delegationId == expectedAuthority.delegation?.delegationId else {
                    throw SigningError(.permissionDenied, "the delegation changed meanwhile; retry")
                }
                for made in signatures {
                    let index = made.pending.index
                    do {
                        // Each letter is its own step: a concurrent duplicate may have answered it meanwhile,
                        // and a letter that fails rolls back alone.
                        var answer: ExactlyOnce.Answer<SignatureRecord>?
                        try db.inSavepoint {
                            answer = try ExactlyOnce.runInTransaction(
                                db, method: method, requestID: items[index].requestId, fingerprint: fingerprints[index],
                                naturalKey: made.pending.naturalKey, now: storedAt) { db in try Self.store(db, made, keyId: keyId) }
                            return .commit
                        }
                        answered[index] = answer
                    } catch let error as SigningError {
                        refused[index] = error
                    } catch let error as InvalidFieldError {
                        refused[index] = SigningError.invalid(error.field, error.problem)
                    }
                }
                return (answered, refused)
            }
            plan.answered.merge(outcome.answered) { _, written in written }
            plan.refused.merge(outcome.refused) { first, _ in first }
        }
        for (index, answer) in plan.answered.sorted(by: { $0.key < $1.key }) {
            let record = answer.response
            answer.log(log, done: "letter signed", metadata: [
                "letter.id": "\(record.fields.letterId)", "signature.id": "\(record.signatureId)", "key.id": "\(record.fields.keyId)",
                "on_behalf_of": "\(record.fields.onBehalfOf)", "signer.name": "\(record.signerName)", "item": "\(index)"])
        }
        return items.indices.map { index in
            if let answer = plan.answered[index] { return .success(answer.response) }
            return .failure(plan.refused[index] ?? SigningError(.internalError, "no result for item \(index)"))
        }
    }

    /// One letter's signature, made in the prepare phase.
    private struct SignedEnvelope: Sendable {
        var pending: PendingItem
        var envelope: SigningEnvelope
        var envelopeBytes: Data
        var signature: Data
    }

    /// Stores one new signature (the perform of its Sign step) and returns its record, the stored reply.
    private static func store(_ db: Database, _ made: SignedEnvelope, keyId: String) throws -> SignatureRecord {
        let target = made.pending.target
        if let existing = try String.fetchOne(db, sql: "SELECT signer_id FROM signature WHERE signing_request_id = ?",
                                              arguments: [target.signingRequestId]) {
            throw SigningError(.failedPrecondition, "letter \(target.letterId) revision was signed meanwhile (by \(existing))")
        }
        let signatureId = UUID().uuidString.lowercased()
        try db.execute(sql: """
            INSERT INTO signature (id, signing_request_id, letter_id, envelope, signature, key_id, signer_id, on_behalf_of, delegation_id, signed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [signatureId, target.signingRequestId, target.letterId, made.envelopeBytes, made.signature, keyId,
                             made.envelope.signerId, made.envelope.onBehalfOf, made.envelope.delegationId, made.envelope.signedAtUnixMillis])
        guard let record = try SigningRecords.signature(db, id: signatureId) else {
            throw SigningError(.internalError, "signature \(signatureId) was not stored")
        }
        return record
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
}
