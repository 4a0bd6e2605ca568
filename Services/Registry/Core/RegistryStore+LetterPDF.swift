import Crypto
import Domain
import Foundation
import GRDB
import ServiceKit

/// The opaque id in a final letter's QR code (`<verificationBaseURL>/v/<id>`): 16 random bytes as
/// unpadded base64url (22 characters). Random rather than derived from the letter id or number so
/// that knowing one letter's page says nothing about another's.
package enum VerificationID {
    package static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// URL-safe, 16–64 characters: what `make` produces, with room for ids of other issuers.
    package static func isValid(_ text: some StringProtocol) -> Bool {
        (16...64).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }
}

/// One stored version of the office profile: the JSON (without the emblem) and the emblem PNG.
package struct StoredOfficeProfile: Sendable, Hashable {
    package var version: Int64
    package var profileJSON: [UInt8]
    package var emblemPNG: [UInt8]
    package var sha256: [UInt8]
    package var setAt: Date
    package var setBy: String
    package var requestId: String

    package static func digest(profileJSON: [UInt8], emblemPNG: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: profileJSON)
        hasher.update(data: emblemPNG)
        return Array(hasher.finalize())
    }
}

/// A letter whose final PDF was promised in its numbering transaction and is not stored yet.
/// It is rendered with the profile current at rendering time (nothing of it was published before).
package struct PendingLetterPDF: Sendable {
    package var entry: AgendaEntry
    package var verificationId: String
    /// The version current when the letter was numbered (the stored row gets the one used).
    package var profileVersion: Int64
    package var content: [UInt8]
    package var signatureRecord: [UInt8]
}

/// The final PDF of a letter as stored (`pdf` nil while it is still pending).
package struct StoredLetterPDF: Sendable {
    package var agendaId: Int64
    package var verificationId: String
    package var profileVersion: Int64
    package var sha256: [UInt8]?
    package var size: Int64
    package var isPending: Bool { sha256 == nil }
}

extension RegistryStore {
    // MARK: Office profile

    /// The given version, or the current one for 0; nil when none was ever set.
    package func officeProfile(version: Int64 = 0) async throws -> StoredOfficeProfile? {
        try await pool.read { db in try Self.officeProfile(db, version: version) }
    }

    static func officeProfile(_ db: Database, version: Int64) throws -> StoredOfficeProfile? {
        let sql = "SELECT version, profile_json, emblem_png, sha256, set_at_ms, set_by, request_id FROM office_profile "
            + (version == 0 ? "ORDER BY version DESC LIMIT 1" : "WHERE version = ?")
        return try Row.fetchOne(db, sql: sql, arguments: version == 0 ? [] : [version]).map { row in
            StoredOfficeProfile(version: row[0], profileJSON: [UInt8](row[1] as Data), emblemPNG: [UInt8](row[2] as Data),
                                sha256: [UInt8](row[3] as Data), setAt: Date(unixMilliseconds: row[4]), setBy: row[5],
                                requestId: row[6])
        }
    }

    package static let setOfficeProfileMethod = "/surat.registry.v1.Registry/SetOfficeProfile"

