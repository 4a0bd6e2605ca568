import Domain
import Foundation
import GRDB
import ServiceKit
import Wire

extension RegistryDatabase {
    static let requestLogCopyMigrationIdentifier = "registry-request-log-to-servicekit-v1"
    static let officeProfileCopyMigrationIdentifier = "registry-office-profile-to-servicekit-v1"

    /// Issue 12: the registry's own request log (`request_log`: request id, method, a text fingerprint
    /// "cancel|number|letter id|reason" or "mark|letter id|addressee|note") becomes ServiceKit's
    /// `idempotency` records, so a request id answered before the upgrade is answered the same after it
    /// (by request id, and by natural key). Each stored reply is made from the record the request
    /// changed, as the old replay read it; the acting user is the one the record names (cancelled_by,
    /// delivered_by). `request_log` itself stays, unread and unwritten from now on (an upgrade loses no
    /// row, Tests/python/test_upgrade.py). Run by `RegistryStore.init`: the replies carry the registry's
    /// public key, which only the store knows. The request ids SetOfficeProfile kept in its profile
    /// version rows are copied the same way (a second migration).
    static func copyRequestLog(_ pool: DatabasePool, registryPublicKey publicKey: [UInt8]) throws {
        var migrator = DatabaseMigrator()
        let encoder = ProtobufEncoder()
        migrator.registerMigration(requestLogCopyMigrationIdentifier) { db in
            let rows = try Row.fetchAll(db, sql: "SELECT request_id, method, fingerprint FROM request_log ORDER BY request_id")
            for row in rows {
                let requestId: String = row["request_id"]
                let text: String = row["fingerprint"]
                let fields = text.split(separator: "|", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
                guard fields.count == 4 else { continue }
                switch (row["method"] as String, fields[0]) {
                case ("CancelLetter", "cancel"):
                    let entry: AgendaEntry? = if !fields[1].isEmpty { try AgendaRow.fetch(db, number: fields[1]) }
                        else if let id = UUID(uuidString: fields[2]) { try AgendaRow.fetch(db, letterId: id) } else { nil }
                    // A letter no longer in the book answered nothing before either: its retry runs afresh.
                    guard let entry, entry.status == .cancelled else { continue }
                    let step = try RegistryStore.cancelStep(requestId: requestId, number: fields[1], letterId: fields[2],
                                                            reason: fields[3], actor: entry.cancelledBy)
                    var response = RegistryAPI.CancelLetterResponse()
                    response.entry = RegistryAPI.AgendaEntry(entry, registryPublicKey: publicKey)
                    try ExactlyOnce.importReply(db, method: RegistryStore.cancelMethod, requestID: requestId, fingerprint: step.fingerprint,
                                                naturalKey: step.naturalKey, response: Data(try encoder.encode(response)),
                                                at: entry.cancelledAt ?? entry.registeredAt)
                case ("MarkDelivered", "mark"):
                    guard let found = try RegistryStore.delivery(db, letterId: fields[1], addresseeId: fields[2]),
                          found.delivery.state == .deliveredManually else { continue }
                    let step = try RegistryStore.markDeliveredStep(requestId: requestId, letterId: fields[1], addresseeId: fields[2],
                                                                   note: fields[3], actor: found.delivery.deliveredBy)
                    var response = RegistryAPI.MarkDeliveredResponse()
                    response.delivery = RegistryAPI.Delivery(found.delivery, number: found.number)
                    try ExactlyOnce.importReply(db, method: RegistryStore.markDeliveredMethod, requestID: requestId, fingerprint: step.fingerprint,
                                                naturalKey: step.naturalKey, response: Data(try encoder.encode(response)),
                                                at: found.delivery.deliveredAt ?? Date(timeIntervalSince1970: 0))
                default:
                    continue
                }
            }
        }
        migrator.registerMigration(officeProfileCopyMigrationIdentifier) { db in
            // SetOfficeProfile kept its request id in the profile version row it made: each becomes a
            // stored reply (the version as made), fingerprinted as the store does (RegistryStore.setOfficeProfile).
            let rows = try Row.fetchAll(db, sql: "SELECT version FROM office_profile ORDER BY version")
            for row in rows {
                guard let stored = try RegistryStore.officeProfile(db, version: row["version"]) else { continue }
                let fingerprint = try RegistryStore.officeProfileFingerprint(requestId: stored.requestId, profileJSON: stored.profileJSON,
                                                                             emblemPNG: stored.emblemPNG, actor: stored.setBy)
                try ExactlyOnce.importReply(db, method: RegistryStore.setOfficeProfileMethod, requestID: stored.requestId,
                                            fingerprint: fingerprint, response: Data(try encoder.encode(RegistryAPI.OfficeProfileRecord(stored))),
                                            at: stored.setAt)
            }
        }
        try migrator.migrate(pool)
    }
}
