import Domain
import Foundation
import GRDB
import ServiceKit

/// CancelLetter and MarkDelivered on ServiceKit's one exactly-once rule (issue 12, proto-notes/services.md
/// "Exactly once"): a retry by request id gets the stored reply's bytes, the same step by the same actor
/// under a new request id (natural key) gets the first answer, a used request id with another request is
/// INVALID_ARGUMENT naming `request_id`. Each step and its stored reply commit in ONE transaction.
extension RegistryStore {
    package static let cancelMethod = "/surat.registry.v1.Registry/CancelLetter"
    package static let markDeliveredMethod = "/surat.registry.v1.Registry/MarkDelivered"

    // MARK: Cancel (pembatalan)

    /// Marks a registered letter cancelled. The number stays in the book and is never reused.
    /// Pending and manual deliveries are withdrawn. Natural key: the letter as asked for (its number,
    /// or its letter id).
    package func cancel(requestId: String, number: String?, letterId: UUID?, reason: String,
                        actor: String) async throws -> ExactlyOnce.Answer<RegistryAPI.CancelLetterResponse> {
        try Self.checkRequestId(requestId)
        let trimmed = reason.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw RegistryError.invalidArgument("reason", "a cancellation needs a reason") }
        guard Validation.isSingleLine(trimmed, maxBytes: 1000) else { throw RegistryError.invalidArgument("reason", "must be at most 1000 bytes on one line") }
        guard (number?.isEmpty == false) != (letterId != nil) else {
            throw RegistryError.invalidArgument("number", "give exactly one of number and letter_id")
        }
        let step = try Self.cancelStep(requestId: requestId, number: number ?? "", letterId: letterId?.uuidString.lowercased() ?? "",
                                       reason: trimmed, actor: actor)
        let now = clock.now().unixMilliseconds
        let cache = cache, publicKey = key.publicKey
        return try await pool.writeWithoutTransaction { db in
            var answer: ExactlyOnce.Answer<RegistryAPI.CancelLetterResponse>?
            var cancelled: AgendaEntry?
            try db.inTransaction(.immediate) {
                answer = try ExactlyOnce.runInTransaction(
                    db, method: Self.cancelMethod, requestID: requestId, fingerprint: step.fingerprint, naturalKey: step.naturalKey,
                    now: Date(unixMilliseconds: now)
                ) { db in
                    let entry = try Self.cancelInTransaction(db, number: number, letterId: letterId, reason: trimmed, actor: actor, now: now)
                    cancelled = entry
                    var response = RegistryAPI.CancelLetterResponse()
                    response.entry = RegistryAPI.AgendaEntry(entry, registryPublicKey: publicKey)
                    return response
                }
                return .commit
            }
            guard let answer else { throw RegistryError(.internalError, "the cancellation committed no reply") }
            // After the commit, on the writer queue (EntryCache's rule).
            if let cancelled { cache.put([cancelled]) }
            return answer
        }
    }

    /// The request a CancelLetter fingerprint is made of: the reason trimmed and the letter id in lower
    /// case (as the registry's own request log kept them, so its rows copy over exactly).
    static func cancelStep(requestId: String, number: String, letterId: String, reason: String,
                           actor: String) throws -> (fingerprint: Data, naturalKey: NaturalKey) {
        var request = RegistryAPI.CancelLetterRequest()
        request.number = number
        request.letterID = letterId
        request.reason = reason
        return try step(request, id: requestId, at: \.requestID, naturalKey: number.isEmpty ? ["letter", letterId] : ["number", number], actor: actor)
    }

    /// The fingerprint of `asking` (a request with its request id empty) under `id`, and its natural key.
    private static func step<Request: Encodable>(_ asking: Request, id: String, at requestID: WritableKeyPath<Request, String>,
                                                 naturalKey parts: [String], actor: String) throws -> (fingerprint: Data, naturalKey: NaturalKey) {
        var request = asking
        request[keyPath: requestID] = id
        return (try Idempotency.fingerprint(of: request, actorID: actor), try NaturalKey(parts, asking: asking, actorID: actor))
    }

    private static func cancelInTransaction(_ db: Database, number: String?, letterId: UUID?, reason trimmed: String,
                                            actor: String, now: Int64) throws -> AgendaEntry {
        let entry: AgendaEntry? = if let number, !number.isEmpty { try AgendaRow.fetch(db, number: number) } else if let letterId { try AgendaRow.fetch(db, letterId: letterId) } else { nil }
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
        entry.status = .cancelled
        entry.cancelReason = trimmed
        entry.cancelledAt = Date(unixMilliseconds: now)
        entry.cancelledBy = actor
        return entry
    }

    // MARK: Manual delivery

    /// The clerk records a delivery made by hand (or via another channel). Natural key: the letter
    /// and the addressee.
    package func markDelivered(requestId: String, letterId: UUID, addresseeId: String, note: String,
                               actor: String) async throws -> ExactlyOnce.Answer<RegistryAPI.MarkDeliveredResponse> {
        try Self.checkRequestId(requestId)
        guard Validation.isSingleLine(note, maxBytes: 1000) else { throw RegistryError.invalidArgument("note", "must be at most 1000 bytes on one line") }
        let now = clock.now().unixMilliseconds
        let letterKey = letterId.uuidString.lowercased()
        let step = try Self.markDeliveredStep(requestId: requestId, letterId: letterKey, addresseeId: addresseeId, note: note, actor: actor)
        return try await ExactlyOnce(pool: pool, now: { Date(unixMilliseconds: now) }).run(
            method: Self.markDeliveredMethod, requestID: requestId, fingerprint: step.fingerprint, naturalKey: step.naturalKey
        ) { db in
            guard var found = try Self.delivery(db, letterId: letterKey, addresseeId: addresseeId) else {
                throw RegistryError.notFound("addressee_id: letter \(letterKey) has no addressee '\(addresseeId)'")
            }
            switch found.delivery.state {
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
            found.delivery.state = .deliveredManually
            found.delivery.deliveredAt = Date(unixMilliseconds: now)
            found.delivery.deliveredBy = actor
            found.delivery.note = note
            var response = RegistryAPI.MarkDeliveredResponse()
            response.delivery = RegistryAPI.Delivery(found.delivery, number: found.number)
            return response
        }
    }

    /// The request a MarkDelivered fingerprint is made of (the letter id in lower case).
    static func markDeliveredStep(requestId: String, letterId: String, addresseeId: String, note: String,
                                  actor: String) throws -> (fingerprint: Data, naturalKey: NaturalKey) {
        var request = RegistryAPI.MarkDeliveredRequest()
        request.letterID = letterId
        request.addresseeID = addresseeId
        request.note = note
        return try step(request, id: requestId, at: \.requestID, naturalKey: ["letter", letterId, "addressee", addresseeId], actor: actor)
    }

    static func delivery(_ db: Database, letterId: String, addresseeId: String) throws -> (delivery: Delivery, number: String)? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT \(Delivery.columns), (SELECT number FROM agenda WHERE agenda.id = delivery.agenda_id) AS agenda_number
            FROM delivery WHERE agenda_id = (SELECT id FROM agenda WHERE letter_id = ?) AND addressee_id = ?
            """, arguments: [letterId, addresseeId])
        else { return nil }
        return (Delivery.decode(row), row["agenda_number"])
    }

    private static func checkRequestId(_ requestId: String) throws {
        guard Validation.isIdentifier(requestId, maxBytes: 128) else {
            throw RegistryError.invalidArgument("request_id", "must be 1–128 printable characters without spaces")
        }
    }
}
