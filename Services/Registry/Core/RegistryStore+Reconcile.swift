import Crypto
import Foundation
import GRDB
import ServiceKit
import Domain

/// A registration somebody holds (the gateway, another office's inbox): the sealed receipt and the
/// letter it numbers, to be put back into a book restored from an older backup.
package struct HeldRegistration: Sendable {
    /// The receipt text and the registry's seal over it.
    package var receipt: RegistryReceipt
    /// The letter as `Register` would have taken it (content, verified signature, who registered it).
    package var letter: RegistrationRequest

    package init(receipt: RegistryReceipt, letter: RegistrationRequest) {
        self.receipt = receipt
        self.letter = letter
    }
}

/// One held registration the import did not take, and why.
package struct ImportProblem: Sendable, Hashable {
    package var number: String
    package var letterId: String
    package var problem: String
}

/// How complete one agenda year of the book is.
package struct AgendaYearState: Sendable, Hashable {
    package var year: Int
    /// The agenda counter: the last No. urut agenda given out (or imported) in that year.
    package var lastSequence: Int64
    /// Entries of that year in the book; equals `lastSequence` when the year has no gap.
    package var entryCount: Int64
    /// The highest agenda sequence a caller showed it holds, while the year waits for reconciliation.
    package var knownSequence: Int64
    /// Agenda sequences up to max(lastSequence, knownSequence) with no entry (at most 1000 listed).
    package var missing: [Int64]
}

package struct ReconcileStatus: Sendable, Hashable {
    /// True while numbering is refused: a year is behind a caller's high-water mark or has a gap.
    package var reconcileRequired: Bool
    package var years: [AgendaYearState]

    /// One line for people.
    package var detail: String {
        guard reconcileRequired else { return "the agenda book is complete as far as its callers know; numbering is on" }
        let waiting = years.filter { $0.knownSequence > 0 }.map { year in
            "\(year.year): book has \(year.entryCount) entries up to \(year.lastSequence), callers hold up to \(max(year.knownSequence, year.lastSequence))"
                + (year.missing.isEmpty ? "" : ", missing agenda " + year.missing.prefix(20).map { "\(year.year)/\($0)" }.joined(separator: ", ")
                    + (year.missing.count > 20 ? " …" : ""))
        }
        return "numbering is stopped until the book is complete (" + waiting.joined(separator: "; ") + ")"
    }
}

package struct ImportReport: Sendable {
    package var imported: [AgendaEntry]
    package var alreadyPresent: Int
    package var problems: [ImportProblem]
    package var status: ReconcileStatus
}

extension RegistryStore {
    static func reconcileRequired(_ db: Database) throws -> [Int: Int64] {
        var required: [Int: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT agenda_year, known_sequence FROM reconcile_required") {
            required[row[0]] = row[1]
        }
        return required
    }

    /// Whether numbering is stopped, and how complete each agenda year is.
    package func reconcileStatus() async throws -> ReconcileStatus {
        try await pool.read { db in try Self.reconcileStatus(db) }
    }

    static func reconcileStatus(_ db: Database) throws -> ReconcileStatus {
        let required = try reconcileRequired(db)
        var last: [Int: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT scope, last_value FROM counter WHERE scope LIKE 'agenda|%'") {
            if let year = Int((row[0] as String).dropFirst("agenda|".count)) { last[year] = row[1] }
        }
        var counts: [Int: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT agenda_year, COUNT(*) FROM agenda GROUP BY agenda_year") {
            counts[row[0]] = row[1]
        }
        var years: [AgendaYearState] = []
        for year in Set(required.keys).union(last.keys).union(counts.keys).sorted() {
            let lastSequence = last[year] ?? 0
            let count = counts[year] ?? 0
            let known = required[year] ?? 0
            let target = max(lastSequence, known)
            var missing: [Int64] = []
            if count < target {
                let present = Set(try Int64.fetchAll(db, sql: "SELECT agenda_sequence FROM agenda WHERE agenda_year = ?",
                                                     arguments: [year]))
                var sequence: Int64 = 1
                while sequence <= target, missing.count < 1000 {
                    if !present.contains(sequence) { missing.append(sequence) }
                    sequence += 1
                }
            }
            years.append(AgendaYearState(year: year, lastSequence: lastSequence, entryCount: count, knownSequence: known,
                                         missing: missing))
        }
        return ReconcileStatus(reconcileRequired: !required.isEmpty, years: years)
    }

