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
    /// The entries an export holds, at most `maxEntries` of them: a range holding more is
    /// refused (RESOURCE_EXHAUSTED) before anything is rendered, so one export's work is bounded.
    package func export(_ query: AgendaQuery, maxEntries: Int = RegistryStore.maxExportEntries) async throws -> [AgendaEntry] {
        let (sql, arguments) = Self.filterSQL(query, afterId: 0, limit: maxEntries + 1)
        let entries = try await pool.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(AgendaRow.decode) }
        guard entries.count <= maxEntries else {
            throw RegistryError(.resourceExhausted, "the export would hold more than \(maxEntries) agenda entries; "
                + "export a narrower range (a year, or from/until) or page through ListAgenda")
        }
        return entries
    }

    /// The most entries one ExportAgenda renders (a busy office registers a few thousand a year).
    package static let maxExportEntries = 10_000

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

    /// Content and signature record to forward to addressees.
    package func payload(letterId: UUID) async throws -> (content: [UInt8], signatureRecord: [UInt8])? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT content, signature_record FROM letter_payload WHERE agenda_id = (SELECT id FROM agenda WHERE letter_id = ?)",
                             arguments: [letterId.uuidString.lowercased()])
                .map { ([UInt8]($0["content"] as Data), [UInt8]($0["signature_record"] as Data)) }
        }
    }
}
