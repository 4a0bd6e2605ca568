import Crypto
import Foundation
import GRDB
import Logging
import ServiceKit

/// The agenda book: numbering, registration, cancellation and queries over one SQLite database.
///
/// Every registration goes through one `GroupCommitQueue`: its writer thread is the only code that
/// reads and advances the counters, and it does so inside the same transaction that inserts the
/// agenda rows, so a number exists exactly when its agenda entry does.
package final class RegistryStore: Sendable {
    package let pool: DatabasePool
    package let settings: RegistrySettings
    package let key: RegistryKey
    let clock: RegistryClock
    let logger: Logger
    private let queue: GroupCommitQueue<RegistrationRequest, RegistrationOutcome>
    /// The writer's own state (latest registration instant, request ids, the reconcile stop).
    /// Touched only on GRDB's writer queue, by the batches and by imports.
    let writerState: WriterState
    /// Called after each committed batch that created outbox rows (wakes the delivery worker).
    package let onNewDeliveries: LockedValue<(@Sendable () -> Void)?>
    let cache: EntryCache
    /// Set by the service: encodes the reply each new registration stores (exactly once).
    package let replyEncoder: LockedValue<ReplyEncoder?>
    private let checkpointer: Checkpointer
    /// The method Register's replies are stored under (ServiceKit's `idempotency.method`).
    package static let registerMethod = "/surat.registry.v1.Registry/Register"

    package init(pool: DatabasePool, settings: RegistrySettings, key: RegistryKey, clock: RegistryClock = .system,
                 cacheCapacity: Int = 50_000, logger: Logger) throws {
        try settings.validate()
        // The registry's old request log onto ServiceKit's records (once; needs the public key).
        try RegistryDatabase.copyRequestLog(pool, registryPublicKey: key.publicKey)
        self.pool = pool
        self.settings = settings
        self.key = key
        self.clock = clock
        self.logger = logger
        let (latest, requestIds, reconcile) = try pool.read { db in
            let latest = try Int64.fetchOne(db, sql: "SELECT MAX(registered_at_ms) FROM agenda") ?? 0
            var requestIds: [String: UUID] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT request_id, letter_id FROM agenda")
            while let row = try rows.next() { requestIds[row[0]] = UUID(uuidString: row[1]) }
            // Request ids that got a stored reply by natural key (the letter) under a new request id.
            let replayed = try Row.fetchCursor(db, sql: "SELECT request_id, natural_key FROM idempotency WHERE method = ? AND natural_key IS NOT NULL",
                                               arguments: [Self.registerMethod])
            while let row = try replayed.next() {
                let key: String = row[1]
                if let letter = key.split(separator: "\u{1}").last.flatMap({ UUID(uuidString: String($0)) }) { requestIds[row[0]] = letter }
            }
            return (latest, requestIds, try Self.reconcileRequired(db))
        }
        let writerState = WriterState(lastRegisteredAtMs: latest, requestIds: requestIds, reconcileRequired: reconcile)
        writerState.profileVersion = try pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(version) FROM office_profile") } ?? 0
        if !reconcile.isEmpty {
            logger.warning("numbering is stopped until the registry is reconciled", metadata: [
                "agenda.years": "\(reconcile.keys.sorted())", "run": "surat admin registry reconcile"])
        }
        let hook = LockedValue<(@Sendable () -> Void)?>(nil)
        self.onNewDeliveries = hook
        checkpointer = try Checkpointer(path: pool.path, logger: logger)
        let cache = EntryCache(capacity: cacheCapacity)
        self.cache = cache
        self.writerState = writerState
        let replyEncoder = LockedValue<ReplyEncoder?>(nil)
        self.replyEncoder = replyEncoder
        let context = BatchContext(pool: pool, settings: settings, key: key, clock: clock, logger: logger,
                                   writerState: writerState, onNewDeliveries: hook, cache: cache,
                                   replyEncoder: replyEncoder)
        self.queue = GroupCommitQueue(name: "registry-writer", maxBatch: settings.maxBatch) { batch in
            context.commit(batch)
        }
    }

    /// Stops the writer after the batch in progress; later registrations fail with UNAVAILABLE.
    package func shutdown() {
        queue.shutdown()
        checkpointer.stop()
    }

    // MARK: Register

    /// Assigns the letter its number and writes the agenda entry (or returns the existing one).
    /// Returns only after the transaction holding the entry has committed.
    package func register(_ request: RegistrationRequest) async throws -> RegistrationOutcome {
        var request = request
        if request.unit.isEmpty { request.unit = settings.defaultUnit }
        try Self.validate(request, settings: settings)
        return try await queue.submit(request)
    }

    /// The registration's reply is complete (its final PDF and v2 receipt were made after the
    /// numbering transaction): later retries get these bytes.
    package func completeReply(letterId: UUID, reply: Data) async throws {
        try await pool.write { db in
            try ExactlyOnce.completeReply(db, method: Self.registerMethod,
                                          naturalKey: RegistrationExactlyOnce.naturalKeyParts(letterId: letterId), response: reply)
        }
    }

    static func validate(_ r: RegistrationRequest, settings: RegistrySettings) throws(RegistryError) {
        guard Validation.isIdentifier(r.requestId, maxBytes: 128) else {
            throw .invalidArgument("request_id", "must be 1–128 printable characters without spaces")
        }
        guard Codes.isValidClassification(r.classification) else {
            throw .invalidArgument("classification", "'\(r.classification)' is not a classification code (e.g. 065 or 000.8.3.3)")
        }
        guard settings.allowedUnits.contains(r.unit) else {
            throw .invalidArgument("unit", "'\(r.unit)' is not a unit of this office (\(settings.allowedUnits.sorted().joined(separator: ", ")))")
        }
        guard !r.subject.isEmpty, Validation.isSingleLine(r.subject, maxBytes: 1000) else {
            throw .invalidArgument("subject", "must be 1–1000 bytes on one line")
        }
        guard !r.addressees.isEmpty, r.addressees.count <= 500 else {
            throw .invalidArgument("addressees", "a letter needs 1–500 addressees")
        }
        var seen = Set<String>()
        for addressee in r.addressees {
            guard Validation.isIdentifier(addressee.id, maxBytes: 128) else {
                throw .invalidArgument("addressees.id", "'\(addressee.id)' must be 1–128 printable characters without spaces")
            }
            guard !addressee.name.isEmpty, Validation.isSingleLine(addressee.name, maxBytes: 300) else {
                throw .invalidArgument("addressees.name", "must be 1–300 bytes on one line")
            }
            guard seen.insert(addressee.id).inserted else {
                throw .invalidArgument("addressees.id", "'\(addressee.id)' is listed twice")
            }
        }
        guard r.attachmentCount >= 0, r.attachmentCount <= 10_000 else {
            throw .invalidArgument("attachment_count", "must be 0–10000")
        }
        for (field, value) in [("sifat", r.sifat), ("urgency", r.urgency), ("letter_type", r.letterType)] {
            guard Validation.isSingleLine(value, maxBytes: 64) else { throw .invalidArgument(field, "must be at most 64 bytes on one line") }
        }
        guard Validation.isSingleLine(r.remarks, maxBytes: 2000) else { throw .invalidArgument("remarks", "must be at most 2000 bytes on one line") }
        guard !r.content.isEmpty, r.content.count <= 4 << 20 else { throw .invalidArgument("content", "must be 1 byte to 4 MiB") }
        guard r.contentDigest.count == 32 else { throw .invalidArgument("content", "digest must be SHA-256") }
        let s = r.signature
        guard Validation.isIdentifier(s.signerId, maxBytes: 128) else { throw .invalidArgument("signature.signer_id", "missing or malformed") }
        guard Validation.isIdentifier(s.keyId, maxBytes: 128) else { throw .invalidArgument("signature.key_id", "missing or malformed") }
        guard Validation.isSingleLine(s.signerName, maxBytes: 300), Validation.isSingleLine(s.onBehalfOf, maxBytes: 300),
              Validation.isSingleLine(s.reference, maxBytes: 128) else {
            throw .invalidArgument("signature", "signer name, on-behalf-of and reference must be single lines")
        }
        guard s.signerPublicKey.count == 32, !s.signature.isEmpty else { throw .invalidArgument("signature", "missing key or signature bytes") }
        guard Validation.isSingleLine(r.registeredBy, maxBytes: 128) else { throw .invalidArgument("actor", "must be a single line") }
    }
}