    /// Puts held registrations back into the book with their ORIGINAL number, agenda position,
    /// registration time and receipt, after checking each receipt's seal with this registry's key
    /// and that it names exactly this content and signature. Idempotent: a registration already in
    /// the book is counted, not written again. Counters move up to cover what was imported, so the
    /// imported numbers are never given out again. Numbering resumes when every agenda year that
    /// waited for reconciliation has no gap up to what its callers hold.
    ///
    /// Runs on GRDB's writer queue, serialized with the numbering batches.
    package func importRegistrations(_ held: [HeldRegistration]) async throws -> ImportReport {
        guard let report = try await importRegistrations(held, once: nil).report else {
            throw RegistryError(.internalError, "the import committed no report")
        }
        return report
    }

    package static let importMethod = "/surat.registry.v1.Registry/ImportRegistrations"

    /// An ImportRegistrations call on ServiceKit's exactly-once rule: its request id, fingerprint and
    /// natural key, and how its reply is made from the report (inside the import's transaction).
    package struct ImportCall: Sendable {
        package var requestId: String
        package var fingerprint: Data
        package var naturalKey: NaturalKey?
        package var reply: @Sendable (ImportReport) throws -> RegistryAPI.ImportRegistrationsResponse

        package init(requestId: String, fingerprint: Data, naturalKey: NaturalKey?,
                     reply: @escaping @Sendable (ImportReport) throws -> RegistryAPI.ImportRegistrationsResponse) {
            self.requestId = requestId
            self.fingerprint = fingerprint
            self.naturalKey = naturalKey
            self.reply = reply
        }

        /// The call for `request` by `actor` importing `held`: fingerprint of the request and actor;
        /// natural key the letters it imports (as Register's is the letter) with the request without
        /// its request id.
        package init(_ request: RegistryAPI.ImportRegistrationsRequest, held: [HeldRegistration], actor: String,
                     reply: @escaping @Sendable (ImportReport) throws -> RegistryAPI.ImportRegistrationsResponse) throws {
            var asking = request
            asking.requestID = ""
            let letters = held.map { $0.letter.letterId.uuidString.lowercased() }.sorted().joined(separator: ",")
            self.init(requestId: request.requestID, fingerprint: try Idempotency.fingerprint(of: request, actorID: actor),
                      naturalKey: try NaturalKey(["letters", Hex.encode(Array(SHA256.hash(data: Data(letters.utf8))))],
                                                 asking: asking, actorID: actor),
                      reply: reply)
        }
    }

