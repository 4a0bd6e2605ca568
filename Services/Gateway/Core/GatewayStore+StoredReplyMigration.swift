import Domain
import Foundation
import GRDB
import Wire

/// Stored replies are migrated (issue 11, item 11): `gateway_request` keeps the encoded reply of every
/// letter step so a retry gets it back, and the registration backfill reads the step-6 ones. Replies the
/// previous release stored carry hex-string revision digests and string delivery states; decoded with
/// today's types the first read as 64 ASCII bytes (wrong, silently) and the second fails (wrongWireType).
/// This migration rewrites each of them once: decoded with the e4d2fe5 shape (LegacyWireShapes+e4d2fe5.swift),
/// converted (hex → 32 bytes, state name → enum), encoded with today's types. The step's request digest
/// and natural key are kept, so the same retry is still recognised.
extension GatewayStore {
    static let storedReplyMigrationIdentifier = "gateway-stored-replies-bytes-enums-v1"

    static func registerStoredReplyMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration(storedReplyMigrationIdentifier) { db in
            try migrateStoredReplies(db)
        }
    }

    /// The methods whose stored reply carries a changed message, with the reply's previous shape. These
    /// are all the methods the previous release stored replies of; later methods were never stored in it.
    private static var legacyReplies: [String: any LegacyStoredReply.Type] {
        [
            "surat.gateway.v1.Gateway/OpenLetter": LegacyE4D2FE5.JourneyReply.self,
            "surat.gateway.v1.Gateway/AssignClerk": LegacyE4D2FE5.JourneyReply.self,
            "surat.gateway.v1.Gateway/CreateDraft": LegacyE4D2FE5.DraftReply.self,
            "surat.gateway.v1.Gateway/EditDraft": LegacyE4D2FE5.DraftReply.self,
            "surat.gateway.v1.Gateway/Paraf": LegacyE4D2FE5.JourneyReply.self,
            "surat.gateway.v1.Gateway/Approve": LegacyE4D2FE5.JourneyReply.self,
            "surat.gateway.v1.Gateway/ReturnDraft": LegacyE4D2FE5.JourneyReply.self,
            "surat.gateway.v1.Gateway/UploadForSignature": LegacyE4D2FE5.JourneyReply.self,
            "surat.gateway.v1.Gateway/Sign": LegacyE4D2FE5.SignReply.self,
            "surat.gateway.v1.Gateway/Register": LegacyE4D2FE5.RegisterReply.self,
        ]
    }

    /// Rewrites every stored reply of `legacyReplies`; returns how many changed. A reply that is in neither
    /// shape stops the migration (the transaction, and so the upgrade, is rolled back) naming its row.
    @discardableResult
    static func migrateStoredReplies(_ db: Database) throws -> Int {
        let shapes = legacyReplies
        let methods = shapes.keys.sorted()
        let rows = try Row.fetchAll(db, sql: """
            SELECT method, request_id, response FROM gateway_request
            WHERE method IN (\(methods.map { _ in "?" }.joined(separator: ",")))
            """, arguments: StatementArguments(methods))
        var changed = 0
        for row in rows {
            let method: String = row["method"], requestID: String = row["request_id"], response: Data = row["response"]
            guard let shape = shapes[method] else { continue }
            do {
                guard let converted = try convert(response, from: shape) else { continue }
                try db.execute(sql: "UPDATE gateway_request SET response = ? WHERE method = ? AND request_id = ?",
                               arguments: [converted, method, requestID])
                changed += 1
            } catch {
                throw LegacyE4D2FE5.ConversionError(
                    description: "stored reply of \(method) request_id \(requestID) cannot be migrated: \(error)")
            }
        }
        return changed
    }

    /// The reply in today's shape, or nil when it is in today's shape already (a database an unreleased
    /// build of this release wrote: its digests are 32 bytes or empty, and a previous-release digest,
    /// read with today's types, is 64).
    static func convert<Legacy: LegacyStoredReply>(_ bytes: Data, from _: Legacy.Type) throws -> Data? {
        let legacyError: any Error
        do {
            let legacy = try ProtobufDecoder().decode(Legacy.self, from: [UInt8](bytes))
            return Data(try ProtobufEncoder().encode(try legacy.converted()))
        } catch {
            legacyError = error
        }
        if let current = try? ProtobufDecoder().decode(Legacy.Current.self, from: [UInt8](bytes)),
           Legacy.journeys(in: current).allSatisfy(hasCurrentDigests) {
            return nil
        }
        throw legacyError
    }

    private static func hasCurrentDigests(_ journey: GatewayAPI.Journey) -> Bool {
        ([journey.revisionDigest] + journey.returns.map(\.revisionDigest)).allSatisfy { $0.isEmpty || $0.count == 32 }
    }
}
