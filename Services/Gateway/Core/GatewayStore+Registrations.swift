import Foundation
import GRDB
import ServiceKit

/// The registrations the registry acknowledged to this gateway. They serve two purposes:
/// - each `Register` call carries the high-water mark (per agenda year, the highest agenda sequence
///   held here), so a registry restored from an older backup sees it is behind and stops numbering;
/// - `ReconcileRegistry` gives the registrations the registry lacks back to it, receipts and all.
extension GatewayStore {
    /// One acknowledged registration with what re-importing it takes.
    public struct HeldRegistration: Sendable, Hashable {
        public var letterID: String
        public var number: String
        public var agendaYear: Int32
        public var agendaSequence: Int64
        public var registeredAt: Date
        public var receiptText: Data
        public var receiptSeal: Data
        /// Canonical content bytes as sent to the registry.
        public var content: Data
        /// The signing service's `SignatureRecord`, encoded, as sent to the registry.
        public var signatureRecord: Data
        public var registeredBy: String
        /// The backend request id of the `Register` call.
        public var requestID: String
        public var unit: String

        public init(letterID: String, number: String, agendaYear: Int32, agendaSequence: Int64, registeredAt: Date,
                    receiptText: Data, receiptSeal: Data, content: Data, signatureRecord: Data, registeredBy: String,
                    requestID: String, unit: String) {
            self.letterID = letterID
            self.number = number
            self.agendaYear = agendaYear
            self.agendaSequence = agendaSequence
            self.registeredAt = registeredAt
            self.receiptText = receiptText
            self.receiptSeal = receiptSeal
            self.content = content
            self.signatureRecord = signatureRecord
            self.registeredBy = registeredBy
            self.requestID = requestID
            self.unit = unit
        }
    }

    static func saveRegistration(_ db: Database, _ r: HeldRegistration) throws {
        // The registry answers a repeated registration with the same entry, so a replacement is identical.
        try db.execute(sql: """
            INSERT OR REPLACE INTO registration (letter_id, number, agenda_year, agenda_sequence, registered_at, receipt_text,
                receipt_seal, content, signature_record, registered_by, request_id, unit)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [r.letterID, r.number, r.agendaYear, r.agendaSequence, r.registeredAt.timeIntervalSince1970,
                             r.receiptText, r.receiptSeal, r.content, r.signatureRecord, r.registeredBy, r.requestID, r.unit])
    }

    /// Per agenda year, the highest agenda sequence held here (the high-water mark sent with `Register`).
    public func highestAgendaSequences() async throws -> [Int32: Int64] {
        try await pool.read { db in
            var marks: [Int32: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT agenda_year, MAX(agenda_sequence) FROM registration GROUP BY agenda_year") {
                marks[row[0]] = row[1]
            }
            return marks
        }
    }

    /// Registrations of `year` with an agenda sequence above `after`, in agenda order.
    public func registrations(year: Int32, after: Int64) async throws -> [HeldRegistration] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT letter_id, number, agenda_year, agenda_sequence, registered_at, receipt_text, receipt_seal, content,
                       signature_record, registered_by, request_id, unit
                FROM registration WHERE agenda_year = ? AND agenda_sequence > ? ORDER BY agenda_sequence
                """, arguments: [year, after]).map { row in
                HeldRegistration(letterID: row[0], number: row[1], agendaYear: row[2], agendaSequence: row[3],
                                 registeredAt: Date(timeIntervalSince1970: row[4]), receiptText: row[5], receiptSeal: row[6],
                                 content: row[7], signatureRecord: row[8], registeredBy: row[9], requestID: row[10], unit: row[11])
            }
        }
    }

    /// The stored replies of `method` (step 6) when there are more of them than registration records,
    /// i.e. registrations made before this gateway kept records; empty when every one has its record
    /// (each successful step 6 stores one reply and one record in the same transaction).
    public func storedRepliesWithoutRecords(method: String) async throws -> [Data] {
        try await pool.read { db in
            let replies = try ExactlyOnce.storedReplyCount(db, method: method)
            let records = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM registration") ?? 0
            guard replies > records else { return [] }
            return try ExactlyOnce.storedReplies(db, method: method)
        }
    }

    /// Adds records for registrations that have none (existing ones are kept); returns how many were added.
    public func addMissingRegistrations(_ records: [HeldRegistration]) async throws -> Int {
        try await pool.write { db in
            var added = 0
            for r in records where try Int.fetchOne(db, sql: "SELECT 1 FROM registration WHERE letter_id = ?", arguments: [r.letterID]) == nil {
                try Self.saveRegistration(db, r)
                added += 1
            }
            return added
        }
    }

    /// Fills in the content and signature record of a record made from a stored reply alone.
    public func completeRegistration(letterID: String, content: Data, signatureRecord: Data) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE registration SET content = ?, signature_record = ? WHERE letter_id = ?",
                           arguments: [content, signatureRecord, letterID])
        }
    }

    /// The agenda years of the registrations held here.
    public func registrationYears() async throws -> [Int32] {
        try await pool.read { db in try Int32.fetchAll(db, sql: "SELECT DISTINCT agenda_year FROM registration ORDER BY agenda_year") }
    }
}