    /// Imports `held` in one transaction; with `once`, that transaction also checks for and stores the
    /// call's reply (a replay imports nothing and returns no report, only the stored answer).
    package func importRegistrations(_ held: [HeldRegistration], once: ImportCall?
    ) async throws -> (report: ImportReport?, answer: ExactlyOnce.Answer<RegistryAPI.ImportRegistrationsResponse>?) {
        let (report, answer, createdDeliveries) = try await pool.writeWithoutTransaction { db in
            var imported: [AgendaEntry] = []
            var alreadyPresent = 0
            var problems: [ImportProblem] = []
            var createdDeliveries = false
            var requestIds: [String: UUID] = [:]
            var latestMs = writerState.lastRegisteredAtMs
            var report: ImportReport?
            var answer: ExactlyOnce.Answer<RegistryAPI.ImportRegistrationsResponse>?
            try db.inTransaction(.immediate) {
                let nowMs = clock.now().unixMilliseconds
                func work(_ db: Database) throws -> ImportReport {
                    for item in held {
                        switch try prepareImport(item, db: db) {
                        case .problem(let problem):
                            problems.append(problem)
                        case .present:
                            alreadyPresent += 1
                        case .insert(var entry):
                            if try BatchContext.insert(&entry, request: item.letter, settings: settings, nowMs: nowMs, db: db) {
                                createdDeliveries = true
                            }
                            try Self.raiseCounter(entry.scope, to: entry.sequence, db: db)
                            try Self.raiseCounter("agenda|\(entry.agendaYear)", to: entry.agendaSequence, db: db)
                            requestIds[entry.requestId] = entry.letterId
                            latestMs = max(latestMs, entry.registeredAt.unixMilliseconds)
                            imported.append(entry)
                        }
                    }
                    try Self.updateReconcileRequired(db, touchedYears: Set(imported.map(\.agendaYear)), nowMs: nowMs)
                    let done = ImportReport(imported: imported, alreadyPresent: alreadyPresent, problems: problems,
                                            status: try Self.reconcileStatus(db))
                    report = done
                    return done
                }
                if let once {
                    answer = try ExactlyOnce.runInTransaction(
                        db, method: Self.importMethod, requestID: once.requestId, fingerprint: once.fingerprint,
                        naturalKey: once.naturalKey, now: Date(unixMilliseconds: nowMs)) { db in try once.reply(work(db)) }
                } else {
                    _ = try work(db)
                }
                return .commit
            }
            guard report != nil else { return (report, answer, false) }
            // Committed; still on the writer queue, so the numbering batches see all of it.
            writerState.requestIds.merge(requestIds) { _, new in new }
            writerState.lastRegisteredAtMs = latestMs
            writerState.reconcileRequired = try Self.reconcileRequired(db)
            cache.put(imported)
            return (report, answer, createdDeliveries)
        }
        guard let report else { return (nil, answer) }
        if createdDeliveries, let wake = onNewDeliveries.get() { wake() }
        for entry in report.imported {
            logger.notice("registration imported", metadata: [
                "letter.id": "\(entry.letterId)", "number": "\(entry.number)", "agenda": "\(entry.agendaYear)/\(entry.agendaSequence)"])
        }
        for problem in report.problems {
            logger.warning("registration not imported", metadata: [
                "letter.id": "\(problem.letterId)", "number": "\(problem.number)", "problem": "\(problem.problem)"])
        }
        if !report.imported.isEmpty || !report.problems.isEmpty {
            logger.notice("import finished", metadata: [
                "imported": "\(report.imported.count)", "already.present": "\(report.alreadyPresent)",
                "problems": "\(report.problems.count)", "numbering": "\(report.status.reconcileRequired ? "stopped" : "on")"])
        }
        return (report, answer)
    }

    private enum Prepared {
        case problem(ImportProblem)
        case present
        case insert(AgendaEntry)
    }

