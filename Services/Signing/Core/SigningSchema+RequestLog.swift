import Domain
import Foundation
import GRDB
import ServiceKit
import Wire

extension SigningSchema {
    /// Issue 12: the signing service's own request log (`request_log`: method, request id, fingerprint,
    /// result id) becomes ServiceKit's `idempotency` records, so every request id answered before the
    /// upgrade is answered the same after it (by request id with the same fingerprint, and for Sign and
    /// UploadForSignature also by natural key). Each stored reply is made from the record the request
    /// created, as the old replay read it. `request_log` itself stays, unread and unwritten from now on:
    /// an upgrade loses no row (Tests/python/test_upgrade.py), and a new database has it empty.
    static func migrateRequestLog(_ db: Database) throws {
        let rows = try Row.fetchAll(db, sql: "SELECT method, request_id, fingerprint, result_id, at FROM request_log ORDER BY at, rowid")
        let encoder = ProtobufEncoder()
        for row in rows {
            let method: String = row["method"]
            let resultId: String = row["result_id"]
            var naturalKey: NaturalKey?
            let response: [UInt8]?
            switch method {
            case "RegisterSigner":
                // A registration whose key or signer is gone cannot be answered; skipped like any missing record.
                response = try (try? SigningService.registration(db, keyId: resultId)).map { try encoder.encode($0) }
            case "ChangePassphrase":
                response = try SigningRecords.key(db, id: resultId).map {
                    try encoder.encode(ChangePassphraseResponse(keyId: resultId, changedAtUnixMillis: $0.passphraseChangedAt))
                }
            case "RotateKey":
                let ids = resultId.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                response = try encoder.encode(try SigningService.rotation(db, oldKeyId: ids[0], newKeyId: ids.count > 1 ? ids[1] : ""))
            case "RevokeKey":
                response = try SigningRecords.key(db, id: resultId).map { try encoder.encode(RevokeKeyResponse(key: $0.published)) }
            case "CreateDelegation", "RevokeDelegation":
                response = try SigningRecords.delegation(db, id: resultId).map { try encoder.encode(DelegationResponse(delegation: $0)) }
            case "UploadForSignature":
                response = try encoder.encode(SigningRequestReference(signingRequestId: resultId))
                if let upload = try Row.fetchOne(db, sql: "SELECT * FROM signing_request WHERE id = ?", arguments: [resultId]) {
                    let decoder = ProtobufDecoder()
                    let drafterBytes: Data = upload["drafter_paraf"]
                    let sekretarisBytes: Data = upload["sekretaris_paraf"]
                    // Parafs that no longer decode leave the upload answerable by its request id only.
                    if let drafter = try? decoder.decode(Paraf.self, from: [UInt8](drafterBytes)),
                       let sekretaris = try? decoder.decode(Paraf.self, from: [UInt8](sekretarisBytes)) {
                        naturalKey = try SigningService.uploadNaturalKey(
                            letterId: upload["letter_id"], digest: upload["revision_digest"], drafter: drafter, sekretaris: sekretaris,
                            uploader: upload["uploaded_by"])
                    }
                }
            case "Sign":
                let record = try SigningRecords.signature(db, id: resultId)
                response = try record.map { try encoder.encode($0) }
                if let record {
                    naturalKey = try SigningService.signNaturalKey(signingRequestId: record.signingRequestId, signerId: record.fields.signerId)
                }
            default:
                response = nil
            }
            // A result that no longer exists answered nothing useful before either; its retry runs afresh.
            guard let response else { continue }
            let at: Int64 = row["at"]
            try ExactlyOnce.importReply(db, method: "\(SigningAPI.serviceName)/\(method)", requestID: row["request_id"],
                                        fingerprint: row["fingerprint"], naturalKey: naturalKey, response: Data(response),
                                        at: SigningService.date(unixMillis: at))
        }
    }
}
