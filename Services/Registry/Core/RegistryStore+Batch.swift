import Domain
import Foundation
import GRDB
import Logging
import ServiceKit
import Synchronization

/// Encodes the reply of a registration the batch made (its entry as numbered, and the request).
package typealias ReplyEncoder = @Sendable (AgendaEntry, RegistrationRequest) throws -> Data

/// Everything the writer thread needs to commit one batch of registrations.
struct BatchContext: Sendable {
    let pool: DatabasePool
    let settings: RegistrySettings
    let key: RegistryKey
    let clock: RegistryClock
    let logger: Logger
    let writerState: WriterState
    let onNewDeliveries: LockedValue<(@Sendable () -> Void)?>
    let cache: EntryCache
    /// Encodes a new registration's reply (RegistryServer's RegisterResponse), stored in the batch
    /// transaction as ServiceKit's exactly-once reply; nil = nothing stored.
    let replyEncoder: LockedValue<ReplyEncoder?>

    /// Runs on the writer thread. One transaction for the whole batch; if it fails as a whole,
    /// each registration is retried alone so one bad item cannot fail its neighbours.
    func commit(_ batch: [RegistrationRequest]) -> [Result<RegistrationOutcome, RegistryError>] {
        let started = ContinuousClock.now
        do {
            var assigned = started
            let (results, createdDeliveries) = try pool.writeWithoutTransaction { db in
                // Read and written on GRDB's writer queue, which imports share.
                // One instant per batch, never earlier than the previous batch's (or an import's).
                let nowMs = max(clock.now().unixMilliseconds, writerState.lastRegisteredAtMs)
                var outcome = Assignment.none
                try db.inTransaction(.immediate) {
                    defer { assigned = .now }
                    outcome = try assign(batch, nowMs: nowMs, db: db)
                    return .commit
                }
                // Committed, and still on the writer queue: publish to readers in commit order.
                cache.put(outcome.results.lazy.compactMap { try? $0.get() }.filter { !$0.alreadyRegistered }.map(\.entry))
                writerState.lastRegisteredAtMs = nowMs
                writerState.requestIds.merge(outcome.requestIds) { _, new in new }
                writerState.reconcileRequired.merge(outcome.reconcileRequired) { max($0, $1) }
                return (outcome.results, outcome.createdDeliveries)
            }
            let committed = ContinuousClock.now
            RegistryMetrics.batchCommitted(
                size: batch.count, newRegistrations: results.reduce(0) { $0 + ((try? $1.get())?.alreadyRegistered == false ? 1 : 0) },
                duration: committed - started)
            if logger.logLevel <= .debug {
                logger.debug("batch committed", metadata: [
                    "batch.size": "\(batch.count)", "assign.us": "\((assigned - started).components.attoseconds / 1_000_000_000_000)",
                    "commit.us": "\((committed - assigned).components.attoseconds / 1_000_000_000_000)",
                ])
            }
            if createdDeliveries, let wake = onNewDeliveries.get() { wake() }
            return results
        } catch {
            if batch.count > 1 {
                logger.warning("registration batch failed, retrying one by one", metadata: ["error": "\(error)", "batch.size": "\(batch.count)"])
                return batch.flatMap { commit([$0]) }
            }
            logger.error("registration failed", metadata: ["letter.id": "\(batch[0].letterId)", "request.id": "\(batch[0].requestId)", "error": "\(error)"])
            if let registryError = error as? RegistryError { return [.failure(registryError)] }
            return [.failure(RegistryError(.unavailable, "the agenda book could not be written; retry with the same request_id"))]
        }
    }

    struct Assignment {
        var results: [Result<RegistrationOutcome, RegistryError>]
        var createdDeliveries: Bool
        var requestIds: [String: UUID]
        /// Agenda years newly found behind a caller's high-water mark (written in this transaction).
        var reconcileRequired: [Int: Int64]

        static let none = Assignment(results: [], createdDeliveries: false, requestIds: [:], reconcileRequired: [:])
    }