    private func prepareImport(_ item: HeldRegistration, db: Database) throws -> Prepared {
        let letter = item.letter
        let letterKey = letter.letterId.uuidString.lowercased()
        func problem(_ number: String, _ text: String) -> Prepared {
            .problem(ImportProblem(number: number, letterId: letterKey, problem: text))
        }
        guard let fields = ReceiptText.parse(item.receipt.text) else {
            return problem("", "receipt: not a v1 registry receipt")
        }
        guard fields.office == settings.officeId else {
            return problem(fields.number, "receipt: issued by office \(fields.office), this registry is \(settings.officeId)")
        }
        guard fields.registryKeyId == key.keyId,
              ReceiptText.isValidSeal(text: item.receipt.text, signature: item.receipt.signature, registryPublicKey: key.publicKey)
        else {
            return problem(fields.number, "receipt: the seal does not verify with this registry's key \(key.keyId) (the receipt names key \(fields.registryKeyId))")
        }
        guard fields.letterId == letter.letterId else {
            return problem(fields.number, "receipt: it is the receipt of letter \(fields.letterId.uuidString.lowercased())")
        }
        guard fields.contentDigest == letter.contentDigest else {
            return problem(fields.number, "content: its SHA-256 is not the receipt's content-sha256")
        }
        let signature = letter.signature
        guard fields.signature == signature.signature, fields.signerId == signature.signerId,
              fields.signerKeyId == signature.keyId, fields.signerPublicKey == signature.signerPublicKey,
              fields.signedAt.unixMilliseconds == signature.signedAt.unixMilliseconds else {
            return problem(fields.number, "signature: the signature record is not the one the receipt names")
        }
        let officeDate = OfficeDate(fields.registeredAt, in: settings.timeZone)
        guard fields.agendaYear == officeDate.year else {
            return problem(fields.number, "receipt: agenda year \(fields.agendaYear) is not the year of registered-at in \(settings.timeZone)")
        }
        guard let (unit, sequence) = settings.numberFormat.sequence(
            of: fields.number, classification: letter.classification, units: settings.allowedUnits.sorted(),
            year: officeDate.year, month: officeDate.month, office: settings.officeId) else {
            return problem(fields.number, "number: does not fit this office's template \(settings.numberFormat) with classification \(letter.classification) and one of its units; was the template changed?")
        }
        if let existing = try AgendaRow.fetch(db, letterId: letter.letterId) {
            if existing.number == fields.number, existing.receipt.text == item.receipt.text { return .present }
            return problem(fields.number, "letter_id: the book has this letter as \(existing.number) (registered again after the restore); cancel one of the two numbers (pembatalan)")
        }
        if let holder = try String.fetchOne(db, sql: "SELECT letter_id FROM agenda WHERE number = ?", arguments: [fields.number]) {
            return problem(fields.number, "number: the book gave \(fields.number) to letter \(holder) after the restore: a duplicate number; cancel one of them (pembatalan) and register that letter again")
        }
        let scope = settings.scope.key(unit: unit, classification: letter.classification, year: officeDate.year)
        if let holder = try String.fetchOne(db, sql: "SELECT number FROM agenda WHERE scope = ? AND sequence = ?", arguments: [scope, sequence]) {
            return problem(fields.number, "number: sequence \(sequence) of \(scope) is \(holder) in the book")
        }
        if let holder = try String.fetchOne(db, sql: "SELECT number FROM agenda WHERE agenda_year = ? AND agenda_sequence = ?",
                                            arguments: [fields.agendaYear, fields.agendaSequence]) {
            return problem(fields.number, "agenda: \(fields.agendaYear)/\(fields.agendaSequence) is \(holder) in the book")
        }
        // The original request id when it is free, so a Register retry with it still finds the letter.
        let requestId = Validation.isIdentifier(letter.requestId, maxBytes: 128) && writerState.requestIds[letter.requestId] == nil
            ? letter.requestId : "reconcile-" + letterKey
        return .insert(AgendaEntry(
            id: 0, letterId: letter.letterId, requestId: requestId, number: fields.number, scope: scope, sequence: sequence,
            agendaYear: fields.agendaYear, agendaSequence: fields.agendaSequence, unit: unit, classification: letter.classification,
            registeredAt: fields.registeredAt, registeredBy: letter.registeredBy.isEmpty ? "reconcile" : letter.registeredBy,
            subject: letter.subject, addressees: letter.addressees, attachmentCount: letter.attachmentCount, sifat: letter.sifat,
            urgency: letter.urgency, letterType: letter.letterType, signerId: signature.signerId, signerName: signature.signerName,
            keyId: signature.keyId, onBehalfOf: signature.onBehalfOf, signedAt: fields.signedAt,
            signatureReference: signature.reference, signature: signature.signature, signerPublicKey: signature.signerPublicKey,
            contentDigest: letter.contentDigest, status: .registered, remarks: letter.remarks, cancelReason: "", cancelledAt: nil,
            cancelledBy: "", receipt: RegistryReceipt(text: item.receipt.text, signature: item.receipt.signature,
                                                      registryKeyId: key.keyId)))
    }

    private static func raiseCounter(_ scope: String, to value: Int64, db: Database) throws {
        try db.execute(sql: """
            INSERT INTO counter (scope, last_value) VALUES (?, ?)
            ON CONFLICT(scope) DO UPDATE SET last_value = MAX(last_value, excluded.last_value)
            """, arguments: [scope, value])
    }

    /// After an import: a year stays (or becomes) stopped while it has a gap up to what its callers
    /// hold; a complete year is released.
    private static func updateReconcileRequired(_ db: Database, touchedYears: Set<Int>, nowMs: Int64) throws {
        let required = try reconcileRequired(db)
        for year in Set(required.keys).union(touchedYears) {
            let last = try Int64.fetchOne(db, sql: "SELECT last_value FROM counter WHERE scope = ?", arguments: ["agenda|\(year)"]) ?? 0
            let count = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM agenda WHERE agenda_year = ?", arguments: [year]) ?? 0
            let known = required[year] ?? 0
            if count >= max(last, known) {
                try db.execute(sql: "DELETE FROM reconcile_required WHERE agenda_year = ?", arguments: [year])
            } else if known < last {
                // An import left a hole below it: some registration of that year is still missing.
                try db.execute(sql: """
                    INSERT INTO reconcile_required (agenda_year, known_sequence, detected_at_ms, reported_by) VALUES (?, ?, ?, 'import')
                    ON CONFLICT(agenda_year) DO UPDATE SET known_sequence = MAX(known_sequence, excluded.known_sequence)
                    """, arguments: [year, last, nowMs])
            }
        }
    }
}
