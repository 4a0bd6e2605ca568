import Crypto
import Domain
import Foundation
import GRDB
import ServiceKit

/// A letter another office delivered to us, already verified by the caller.
package struct IncomingLetter: Sendable, Hashable {
    package var senderOffice: String
    package var number: String
    package var letterId: UUID
    package var addresseeId: String
    package var subject: String
    package var content: [UInt8]
    package var contentDigest: [UInt8]
    package var signatureRecord: [UInt8]
    package var signerId: String
    package var receiptText: [UInt8]
    package var receiptSignature: [UInt8]
    package var receivedAt: Date = Date(timeIntervalSince1970: 0)
    package var acknowledgement: String = ""

    package init(senderOffice: String, number: String, letterId: UUID, addresseeId: String, subject: String,
                 content: [UInt8], contentDigest: [UInt8], signatureRecord: [UInt8], signerId: String,
                 receiptText: [UInt8], receiptSignature: [UInt8]) {
        self.senderOffice = senderOffice
        self.number = number
        self.letterId = letterId
        self.addresseeId = addresseeId
        self.subject = subject
        self.content = content
        self.contentDigest = contentDigest
        self.signatureRecord = signatureRecord
        self.signerId = signerId
        self.receiptText = receiptText
        self.receiptSignature = receiptSignature
    }
}

extension RegistryStore {
    package static let deliverLetterMethod = "/surat.inbox.v1.Inbox/DeliverLetter"

    /// Records an incoming letter once per (sender office, number), on ServiceKit's exactly-once rule.
    /// `DeliverLetter` carries no request id, so its request id is derived from its fingerprint (the
    /// request bytes and the sending office's credential): the same delivery again gets the first
    /// reply's stored bytes without `verify` running again. Another delivery of a letter already
    /// received from that office (another addressee of it) returns the first acknowledgement with
    /// `duplicate = true`; a different letter under a number we already hold from that sender is
    /// refused (ALREADY_EXISTS). `verify` (the signature and receipt checks) runs outside the write
    /// transaction, for a delivery not seen before only.
    package func recordIncoming(fingerprint: Data, receiverOffice: String, verify: @Sendable () async throws -> IncomingLetter
    ) async throws -> ExactlyOnce.Answer<InboxAPI.DeliverLetterResponse> {
        let now = clock.now().unixMilliseconds
        let acknowledgement = "ack-" + UUID().uuidString.lowercased()
        return try await ExactlyOnce(pool: pool, now: { Date(unixMilliseconds: now) }).run(
            method: Self.deliverLetterMethod, requestID: Self.deliveryRequestId(fingerprint: fingerprint), fingerprint: fingerprint,
            prepare: verify
        ) { db, letter in
            var response = InboxAPI.DeliverLetterResponse()
            response.receiverOffice = receiverOffice
            if let existing = try Self.fetchIncoming(db, sender: letter.senderOffice, number: letter.number) {
                guard existing.letterId == letter.letterId, existing.contentDigest == letter.contentDigest else {
                    throw RegistryError(.alreadyExists,
                        "number: \(letter.senderOffice) already delivered a different letter as \(letter.number)")
                }
                response.acknowledgement = existing.acknowledgement
                response.receivedAt = existing.receivedAt
                response.duplicate = true
                return response
            }
            try db.execute(sql: """
                INSERT INTO incoming (sender_office, number, letter_id, addressee_id, received_at_ms, subject, content,
                    content_sha256, signature_record, signer_id, receipt, receipt_signature, acknowledgement)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [letter.senderOffice, letter.number, letter.letterId.uuidString.lowercased(),
                                 letter.addresseeId, now, letter.subject, Data(letter.content), Data(letter.contentDigest),
                                 Data(letter.signatureRecord), letter.signerId, Data(letter.receiptText),
                                 Data(letter.receiptSignature), acknowledgement])
            response.acknowledgement = acknowledgement
            response.receivedAt = Date(unixMilliseconds: now)
            return response
        }
    }

    /// The request id a delivery is stored under: its fingerprint (what was delivered, and by whom).
    package static func deliveryRequestId(fingerprint: Data) -> String { "deliver-" + Hex.encode(Array(fingerprint)) }

    package func incomingLetters(sender: String?, limit: Int) async throws -> [IncomingLetter] {
        try await pool.read { db in
            var sql = "SELECT * FROM incoming"
            var arguments: StatementArguments = []
            if let sender, !sender.isEmpty {
                sql += " WHERE sender_office = ?"
                arguments += [sender]
            }
            sql += " ORDER BY id LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.decodeIncoming)
        }
    }

    static func fetchIncoming(_ db: Database, sender: String, number: String) throws -> IncomingLetter? {
        try Row.fetchOne(db, sql: "SELECT * FROM incoming WHERE sender_office = ? AND number = ?", arguments: [sender, number])
            .map(decodeIncoming)
    }

    static func decodeIncoming(_ row: Row) throws -> IncomingLetter {
        guard let letterId = UUID(uuidString: row["letter_id"]) else {
            throw RegistryError(.internalError, "an incoming letter's row has a malformed letter id")
        }
        var letter = IncomingLetter(
            senderOffice: row["sender_office"], number: row["number"], letterId: letterId,
            addresseeId: row["addressee_id"], subject: row["subject"], content: [UInt8](row["content"] as Data),
            contentDigest: [UInt8](row["content_sha256"] as Data), signatureRecord: [UInt8](row["signature_record"] as Data),
            signerId: row["signer_id"], receiptText: [UInt8](row["receipt"] as Data),
            receiptSignature: [UInt8](row["receipt_signature"] as Data))
        letter.receivedAt = Date(unixMilliseconds: row["received_at_ms"])
        letter.acknowledgement = row["acknowledgement"]
        return letter
    }
}