    private func assign(_ batch: [RegistrationRequest], nowMs: Int64, db: Database) throws -> Assignment {
        let registeredAt = Date(unixMilliseconds: nowMs)
        let officeDate = OfficeDate(registeredAt, in: settings.timeZone)
        var counters: [String: Int64] = [:]
        var results: [Result<RegistrationOutcome, RegistryError>] = []
        results.reserveCapacity(batch.count)
        var requestIdsInBatch: [String: UUID] = [:]
        var createdDeliveries = false
        var newReconcile: [Int: Int64] = [:]

        let counterRead = try db.cachedStatement(sql: "SELECT last_value FROM counter WHERE scope = ?")
        func next(_ scope: String) throws -> Int64 {
            let current = try counters[scope] ?? (Int64.fetchOne(counterRead, arguments: [scope]) ?? 0)
            counters[scope] = current + 1
            return current + 1
        }

        // Pass 1: decide each registration and assign numbers in arrival order.
        enum Slot { case done(Result<RegistrationOutcome, RegistryError>), new(Int), duplicateOf(Int, RegistrationRequest) }
        let encodeReply = replyEncoder.get()
        var slots: [Slot] = []
        slots.reserveCapacity(batch.count)
        var fresh: [(request: RegistrationRequest, entry: AgendaEntry)] = []
        var freshByLetter: [UUID: Int] = [:]
        for request in batch {
            // Same letter twice in one batch, or already in the book: the existing number.
            if let index = freshByLetter[request.letterId] {
                slots.append(fresh[index].entry.contentDigest == request.contentDigest ? .duplicateOf(index, request)
                    : .done(.failure(Self.conflict(request, number: fresh[index].entry.number))))
                continue
            }
            let existing = try AgendaRow.fetch(db, letterId: request.letterId)
            // ServiceKit's exactly-once rule: a letter in the book may have a stored reply for this
            // request id, or for the same step (same ask, same actor) under another request id. Only
            // a letter already in the book is looked up: a new letter costs no extra read. A request id
            // that numbered another letter (before replies were stored) is not given this letter's reply.
            let idOwner = requestIdsInBatch[request.requestId] ?? writerState.requestIds[request.requestId]
            if let existing, let once = request.exactlyOnce, encodeReply != nil, idOwner == nil || idOwner == request.letterId {
                do {
                    if let found = try ExactlyOnce.storedReply(
                        db, method: RegistryStore.registerMethod, requestID: request.requestId, fingerprint: once.fingerprint,
                        naturalKey: once.naturalKey)
                    {
                        if found.source == .naturalKey {
                            // The new request id gets the same reply, so its own retries replay by request id.
                            try ExactlyOnce.importReply(db, method: RegistryStore.registerMethod, requestID: request.requestId, fingerprint: once.fingerprint,
                                                        naturalKey: once.naturalKey, response: found.bytes, at: registeredAt)
                            requestIdsInBatch[request.requestId] = request.letterId
                        }
                        slots.append(.done(.success(RegistrationOutcome(
                            entry: existing, alreadyRegistered: true, reply: found.bytes, replayedBy: found.source))))
                        continue
                    }
                } catch let error as InvalidFieldError {
                    slots.append(.done(.failure(.invalidArgument(error.field, error.problem))))
                    continue
                }
            }
            if let existing {
                slots.append(existing.contentDigest == request.contentDigest
                    ? .done(.success(RegistrationOutcome(entry: existing, alreadyRegistered: true)))
                    : .done(.failure(Self.conflict(request, number: existing.number))))
                continue
            }
            if let otherLetter = requestIdsInBatch[request.requestId] ?? writerState.requestIds[request.requestId] {
                slots.append(.done(.failure(.invalidArgument("request_id",
                    "'\(request.requestId)' was already used for letter \(otherLetter.uuidString.lowercased())"))))
                continue
            }
            // A caller that holds a later registration than this book proves the book was restored
            // from an older backup: numbering now could give away a number that caller shows for
            // another letter. Stop (durably) until the lost registrations are imported again.
            for (year, known) in request.knownAgendaSequences.sorted(by: { $0.key < $1.key }) {
                let inBook = try counters["agenda|\(year)"] ?? (Int64.fetchOne(counterRead, arguments: ["agenda|\(year)"]) ?? 0)
                guard known > inBook, known > (writerState.reconcileRequired[year] ?? 0), known > (newReconcile[year] ?? 0)
                else { continue }
                newReconcile[year] = known
                try db.execute(sql: """
                    INSERT INTO reconcile_required (agenda_year, known_sequence, detected_at_ms, reported_by) VALUES (?, ?, ?, ?)
                    ON CONFLICT(agenda_year) DO UPDATE SET known_sequence = MAX(known_sequence, excluded.known_sequence)
                    """, arguments: [year, known, nowMs, request.registeredBy])
                logger.critical("a caller holds a registration this agenda book lacks: the registry was restored from an older backup; numbering stops until reconciled", metadata: [
                    "agenda.year": "\(year)", "caller.knows": "\(known)", "book.has": "\(inBook)",
                    "letter.id": "\(request.letterId)", "request.id": "\(request.requestId)", "run": "surat admin registry reconcile"])
            }
            if let refusal = Self.reconcileRefusal(writerState.reconcileRequired.merging(newReconcile) { max($0, $1) }) {
                slots.append(.done(.failure(refusal)))
                continue
            }

            let scope = settings.scope.key(unit: request.unit, classification: request.classification, year: officeDate.year)
            let sequence = try next(scope)
            let agendaSequence = try next("agenda|\(officeDate.year)")
            let number = settings.numberFormat.render(.init(
                classification: request.classification, sequence: sequence, unit: request.unit,
                year: officeDate.year, month: officeDate.month, office: settings.officeId))
            let receiptText = ReceiptText.render(.init(
                office: settings.officeId, registryKeyId: key.keyId, number: number, letterId: request.letterId,
                contentDigest: request.contentDigest, signerId: request.signature.signerId,
                signerKeyId: request.signature.keyId, signerPublicKey: request.signature.signerPublicKey,
                signedAt: request.signature.signedAt, signature: request.signature.signature,
                registeredAt: registeredAt, agendaYear: officeDate.year, agendaSequence: agendaSequence))
            let entry = AgendaEntry(
                id: 0, letterId: request.letterId, requestId: request.requestId, number: number, scope: scope,
                sequence: sequence, agendaYear: officeDate.year, agendaSequence: agendaSequence, unit: request.unit,
                classification: request.classification, registeredAt: registeredAt, registeredBy: request.registeredBy,
                subject: request.subject, addressees: request.addressees, attachmentCount: request.attachmentCount,
                sifat: request.sifat, urgency: request.urgency, letterType: request.letterType,
                signerId: request.signature.signerId, signerName: request.signature.signerName,
                keyId: request.signature.keyId, onBehalfOf: request.signature.onBehalfOf,
                signedAt: request.signature.signedAt, signatureReference: request.signature.reference,
                signature: request.signature.signature, signerPublicKey: request.signature.signerPublicKey,
                contentDigest: request.contentDigest, status: .registered, remarks: request.remarks,
                cancelReason: "", cancelledAt: nil, cancelledBy: "",
                receipt: RegistryReceipt(text: receiptText, signature: [], registryKeyId: key.keyId))
            freshByLetter[request.letterId] = fresh.count
            requestIdsInBatch[request.requestId] = request.letterId
            slots.append(.new(fresh.count))
            fresh.append((request, entry))
        }

        // Pass 2: seal the receipts, spread over the cores (the callers are idle, waiting for us).
        let seals = try Self.sign(fresh.map(\.entry.receipt.text), with: key)

        // Pass 3: write the rows. With an office profile, each new letter is also promised its
        // final PDF (rendered after this commit, outside the writer: proto-notes/registry.md).
        let profileVersion = writerState.profileVersion
        let promisePDF = profileVersion > 0
            ? try db.cachedStatement(sql: "INSERT INTO letter_pdf (agenda_id, verification_id, profile_version) VALUES (?, ?, ?)") : nil
        // Each new registration stores its reply: one insert, in this transaction (exactly once).
        var replies: [Data?] = Array(repeating: nil, count: fresh.count)
        for index in fresh.indices {
            fresh[index].entry.receipt.signature = seals[index]
            if try Self.insert(&fresh[index].entry, request: fresh[index].request, settings: settings, nowMs: nowMs, db: db) {
                createdDeliveries = true
            }
            try promisePDF?.execute(arguments: [fresh[index].entry.id, VerificationID.make(), profileVersion])
            if let once = fresh[index].request.exactlyOnce, let encodeReply {
                let reply = try encodeReply(fresh[index].entry, fresh[index].request)
                try ExactlyOnce.importReply(db, method: RegistryStore.registerMethod, requestID: fresh[index].request.requestId,
                                            fingerprint: once.fingerprint, naturalKey: once.naturalKey, response: reply, at: registeredAt)
                replies[index] = reply
            }
        }
        for slot in slots {
            switch slot {
            case .done(let result): results.append(result)
            case .new(let index):
                results.append(.success(RegistrationOutcome(entry: fresh[index].entry, alreadyRegistered: false, reply: replies[index])))
            case .duplicateOf(let index, let request):
                results.append(try Self.duplicate(request, of: fresh[index], reply: replies[index], at: registeredAt,
                                                  requestIds: &requestIdsInBatch, db: db))
            }
        }

        let counterWrite = try db.cachedStatement(sql: """
            INSERT INTO counter (scope, last_value) VALUES (?, ?)
            ON CONFLICT(scope) DO UPDATE SET last_value = excluded.last_value
            """)
        for (scope, value) in counters {
            try counterWrite.execute(arguments: [scope, value])
        }
        return Assignment(results: results, createdDeliveries: createdDeliveries, requestIds: requestIdsInBatch,
                          reconcileRequired: newReconcile)
    }

