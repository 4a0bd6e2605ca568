import Crypto
import Foundation
import GRDB
import Logging

/// Passphrase checks and the lockout after too many wrong ones.
extension SigningService {
    func usableKey(signerId: String) async throws -> StoredKey {
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
}
