import Domain
import Foundation
import GRDB
import Logging
import ServiceKit
import Testing
import Wire
@testable import SigningCore

/// Issue 12: every mutating signing method on ServiceKit's `ExactlyOnce`, BulkSign included; replays
/// by request id and by natural key; the former request log migrated.
@Suite("Signing: exactly once (request id, natural key, migrated request log)", .timeLimit(.minutes(5)))
struct SigningExactlyOnceTests {
    static func bulk(_ harness: SigningHarness, _ prefix: String, _ letters: [String],
                     passphrase: String = SigningHarness.camatPassphrase) async throws -> BulkSignResponse {
        try await harness.service.bulkSign(BulkSignRequest(passphrase: passphrase, items: letters.map {
            BulkSignItem(requestId: "\(prefix)-\($0)", letterId: $0)
        }), caller: harness.camat)
    }

    static func signatureCount(_ harness: SigningHarness) async throws -> Int {
        try await harness.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM signature") ?? -1 }
    }

    @Test("BulkSign replays by request id and by natural key: same signature ids, no second signature, logged as replays")
    func bulkReplays() async throws {
        let harness = try SigningHarness()
        try await harness.registerCamat()
        let letters = ["letter-1", "letter-2", "letter-3"]
        for letter in letters { _ = try await harness.upload(letterId: letter) }
        // letter-1 signed alone first, under a request id the bulk call does not know.
        let single = try await harness.service.sign(SignRequest(requestId: "lost-id", letterId: "letter-1",
                                                                passphrase: SigningHarness.camatPassphrase), caller: harness.camat)
        let first = try await Self.bulk(harness, "a", letters)
        #expect(first.results.map(\.code) == [0, 0, 0], "\(first.results.map(\.message))")
        // The signer's own signature on letter-1 comes back by natural key, not as "already signed".
        #expect(first.results[0].signature?.signatureId == single.signatureId)
        let ids = first.results.map { $0.signature?.signatureId ?? "" }
        #expect(try await Self.signatureCount(harness) == 3)
        let logLines = harness.logs.all
        #expect(logLines.filter { $0.contains("letter signed") }.count == 3)  // letter-1 alone, then letter-2 and -3
        #expect(logLines.contains { $0.contains("Sign replayed: stored reply sent again") && $0.contains("replay.by=natural_key") })

        // By request id: the same call again, with a wrong passphrase (nothing is unlocked, nothing counted).
        harness.clock.advance(seconds: 5)
        let again = try await Self.bulk(harness, "a", letters, passphrase: "bukan-passphrase-nya")
        #expect(again.results.map { $0.signature?.signatureId ?? "" } == ids)
        #expect(again == first)
        // By natural key: new request ids for every letter (a caller that lost them).
        let renamed = try await Self.bulk(harness, "b", letters, passphrase: "bukan-passphrase-nya")
        #expect(renamed.results.map { $0.signature?.signatureId ?? "" } == ids)
        #expect(try await Self.signatureCount(harness) == 3)
        let failures = try await harness.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM passphrase_failure") }
        #expect(failures == 0)
        let replays = harness.logs.all.filter { $0.contains("Sign replayed: stored reply sent again") }
        #expect(replays.filter { $0.contains("replay.by=request_id") }.count == 3)
        #expect(replays.filter { $0.contains("replay.by=natural_key") }.count == 4)
        #expect(harness.logs.all.filter { $0.contains("letter signed") }.count == 3)
        // The new ids are stored: a single Sign with one of them is answered by request id.
        let byNewID = try await harness.service.sign(SignRequest(requestId: "b-letter-2", letterId: "letter-2",
                                                                 passphrase: "bukan-passphrase-nya"), caller: harness.camat)
        #expect(byNewID.signatureId == ids[1])
    }

    @Test("a database with the former request log is migrated: its request ids and signatures replay as before")
    func migratedRequestLog() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("signing-upgrade-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("signing.sqlite").path
        // The release before issue 12 wrote this database (Tests/fixtures/upgrade, made by make_upgrade_cluster_fixture.py).
        try FileManager.default.copyItem(at: root.appendingPathComponent("Tests/fixtures/upgrade/e4d2fe5/signing.sqlite"),
                                         to: URL(fileURLWithPath: path))
        let loaded = try DatabaseQueue(path: path)
        let old = try loaded.read { db in
            (try Row.fetchAll(db, sql: "SELECT request_id, result_id FROM request_log WHERE method = 'Sign'"),
             try Row.fetchAll(db, sql: "SELECT * FROM signature"))
        }
        #expect(old.0.count == 3)
        try loaded.close()

        let database = try SigningHarness.open(path: path)
        let logs = LogCapture()
        let service = SigningService(database: database, policy: SigningHarness.testPolicy(), logger: logs.logger(label: "upgraded"))
        let migrated = try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM idempotency") }
        #expect(migrated == 10)

        for row in old.0 {
            let requestId: String = row["request_id"]
            let signatureId: String = row["result_id"]
            let signature = try #require(old.1.first { ($0["id"] as String) == signatureId })
            let signerId: String = signature["signer_id"]
            let caller = SigningCaller(actorId: signerId, actorRole: "camat", actorName: signerId)
            // The gateway's retry of its own request after the upgrade: the same fingerprint, the stored signature.
            let retried = try await service.sign(SignRequest(
                requestId: requestId, signingRequestId: signature["signing_request_id"], letterId: signature["letter_id"],
                signerId: signerId, passphrase: "not-checked-on-a-replay"), caller: caller)
            #expect(retried.signatureId == signatureId)
            #expect(retried.signature == signature["signature"])
            // Under a new request id, by natural key.
            let renamed = try await service.sign(SignRequest(
                requestId: "after-upgrade-\(requestId)", letterId: signature["letter_id"], signerId: signerId,
                passphrase: "not-checked-on-a-replay"), caller: caller)
            #expect(renamed.signatureId == signatureId)
        }
        let count = try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM signature") }
        #expect(count == old.1.count)
        #expect(!logs.text.contains("letter signed"))

        // An upload made before the upgrade, sent again by its clerk under a new request id: the same
        // signing request (its migrated natural key matches the one the service computes now).
        let uploads = try database.read { db in try Row.fetchAll(db, sql: "SELECT * FROM signing_request") }
        #expect(uploads.count == 4)
        for upload in uploads {
            let content: Data = upload["content"]
            let drafter: Data = upload["drafter_paraf"]
            let sekretaris: Data = upload["sekretaris_paraf"]
            let decoder = ProtobufDecoder()
            let again = try await service.upload(UploadForSignatureRequest(
                requestId: "reupload-\(UUID().uuidString)", letterId: upload["letter_id"],
                content: try decoder.decode(LetterContent.self, from: [UInt8](content)),
                drafterParaf: try decoder.decode(Paraf.self, from: [UInt8](drafter)),
                sekretarisParaf: try decoder.decode(Paraf.self, from: [UInt8](sekretaris))),
                caller: SigningCaller(actorId: upload["uploaded_by"], actorRole: "staf_umum", actorName: "Staf Umum"))
            #expect(again.signingRequestId == upload["id"] as String)
        }
        #expect(try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM signing_request") } == 4)
    }
}