    /// The same letter a second time in one batch: the first one's stored reply when it is the same
    /// request id or the same step (same ask, same actor), otherwise the entry (`already_registered`).
    private static func duplicate(
        _ request: RegistrationRequest, of first: (request: RegistrationRequest, entry: AgendaEntry), reply: Data?, at: Date,
        requestIds: inout [String: UUID], db: Database
    ) throws -> Result<RegistrationOutcome, RegistryError> {
        let plain = RegistrationOutcome(entry: first.entry, alreadyRegistered: true)
        guard let reply, let once = request.exactlyOnce, let firstOnce = first.request.exactlyOnce else { return .success(plain) }
        if request.requestId == first.request.requestId {
            guard once.fingerprint == firstOnce.fingerprint else {
                return .failure(.invalidArgument("request_id", "\"\(request.requestId)\" was already used for a different Register request; use a new request id for a new request"))
            }
            return .success(RegistrationOutcome(entry: first.entry, alreadyRegistered: true, reply: reply, replayedBy: .requestID))
        }
        guard once.naturalKey == firstOnce.naturalKey, requestIds[request.requestId] == nil else { return .success(plain) }
        try ExactlyOnce.importReply(db, method: RegistryStore.registerMethod, requestID: request.requestId, fingerprint: once.fingerprint,
                                    naturalKey: once.naturalKey, response: reply, at: at)
        requestIds[request.requestId] = request.letterId
        return .success(RegistrationOutcome(entry: first.entry, alreadyRegistered: true, reply: reply, replayedBy: .naturalKey))
    }

