import Foundation
import GRDB

/// Mapping between `AgendaEntry` and the `agenda` table.
enum AgendaRow {
    /// Addressee ids and names are stored as unit-separator-joined text: cheap to write on the hot
    /// path and searchable with LIKE. Validation keeps control characters out of both.
    static let separator: Character = "\u{1F}"

    static let columns = """
        id, letter_id, request_id, number, scope, sequence, agenda_year, agenda_sequence, unit, classification,
        registered_at_ms, registered_by, subject, addressee_ids, addressee_names, attachment_count, sifat, urgency,
        letter_type, signer_id, signer_name, key_id, on_behalf_of, signed_at_ms, signature_reference, signature,
        signer_public_key, content_sha256, status, remarks, cancel_reason, cancelled_at_ms, cancelled_by, receipt,
        receipt_signature, registry_key_id
        """

    static let insertSQL = """
        INSERT INTO agenda (letter_id, request_id, number, scope, sequence, agenda_year, agenda_sequence, unit,
            classification, registered_at_ms, registered_by, subject, addressee_ids, addressee_names, attachment_count,
            sifat, urgency, letter_type, signer_id, signer_name, key_id, on_behalf_of, signed_at_ms,
            signature_reference, signature, signer_public_key, content_sha256, status, remarks, receipt,
            receipt_signature, registry_key_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    static func insertArguments(_ e: AgendaEntry) -> StatementArguments {
        let values: [(any DatabaseValueConvertible)?] = [
            e.letterId.uuidString.lowercased(), e.requestId, e.number, e.scope, e.sequence, e.agendaYear,
            e.agendaSequence, e.unit, e.classification, e.registeredAt.unixMilliseconds, e.registeredBy, e.subject,
            e.addressees.map(\.id).joined(separator: String(separator)),
            e.addressees.map(\.name).joined(separator: String(separator)),
            e.attachmentCount, e.sifat, e.urgency, e.letterType, e.signerId, e.signerName, e.keyId, e.onBehalfOf,
            e.signedAt.unixMilliseconds, e.signatureReference, Data(e.signature), Data(e.signerPublicKey),
            Data(e.contentDigest), e.status.rawValue, e.remarks, Data(e.receipt.text), Data(e.receipt.signature),
            e.receipt.registryKeyId,
        ]
        return StatementArguments(values)
    }

    /// Reads a row selected with `columns`, by position: GRDB's by-name lookup lowercases every
    /// name on every access, which showed up in profiles of GetEntry.
    static func decode(_ row: Row) throws -> AgendaEntry {
        guard let letterId = UUID(uuidString: row[1]) else {
            throw RegistryError(.internalError, "agenda row \(row[0] as Int64) has a malformed letter id")
        }
        let ids = (row[13] as String).split(separator: separator, omittingEmptySubsequences: false)
        let names = (row[14] as String).split(separator: separator, omittingEmptySubsequences: false)
        let cancelledAt: Int64? = row[31]
        return AgendaEntry(
            id: row[0], letterId: letterId, requestId: row[2], number: row[3], scope: row[4],
            sequence: row[5], agendaYear: row[6], agendaSequence: row[7], unit: row[8], classification: row[9],
            registeredAt: Date(unixMilliseconds: row[10]), registeredBy: row[11], subject: row[12],
            addressees: zip(ids, names).map { Addressee(id: String($0), name: String($1)) },
            attachmentCount: row[15], sifat: row[16], urgency: row[17], letterType: row[18], signerId: row[19],
            signerName: row[20], keyId: row[21], onBehalfOf: row[22], signedAt: Date(unixMilliseconds: row[23]),
            signatureReference: row[24], signature: [UInt8](row[25] as Data), signerPublicKey: [UInt8](row[26] as Data),
            contentDigest: [UInt8](row[27] as Data), status: AgendaStatus(rawValue: row[28]) ?? .registered,
            remarks: row[29], cancelReason: row[30], cancelledAt: cancelledAt.map(Date.init(unixMilliseconds:)),
            cancelledBy: row[32],
            receipt: RegistryReceipt(text: [UInt8](row[33] as Data), signature: [UInt8](row[34] as Data),
                                     registryKeyId: row[35]))
    }

    static func fetch(_ db: Database, letterId: UUID) throws -> AgendaEntry? {
        let statement = try db.cachedStatement(sql: "SELECT \(columns) FROM agenda WHERE letter_id = ?")
        return try Row.fetchOne(statement, arguments: [letterId.uuidString.lowercased()]).map(decode)
    }

    static func fetch(_ db: Database, number: String) throws -> AgendaEntry? {
        let statement = try db.cachedStatement(sql: "SELECT \(columns) FROM agenda WHERE number = ?")
        return try Row.fetchOne(statement, arguments: [number]).map(decode)
    }
}

/// Delivery state of one (letter, addressee) pair in the outbox.
package enum DeliveryState: Int, Sendable, Hashable {
    /// Waiting for the next attempt to the addressee's inbox endpoint.
    case pending = 1
    /// The receiving inbox acknowledged it.
    case delivered = 2
    /// Gave up after the configured number of attempts; `lastError` says why.
    case failed = 3
    /// No inbox endpoint: the clerk delivers it by hand (or by another channel).
    case manual = 4
    /// Marked delivered by hand.
    case deliveredManually = 5
    /// The letter was cancelled before it was delivered.
    case withdrawn = 6

    package var label: String {
        switch self {
        case .pending: "pending"
        case .delivered: "delivered"
        case .failed: "failed"
        case .manual: "manual"
        case .deliveredManually: "delivered-manually"
        case .withdrawn: "withdrawn"
        }
    }
}

package struct Delivery: Sendable, Hashable {
    package var letterId: UUID
    package var addresseeId: String
    package var addresseeName: String
    package var endpoint: String
    package var state: DeliveryState
    package var attempts: Int
    package var nextAttemptAt: Date
    package var lastError: String
    package var deliveredAt: Date?
    package var acknowledgement: String
    package var deliveredBy: String
    package var note: String

    static let columns = """
        letter_id, addressee_id, addressee_name, endpoint, state, attempts, next_attempt_ms, last_error,
        delivered_at_ms, acknowledgement, delivered_by, note
        """

    static func decode(_ row: Row) -> Delivery {
        let deliveredAt: Int64? = row["delivered_at_ms"]
        return Delivery(letterId: UUID(uuidString: row["letter_id"])!, addresseeId: row["addressee_id"],
                        addresseeName: row["addressee_name"], endpoint: row["endpoint"],
                        state: DeliveryState(rawValue: row["state"]) ?? .pending, attempts: row["attempts"],
                        nextAttemptAt: Date(unixMilliseconds: row["next_attempt_ms"]), lastError: row["last_error"],
                        deliveredAt: deliveredAt.map(Date.init(unixMilliseconds:)),
                        acknowledgement: row["acknowledgement"], deliveredBy: row["delivered_by"], note: row["note"])
    }
}