/// Mutable state of the writer, touched only inside closures running on GRDB's serial writer queue
/// (batches and imports), so never concurrently (kept in a class so the Sendable closure can hold it).
/// `@unchecked`: GRDB's serial writer queue is its lock; nothing reads or writes it elsewhere.
final class WriterState: @unchecked Sendable {
    var lastRegisteredAtMs: Int64
    /// Request id → letter of every registration in the book, to refuse a request id reused for
    /// another letter. Kept in memory (loaded at start, ~100 bytes a letter) instead of as a
    /// UNIQUE index: random request ids would dirty one random index page per registration,
    /// which measured as a third of the bytes each commit writes.
    var requestIds: [String: UUID]
    /// Agenda year → the agenda sequence the book must reach (rows of `reconcile_required`): while
    /// not empty, nothing new is numbered.
    var reconcileRequired: [Int: Int64]
    /// The current office profile version (0 = none): a batch promises each new letter a final PDF
    /// laid out with it (a pending `letter_pdf` row) when there is one.
    var profileVersion: Int64 = 0
    init(lastRegisteredAtMs: Int64, requestIds: [String: UUID], reconcileRequired: [Int: Int64] = [:]) {
        self.lastRegisteredAtMs = lastRegisteredAtMs
        self.requestIds = requestIds
        self.reconcileRequired = reconcileRequired
    }
}

/// A small lock-protected box (`@unchecked`: `lock` guards `value`).
package final class LockedValue<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    package init(_ value: Value) { self.value = value }
    package func get() -> Value { lock.lock(); defer { lock.unlock() }; return value }
    package func set(_ newValue: Value) { lock.lock(); value = newValue; lock.unlock() }
    package func withValue<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body(&value)
    }
}