    /// The refusal while the book waits for reconciliation; nil when numbering may go on.
    static func reconcileRefusal(_ required: [Int: Int64]) -> RegistryError? {
        guard !required.isEmpty else { return nil }
        let years = required.sorted { $0.key < $1.key }.map { "\($0.key)/\($0.value)" }.joined(separator: ", ")
        return RegistryError(.failedPrecondition, """
            restored registry: reconcile first. This agenda book is missing registrations its callers hold \
            (up to agenda \(years)): it was restored from an older backup, and numbering now could give a letter \
            a number already given to another. District IT: run `surat admin registry reconcile` (the gateway \
            imports the receipts it holds); numbering resumes when the book is complete. Nothing was registered.
            """)
    }

    /// Writes one sealed entry with its payload and one outbox row per addressee; sets `entry.id`.
    /// Returns whether any addressee has an inbox to deliver to. Shared by numbering and import.
    static func insert(_ entry: inout AgendaEntry, request: RegistrationRequest, settings: RegistrySettings, nowMs: Int64,
                       db: Database) throws -> Bool {
        let insertAgenda = try db.cachedStatement(sql: AgendaRow.insertSQL)
        let insertPayload = try db.cachedStatement(sql: "INSERT INTO letter_payload (agenda_id, content, signature_record) VALUES (?, ?, ?)")
        let insertDelivery = try db.cachedStatement(sql: """
            INSERT INTO delivery (agenda_id, letter_id, addressee_id, addressee_name, endpoint, state, next_attempt_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        try insertAgenda.execute(arguments: AgendaRow.insertArguments(entry))
        entry.id = db.lastInsertedRowID
        let letterKey = request.letterId.uuidString.lowercased()
        try insertPayload.execute(arguments: [entry.id, Data(request.content), Data(request.signature.record)])
        var createdDeliveries = false
        for addressee in request.addressees {
            let endpoint = addressee.endpoint.isEmpty
                ? settings.addressBook[addressee.id] ?? settings.addressBook[addressee.name] ?? "" : addressee.endpoint
            let state: DeliveryState = endpoint.isEmpty ? .manual : .pending
            if state == .pending { createdDeliveries = true }
            try insertDelivery.execute(arguments: [entry.id, letterKey, addressee.id, addressee.name, endpoint, state.rawValue, nowMs])
        }
        return createdDeliveries
    }

    private static func conflict(_ request: RegistrationRequest, number: String) -> RegistryError {
        RegistryError(.alreadyExists, "letter_id: letter \(request.letterId) is already registered as \(number) with different content")
    }

    /// Ed25519 seals for `texts`, computed on all cores when there are enough of them.
    static func sign(_ texts: [[UInt8]], with key: RegistryKey) throws(RegistryError) -> [[UInt8]] {
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, texts.count / 8)
        guard workers > 1 else {
            var seals: [[UInt8]] = []
            seals.reserveCapacity(texts.count)
            for text in texts { seals.append(try key.sign(text)) }
            return seals
        }
        // Slots written by the `concurrentPerform` workers, each index by exactly one worker.
        let seals = Mutex<[Result<[UInt8], RegistryError>]>(Array(repeating: .success([]), count: texts.count))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var index = worker
            while index < texts.count {
                let seal = Result { () throws(RegistryError) in try key.sign(texts[index]) }
                seals.withLock { $0[index] = seal }
                index += workers
            }
        }
        return try seals.withLock { slots throws(RegistryError) in try slots.map { result throws(RegistryError) in try result.get() } }
    }
}