    /// Stores a new profile version on ServiceKit's exactly-once rule (request id only, no natural key):
    /// a retry with the same request id gets the stored reply's bytes, without `check` (the slow render
    /// check, run outside the write transaction for a new request only); `expectedVersion` (non-zero)
    /// must be current. `profileJSON` and `emblemPNG` are the profile as it will be stored (normalized).
    package func setOfficeProfile(profileJSON: [UInt8], emblemPNG: [UInt8], expectedVersion: Int64, requestId: String,
                                  actor: String, check: @Sendable () async throws -> Void = {}
    ) async throws -> ExactlyOnce.Answer<RegistryAPI.OfficeProfileRecord> {
        guard Validation.isIdentifier(requestId, maxBytes: 128) else {
            throw RegistryError.invalidArgument("request_id", "must be 1–128 printable characters without spaces")
        }
        let digest = StoredOfficeProfile.digest(profileJSON: profileJSON, emblemPNG: emblemPNG)
        let now = clock.now().unixMilliseconds
        let writerState = writerState
        return try await ExactlyOnce(pool: pool, now: { Date(unixMilliseconds: now) }).run(
            method: Self.setOfficeProfileMethod, requestID: requestId,
            fingerprint: try Self.officeProfileFingerprint(requestId: requestId, profileJSON: profileJSON, emblemPNG: emblemPNG, actor: actor),
            prepare: check
        ) { db, _ in
            let current = try Int64.fetchOne(db, sql: "SELECT MAX(version) FROM office_profile") ?? 0
            if expectedVersion != 0 && expectedVersion != current {
                throw RegistryError.failedPrecondition("expected_version: the office profile is at version \(current), not \(expectedVersion); get it again and reapply your change")
            }
            let stored = StoredOfficeProfile(version: current + 1, profileJSON: profileJSON, emblemPNG: emblemPNG, sha256: digest,
                                             setAt: Date(unixMilliseconds: now), setBy: actor, requestId: requestId)
            try db.execute(sql: """
                INSERT INTO office_profile (version, profile_json, emblem_png, sha256, set_at_ms, set_by, request_id)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [stored.version, Data(profileJSON), Data(emblemPNG), Data(digest), now, actor, requestId])
            // On the writer queue, like the batches: the next batch promises PDFs with this version.
            writerState.profileVersion = stored.version
            return RegistryAPI.OfficeProfileRecord(stored)
        }
    }

    /// What a SetOfficeProfile fingerprint is made of: the profile as stored (the JSON normalized, the
    /// emblem resolved) and the actor, not the raw request nor `expected_version`, as the previous
    /// release's own check compared the stored profile's digest (so its rows copy over exactly).
    static func officeProfileFingerprint(requestId: String, profileJSON: [UInt8], emblemPNG: [UInt8], actor: String) throws -> Data {
        try Idempotency.fingerprint(of: RegistryAPI.SetOfficeProfileRequest(requestID: requestId, profileJSON: Data(profileJSON),
                                                                            emblemPNG: Data(emblemPNG)), actorID: actor)
    }

    // MARK: Final PDF

    /// The final-PDF row of a letter, pending or stored; nil when the letter gets none (numbered
    /// while the office had no profile, or imported).
    package func letterPDF(agendaId: Int64) async throws -> StoredLetterPDF? {
        try await pool.read { db in try Self.letterPDF(db, where: "agenda_id = ?", agendaId) }
    }

    package func letterPDF(verificationId: String) async throws -> StoredLetterPDF? {
        try await pool.read { db in try Self.letterPDF(db, where: "verification_id = ?", verificationId) }
    }

    package func letterPDF(sha256: [UInt8]) async throws -> StoredLetterPDF? {
        try await pool.read { db in try Self.letterPDF(db, where: "sha256 = ?", Data(sha256)) }
    }

    private static func letterPDF(_ db: Database, where condition: String, _ value: some DatabaseValueConvertible) throws -> StoredLetterPDF? {
        try Row.fetchOne(db, sql: "SELECT agenda_id, verification_id, profile_version, sha256, size FROM letter_pdf WHERE \(condition)",
                         arguments: [value]).map { row in
            let digest: Data? = row[3]
            return StoredLetterPDF(agendaId: row[0], verificationId: row[1], profileVersion: row[2], sha256: digest.map { [UInt8]($0) },
                                   size: row[4])
        }
    }

    /// The agenda entry with this row id.
    package func entry(agendaId: Int64) async throws -> AgendaEntry {
        let found = try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(AgendaRow.columns) FROM agenda WHERE id = ?", arguments: [agendaId]).map(AgendaRow.decode)
        }
        guard let found else { throw RegistryError.notFound("agenda entry \(agendaId)") }
        return found
    }

    /// Bytes `[offset, offset + count)` of a stored PDF, read without loading the whole blob.
    package func pdfBytes(agendaId: Int64, offset: Int64, count: Int) async throws -> [UInt8] {
        try await pool.read { db in
            let data = try Data.fetchOne(db, sql: "SELECT substr(pdf, ?, ?) FROM letter_pdf WHERE agenda_id = ? AND pdf IS NOT NULL",
                                         arguments: [offset + 1, count, agendaId])
            return [UInt8](data ?? Data())
        }
    }

    /// What rendering needs for one pending letter; nil when its PDF is already stored (or none is due).
    package func pendingPDF(agendaId: Int64) async throws -> PendingLetterPDF? {
        try await pool.read { db in try Self.pendingPDFs(db, only: agendaId).first }
    }

    /// Every letter whose PDF was promised and not stored: rendered at start (a crash came between).
    package func pendingPDFs() async throws -> [PendingLetterPDF] {
        try await pool.read { db in try Self.pendingPDFs(db, only: nil) }
    }

    private static func pendingPDFs(_ db: Database, only agendaId: Int64?) throws -> [PendingLetterPDF] {
        let columns = AgendaRow.columns.split(separator: ",").map { "a." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .joined(separator: ", ")
        let sql = """
            SELECT \(columns), p.verification_id, p.profile_version, l.content, l.signature_record
            FROM letter_pdf p JOIN agenda a ON a.id = p.agenda_id JOIN letter_payload l ON l.agenda_id = p.agenda_id
            WHERE p.pdf IS NULL\(agendaId == nil ? "" : " AND p.agenda_id = ?") ORDER BY p.agenda_id
            """
        let count = AgendaRow.columns.split(separator: ",").count
        return try Row.fetchAll(db, sql: sql, arguments: agendaId.map { [$0] } ?? []).map { row in
            PendingLetterPDF(entry: try AgendaRow.decode(row), verificationId: row[count], profileVersion: row[count + 1],
                             content: [UInt8](row[count + 2] as Data), signatureRecord: [UInt8](row[count + 3] as Data))
        }
    }

    /// Stores a rendered final PDF with its SHA-256 and replaces the letter's v1 receipt by the v2
    /// receipt that also seals the verification id and the PDF digest, in one transaction. If
    /// another caller stored it first (same letter registered twice at once), that one is kept.
    /// Returns the entry with the receipt now in force.
    package func storeFinalPDF(_ pending: PendingLetterPDF, pdf: [UInt8], profileVersion: Int64) async throws -> AgendaEntry {
        let digest = Array(SHA256.hash(data: pdf))
        guard var fields = ReceiptText.parse(pending.entry.receipt.text) else {
            throw RegistryError(.internalError, "the receipt of \(pending.entry.number) does not parse")
        }
        fields.verificationId = pending.verificationId
        fields.pdfDigest = digest
        let text = ReceiptText.render(fields)
        let seal = try key.sign(text)
        let now = clock.now().unixMilliseconds
        let agendaId = pending.entry.id
        let cache = cache
        let entry = try await pool.write { db -> AgendaEntry in
            try db.execute(sql: """
                UPDATE letter_pdf SET pdf = ?, sha256 = ?, size = ?, rendered_at_ms = ?, profile_version = ?
                WHERE agenda_id = ? AND pdf IS NULL
                """, arguments: [Data(pdf), Data(digest), pdf.count, now, profileVersion, agendaId])
            if db.changesCount > 0 {
                try db.execute(sql: "UPDATE agenda SET receipt = ?, receipt_signature = ? WHERE id = ?",
                               arguments: [Data(text), Data(seal), agendaId])
            }
            guard let row = try Row.fetchOne(db, sql: "SELECT \(AgendaRow.columns) FROM agenda WHERE id = ?", arguments: [agendaId]) else {
                throw RegistryError(.internalError, "agenda entry \(agendaId) vanished")
            }
            let entry = try AgendaRow.decode(row)
            // Still on the writer queue: readers see the new receipt in commit order.
            cache.put([entry])
            return entry
        }
        onNewDeliveries.get()?()
        return entry
    }
}
