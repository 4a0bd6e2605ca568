import Foundation
import GRDB

extension RegistryStore {
    // MARK: Reads

    package func entry(number: String) async throws -> AgendaEntry {
        if let cached = cache.entry(number: number) { return cached }
        let found = try await pool.read { db in try AgendaRow.fetch(db, number: number) }
        guard let found else { throw RegistryError.notFound("number: no letter is registered as \(number)") }
        return found
    }

    package func entry(letterId: UUID) async throws -> AgendaEntry {
        let found = try await pool.read { db in try AgendaRow.fetch(db, letterId: letterId) }
        guard let found else { throw RegistryError.notFound("letter_id: letter \(letterId.uuidString.lowercased()) is not registered") }
        return found
    }

    /// Lists agenda entries in registration order, filtered, one page at a time (keyset paging on
    /// the row id, so pages stay stable while new letters are registered).
    package func list(_ query: AgendaQuery) async throws -> AgendaPage {
        guard (1...1000).contains(query.pageSize) else { throw RegistryError.invalidArgument("page_size", "must be 1–1000") }
        var afterId: Int64 = 0
        if !query.pageToken.isEmpty {
            guard let value = Int64(query.pageToken), value >= 0 else {
                throw RegistryError.invalidArgument("page_token", "not a token returned by ListAgenda")
            }
            afterId = value
        }
        let (sql, arguments) = Self.filterSQL(query, afterId: afterId, limit: query.pageSize + 1)
        var entries = try await pool.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(AgendaRow.decode) }
        var next = ""
        if entries.count > query.pageSize {
            entries.removeLast()
            next = entries.last.map { String($0.id) } ?? ""
        }
        return AgendaPage(entries: entries, nextPageToken: next)
    }

    /// Every entry matching `query` (paging ignored), for exports.
    package func export(_ query: AgendaQuery) async throws -> [AgendaEntry] {
        let (sql, arguments) = Self.filterSQL(query, afterId: 0, limit: nil)
        return try await pool.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(AgendaRow.decode) }
    }

    static func filterSQL(_ query: AgendaQuery, afterId: Int64, limit: Int?) -> (String, StatementArguments) {
        var conditions = ["id > ?"]
        var arguments: [(any DatabaseValueConvertible)?] = [afterId]
        if let year = query.year { conditions.append("agenda_year = ?"); arguments.append(year) }
        if let from = query.from { conditions.append("registered_at_ms >= ?"); arguments.append(from.unixMilliseconds) }
        if let until = query.until { conditions.append("registered_at_ms < ?"); arguments.append(until.unixMilliseconds) }
        if let classification = query.classification, !classification.isEmpty {
            // "000.8" matches 000.8 and its sub-codes 000.8.3.3.
            conditions.append("(classification = ? OR classification LIKE ? ESCAPE '\\')")
            arguments.append(classification)
            arguments.append(likeEscaped(classification) + ".%")
        }
        if let unit = query.unit, !unit.isEmpty { conditions.append("unit = ?"); arguments.append(unit) }
        if let addressee = query.addressee, !addressee.isEmpty {
            conditions.append("(addressee_names LIKE ? ESCAPE '\\' OR addressee_ids LIKE ? ESCAPE '\\')")
            let pattern = "%" + likeEscaped(addressee) + "%"
            arguments.append(pattern)
            arguments.append(pattern)
        }
        if let text = query.subjectContains, !text.isEmpty {
            conditions.append("subject LIKE ? ESCAPE '\\'")
            arguments.append("%" + likeEscaped(text) + "%")
        }
        if let status = query.status { conditions.append("status = ?"); arguments.append(status.rawValue) }
        var sql = "SELECT \(AgendaRow.columns) FROM agenda WHERE \(conditions.joined(separator: " AND ")) ORDER BY id"
        if let limit { sql += " LIMIT \(limit)" }
        return (sql, StatementArguments(arguments))
    }

    private static func likeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }

    // MARK: Cancel (pembatalan)

    /// Marks a registered letter cancelled. The number stays in the book and is never reused.
    /// Pending and manual deliveries are withdrawn.
    package func cancel(requestId: String, number: String?, letterId: UUID?, reason: String, actor: String) async throws -> AgendaEntry {
        guard Validation.isIdentifier(requestId, maxBytes: 128) else {
            throw RegistryError.invalidArgument("request_id", "must be 1–128 printable characters without spaces")
        }
        let trimmed = reason.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw RegistryError.invalidArgument("reason", "a cancellation needs a reason") }
        guard Validation.isSingleLine(trimmed, maxBytes: 1000) else { throw RegistryError.invalidArgument("reason", "must be at most 1000 bytes on one line") }
        guard (number?.isEmpty == false) != (letterId != nil) else {
            throw RegistryError.invalidArgument("number", "give exactly one of number and letter_id")
        }
        let now = clock.now().unixMilliseconds
        let fingerprint = "cancel|\(number ?? "")|\(letterId?.uuidString.lowercased() ?? "")|\(trimmed)"
        let cache = cache
        return try await pool.writeWithoutTransaction { db in
            var cancelled: AgendaEntry?
            try db.inTransaction(.immediate) {
                cancelled = try Self.cancelInTransaction(db, requestId: requestId, number: number, letterId: letterId,
                                                         reason: trimmed, actor: actor, now: now, fingerprint: fingerprint)
                return .commit
            }
            guard let cancelled else { throw RegistryError(.internalError, "the cancellation committed no entry") }
            cache.put([cancelled])
            return cancelled
        }
    }

    private static func cancelInTransaction(_ db: Database, requestId: String, number: String?, letterId: UUID?, reason trimmed: String,
                                            actor: String, now: Int64, fingerprint: String) throws -> AgendaEntry {
        do {
            let entry: AgendaEntry? = if let number, !number.isEmpty { try AgendaRow.fetch(db, number: number) } else if let letterId { try AgendaRow.fetch(db, letterId: letterId) } else { nil }
            if let logged = try String.fetchOne(db, sql: "SELECT fingerprint FROM request_log WHERE request_id = ?", arguments: [requestId]) {
                guard logged == fingerprint, let entry else {
                    throw RegistryError.invalidArgument("request_id", "'\(requestId)' was already used for a different request")
                }
                return entry
            }
            guard var entry else {
                throw RegistryError.notFound(number.map { "number: no letter is registered as \($0)" } ?? "letter_id: letter is not registered")
            }
            guard entry.status == .registered else {
                throw RegistryError.failedPrecondition("\(entry.number) was already cancelled: \(entry.cancelReason)")
            }
            try db.execute(sql: """
                UPDATE agenda SET status = ?, cancel_reason = ?, cancelled_at_ms = ?, cancelled_by = ? WHERE id = ?
                """, arguments: [AgendaStatus.cancelled.rawValue, trimmed, now, actor, entry.id])
            try db.execute(sql: "UPDATE delivery SET state = ? WHERE agenda_id = ? AND state IN (?, ?)",
                           arguments: [DeliveryState.withdrawn.rawValue, entry.id,
                                       DeliveryState.pending.rawValue, DeliveryState.manual.rawValue])
            try db.execute(sql: "INSERT INTO request_log (request_id, method, fingerprint) VALUES (?, 'CancelLetter', ?)",
                           arguments: [requestId, fingerprint])
            entry.status = .cancelled
            entry.cancelReason = trimmed
            entry.cancelledAt = Date(unixMilliseconds: now)
            entry.cancelledBy = actor
            return entry
        }
    }

    // MARK: Deliveries

    package func deliveries(letterId: UUID) async throws -> [Delivery] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Delivery.columns) FROM delivery WHERE agenda_id = (SELECT id FROM agenda WHERE letter_id = ?) ORDER BY id",
                             arguments: [letterId.uuidString.lowercased()]).map(Delivery.decode)
        }
    }

    /// Deliveries in the given states (e.g. manual ones awaiting the clerk), oldest first.
    package func deliveries(in states: [DeliveryState], limit: Int) async throws -> [Delivery] {
        let placeholders = Array(repeating: "?", count: states.count).joined(separator: ", ")
        var arguments: [(any DatabaseValueConvertible)?] = states.map(\.rawValue)
        arguments.append(limit)
        let statementArguments = StatementArguments(arguments)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Delivery.columns) FROM delivery WHERE state IN (\(placeholders))
                ORDER BY next_attempt_ms, id LIMIT ?
                """, arguments: statementArguments).map(Delivery.decode)
        }
    }

    /// The clerk records a delivery made by hand (or via another channel).
    package func markDelivered(requestId: String, letterId: UUID, addresseeId: String, note: String, actor: String) async throws -> Delivery {
        guard Validation.isIdentifier(requestId, maxBytes: 128) else {
            throw RegistryError.invalidArgument("request_id", "must be 1–128 printable characters without spaces")
        }
        guard Validation.isSingleLine(note, maxBytes: 1000) else { throw RegistryError.invalidArgument("note", "must be at most 1000 bytes on one line") }
        let now = clock.now().unixMilliseconds
        let letterKey = letterId.uuidString.lowercased()
        let fingerprint = "mark|\(letterKey)|\(addresseeId)|\(note)"
        return try await pool.write { db in
            let fetch = { try Row.fetchOne(db, sql: "SELECT \(Delivery.columns) FROM delivery WHERE agenda_id = (SELECT id FROM agenda WHERE letter_id = ?) AND addressee_id = ?",
                                           arguments: [letterKey, addresseeId]).map(Delivery.decode) }
            if let logged = try String.fetchOne(db, sql: "SELECT fingerprint FROM request_log WHERE request_id = ?", arguments: [requestId]) {
                guard logged == fingerprint, let delivery = try fetch() else {
                    throw RegistryError.invalidArgument("request_id", "'\(requestId)' was already used for a different request")
                }
                return delivery
            }
            guard var delivery = try fetch() else {
                throw RegistryError.notFound("addressee_id: letter \(letterKey) has no addressee '\(addresseeId)'")
            }
            switch delivery.state {
            case .manual, .failed, .pending: break
            case .delivered, .deliveredManually:
                throw RegistryError.failedPrecondition("already delivered to \(addresseeId)")
            case .withdrawn:
                throw RegistryError.failedPrecondition("the letter was cancelled; nothing to deliver")
            }
            try db.execute(sql: """
                UPDATE delivery SET state = ?, delivered_at_ms = ?, delivered_by = ?, note = ?
                WHERE agenda_id = (SELECT id FROM agenda WHERE letter_id = ?) AND addressee_id = ?
                """, arguments: [DeliveryState.deliveredManually.rawValue, now, actor, note, letterKey, addresseeId])
            try db.execute(sql: "INSERT INTO request_log (request_id, method, fingerprint) VALUES (?, 'MarkDelivered', ?)",
                           arguments: [requestId, fingerprint])
            delivery.state = .deliveredManually
            delivery.deliveredAt = Date(unixMilliseconds: now)
            delivery.deliveredBy = actor
            delivery.note = note
            return delivery
        }
    }

    /// Content and signature record to forward to addressees.
    package func payload(letterId: UUID) async throws -> (content: [UInt8], signatureRecord: [UInt8])? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT content, signature_record FROM letter_payload WHERE agenda_id = (SELECT id FROM agenda WHERE letter_id = ?)",
                             arguments: [letterId.uuidString.lowercased()])
                .map { ([UInt8]($0["content"] as Data), [UInt8]($0["signature_record"] as Data)) }
        }
    }
}
