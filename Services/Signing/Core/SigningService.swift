import Crypto
import Domain
import Foundation
import GRDB
import Logging
import ServiceKit
import Wire

/// The signing service's operations (SOP steps 4 and 5, signer and key administration,
/// verification), independent of the RPC layer so they can be tested in-process.
///
/// Durability: every mutation is one GRDB write transaction on a database opened with
/// synchronous=FULL, and the result is returned only after it commits; the slow parts (scrypt,
/// key generation) happen before the transaction, so a crash leaves either the whole change or none.
/// Exactly once: every mutating method runs on ServiceKit's `ExactlyOnce` (replay by request id, and
/// by natural key for Upload and Sign; proto-notes/signing.md, "Retries and durability").
public final class SigningService: Sendable {
    let database: DatabasePool
    let exactlyOnce: ExactlyOnce
    let policy: SigningPolicy
    let clock: SigningClock
    let logger: Logger
    /// ChangePassphrase runs whole per signer (unlock, reseal, write), so two changes cannot interleave.
    let locks = SignerLocks()
    /// Every scrypt derivation waits and runs here (bounded workers and queue, deadline admission).
    let kdf: KDFScheduler
    /// Concurrent Sign/BulkSign calls of one signer with the same passphrase share one unlock.
    let sharedUnlocks = SharedUnlocks()

    public init(database: DatabasePool, policy: SigningPolicy = SigningPolicy(), clock: SigningClock = .system, logger: Logger) {
        self.database = database
        self.exactlyOnce = ExactlyOnce(pool: database, now: { Self.date(unixMillis: clock.nowUnixMillis()) })
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

    /// `ExactlyOnce.run` with its request-id refusal as the service's own INVALID_ARGUMENT, so callers
    /// in-process and over RPC see one error type.
    func once<Prepared: Sendable, Response: Codable & Sendable>(
        method: String, requestID: String, fingerprint: Data, naturalKey: NaturalKey? = nil,
        prepare: @Sendable () async throws -> Prepared, perform: @escaping @Sendable (Database, Prepared) throws -> Response
    ) async throws -> ExactlyOnce.Answer<Response> {
        do {
            return try await exactlyOnce.run(method: method, requestID: requestID, fingerprint: fingerprint, naturalKey: naturalKey,
                                              prepare: prepare, perform: perform)
        } catch let error as InvalidFieldError {
            throw SigningError.invalid(error.field, error.problem)
        }
    }

    /// `once` without a prepare phase.
    func once<Response: Codable & Sendable>(
        method: String, requestID: String, fingerprint: Data, naturalKey: NaturalKey? = nil,
        perform: @escaping @Sendable (Database) throws -> Response
    ) async throws -> ExactlyOnce.Answer<Response> {
        try await once(method: method, requestID: requestID, fingerprint: fingerprint, naturalKey: naturalKey,
                       prepare: { () }, perform: { db, _ in try perform(db) })
    }

    static func date(unixMillis: Int64) -> Date {
        Date(timeIntervalSince1970: Double(unixMillis) / 1000)
    }

    // MARK: - Validation

    static func requireAdmin(_ caller: SigningCaller, _ action: String) throws {
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
