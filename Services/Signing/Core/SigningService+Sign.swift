import Crypto
import Domain
import Foundation
import GRDB
import Logging
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
}
