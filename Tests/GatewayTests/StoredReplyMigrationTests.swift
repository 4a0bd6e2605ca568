import Domain
import Foundation
import GRDB
import Testing
import Wire
@testable import GatewayCore

/// Replies stored by the previous release (e4d2fe5) are rewritten in today's types by the migration
/// `gateway-stored-replies-bytes-enums-v1` (GatewayStore+StoredReplyMigration.swift).
@Suite("Gateway stored replies: the previous release's hex digests and delivery state names are migrated", .timeLimit(.minutes(5)))
struct StoredReplyMigrationTests {
    // The previous release's wire shape, written out here on its own (not the migration's structs), so
    // the test fails if those do not match what e4d2fe5 encoded.
    struct OldReturnRecord: Codable {
        var round: Int32 = 1
        var notes: String = ""
        var revisionDigest: String = ""
        enum CodingKeys: Int, CodingKey { case round = 1, notes = 4, revisionDigest = 5 }
    }

    struct OldJourney: Codable {
        var letterID: String = ""
        var subject: String = ""
        var state: Int32 = 0
        var revision: Int64 = 0
        var revisionDigest: String = ""
        var letterNumber: String = ""
        var returns: [OldReturnRecord] = []
        enum CodingKeys: Int, CodingKey {
            case letterID = 1, subject = 2, state = 5, revision = 13, revisionDigest = 14, letterNumber = 17, returns = 19
        }
    }

    struct OldDelivery: Codable {
        var addressee: String = ""
        var state: String = ""
        var attempts: Int32 = 0
        enum CodingKeys: Int, CodingKey { case addressee = 1, state, attempts }
    }

    struct OldRegisterReply: Codable {
        var journey: OldJourney? = nil
        var registration: GatewayAPI.Registration? = nil
        var deliveries: [OldDelivery] = []
        enum CodingKeys: Int, CodingKey { case journey = 1, registration, deliveries }
    }

    struct OldJourneyReply: Codable {
        var journey: OldJourney? = nil
        enum CodingKeys: Int, CodingKey { case journey = 1 }
    }

    static let register = "surat.gateway.v1.Gateway/Register"
    static let paraf = "surat.gateway.v1.Gateway/Paraf"
    static let digest = Data((0..<32).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
    static let returnedDigest = Data((0..<32).map { UInt8(truncatingIfNeeded: 255 - $0 &* 5) })

    /// A database migrated up to (not including) the stored-reply migration, as the upgrade finds it.
    func previousReleaseDatabase() throws -> (DatabaseQueue, DatabaseMigrator) {
        let queue = try DatabaseQueue(path: Fixtures.temporaryDatabasePath())
        var migrator = DatabaseMigrator()
        GatewayStore.registerMigrations(&migrator)
        let identifiers = migrator.migrations
        let index = try #require(identifiers.firstIndex(of: GatewayStore.storedReplyMigrationIdentifier))
        try migrator.migrate(queue, upTo: identifiers[index - 1])
        return (queue, migrator)
    }

    func store(_ queue: DatabaseQueue, method: String, requestID: String, _ message: some Encodable) throws {
        let bytes = Data(try ProtobufEncoder().encode(message))
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO gateway_request(method, request_id, request_digest, response, created_at)
                VALUES (?, ?, 'digest-of-request', ?, 0)
                """, arguments: [method, requestID, bytes])
        }
    }

    func stored(_ queue: DatabaseQueue, method: String, requestID: String) throws -> Data {
        try queue.read { db in
            try #require(try Data.fetchOne(db, sql: "SELECT response FROM gateway_request WHERE method = ? AND request_id = ?",
                                           arguments: [method, requestID]))
        }
    }

    func oldJourney() -> OldJourney {
        OldJourney(letterID: "L1", subject: "Undangan rapat", state: 7, revision: 2,
                   revisionDigest: LetterContent.hex(Self.digest), letterNumber: "005/1/416-313/2026",
                   returns: [OldReturnRecord(round: 1, notes: "Perbaiki", revisionDigest: LetterContent.hex(Self.returnedDigest))])
    }

    @Test("a stored old-shape Register reply: hex digests become the bytes they spell, state names the enum, the rest is kept")
    func registerReply() throws {
        let (queue, migrator) = try previousReleaseDatabase()
        var registration = GatewayAPI.Registration()
        registration.letterNumber = "005/1/416-313/2026"
        registration.receipt = Data("surat-registry-receipt/v2\nnumber=005/1/416-313/2026\n".utf8)
        try store(queue, method: Self.register, requestID: "r6", OldRegisterReply(
            journey: oldJourney(), registration: registration,
            deliveries: [OldDelivery(addressee: "Kepala Desa Sooko", state: "manual", attempts: 0),
                         OldDelivery(addressee: "Camat Trowulan", state: "deliveredManually", attempts: 2),
                         OldDelivery(addressee: "Camat Puri", state: "pending", attempts: 1)]))
        // Today's types cannot read it (wrongWireType at deliveries[0].state) before the migration.
        #expect(throws: (any Error).self) {
            try ProtobufDecoder().decode(GatewayAPI.RegisterReply.self,
                                         from: [UInt8](try stored(queue, method: Self.register, requestID: "r6")))
        }

        try migrator.migrate(queue)

        let reply = try ProtobufDecoder().decode(GatewayAPI.RegisterReply.self,
                                                 from: [UInt8](try stored(queue, method: Self.register, requestID: "r6")))
        let journey = try #require(reply.journey)
        #expect(journey.revisionDigest == Self.digest)
        #expect(journey.returns.map(\.revisionDigest) == [Self.returnedDigest])
        #expect(journey.returns.map(\.notes) == ["Perbaiki"])
        #expect(journey.letterID == "L1" && journey.subject == "Undangan rapat" && journey.revision == 2)
        #expect(journey.state == .completed && journey.letterNumber == "005/1/416-313/2026")
        #expect(reply.registration == registration)
        #expect(reply.deliveries.map(\.state) == [.manual, .deliveredManually, .pending])
        #expect(reply.deliveries.map(\.addressee) == ["Kepala Desa Sooko", "Camat Trowulan", "Camat Puri"])
        #expect(reply.deliveries.map(\.attempts) == [0, 2, 1])
        // The request digest is kept, so a retry with the same request id is still recognised.
        let requestDigest = try queue.read { db in
            try String.fetchOne(db, sql: "SELECT request_digest FROM gateway_request WHERE request_id = 'r6'")
        }
        #expect(requestDigest == "digest-of-request")
    }

    @Test("a stored old-shape Paraf reply, which today's types read without error as a 64-byte digest, is converted too")
    func journeyReplySilentCase() throws {
        let (queue, migrator) = try previousReleaseDatabase()
        try store(queue, method: Self.paraf, requestID: "p1", OldJourneyReply(journey: oldJourney()))
        let before = try ProtobufDecoder().decode(GatewayAPI.JourneyReply.self,
                                                  from: [UInt8](try stored(queue, method: Self.paraf, requestID: "p1")))
        #expect(before.journey?.revisionDigest.count == 64)

        try migrator.migrate(queue)

        let after = try ProtobufDecoder().decode(GatewayAPI.JourneyReply.self,
                                                 from: [UInt8](try stored(queue, method: Self.paraf, requestID: "p1")))
        #expect(after.journey?.revisionDigest == Self.digest)
        #expect(after.journey?.returns.map(\.revisionDigest) == [Self.returnedDigest])
    }

    @Test("a reply already in today's shape is left byte for byte; one in neither shape stops the migration")
    func currentShapeAndRefusal() throws {
        let (queue, migrator) = try previousReleaseDatabase()
        var journey = GatewayAPI.Journey()
        journey.letterID = "L2"
        journey.revisionDigest = Self.digest
        var delivery = GatewayAPI.Delivery()
        delivery.state = .delivered
        var current = GatewayAPI.RegisterReply()
        current.journey = journey
        current.deliveries = [delivery]
        try store(queue, method: Self.register, requestID: "now", current)
        let bytes = try stored(queue, method: Self.register, requestID: "now")
        try migrator.migrate(queue)
        #expect(try stored(queue, method: Self.register, requestID: "now") == bytes)

        let (broken, brokenMigrator) = try previousReleaseDatabase()
        try store(broken, method: Self.register, requestID: "bad",
                  OldRegisterReply(journey: oldJourney(), deliveries: [OldDelivery(addressee: "x", state: "lost")]))
        #expect(throws: (any Error).self) { try brokenMigrator.migrate(broken) }
        let applied = try broken.read { db in try brokenMigrator.appliedIdentifiers(db) }
        #expect(!applied.contains(GatewayStore.storedReplyMigrationIdentifier))
    }

    @Test("the previous release's own database (Tests/fixtures/upgrade/e4d2fe5): every stored reply reads in today's types with the journey's digest")
    func previousReleaseFixture() async throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fixtures/upgrade/e4d2fe5/gateway.sqlite")
        let path = Fixtures.temporaryDatabasePath()
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture, to: URL(fileURLWithPath: path))
        let store = try GatewayStore(path: path)
        let rows = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT method, response FROM gateway_request ORDER BY created_at")
                .map { (method: $0["method"] as String, response: $0["response"] as Data) }
        }
        let registers = rows.filter { $0.method == Self.register }
        #expect(registers.count == 3)
        for row in registers {
            let reply = try ProtobufDecoder().decode(GatewayAPI.RegisterReply.self, from: [UInt8](row.response))
            let journey = try #require(reply.journey)
            // The journey table keeps the digest as hex (JSON, unchanged): the stored reply now has its bytes.
            let kept = try await store.journey(journey.letterID)
            #expect(journey.revisionDigest.count == 32)
            #expect(LetterContent.hex(journey.revisionDigest) == kept.revisionDigest)
            #expect(journey.returns.map { LetterContent.hex($0.revisionDigest) } == kept.returns.map(\.revisionDigest))
            #expect(!reply.deliveries.isEmpty && reply.deliveries.allSatisfy { $0.state == .manual })
        }
        let returned = registers.compactMap { try? ProtobufDecoder().decode(GatewayAPI.RegisterReply.self, from: [UInt8]($0.response)) }
            .filter { !($0.journey?.returns.isEmpty ?? true) }
        #expect(returned.count == 1)
        for row in rows where row.method != Self.register {
            let journey: GatewayAPI.Journey?
            switch row.method {
            case "surat.gateway.v1.Gateway/CreateDraft", "surat.gateway.v1.Gateway/EditDraft":
                journey = try ProtobufDecoder().decode(GatewayAPI.DraftReply.self, from: [UInt8](row.response)).journey
            case "surat.gateway.v1.Gateway/Sign":
                journey = try ProtobufDecoder().decode(GatewayAPI.SignReply.self, from: [UInt8](row.response)).journey
            default:
                journey = try ProtobufDecoder().decode(GatewayAPI.JourneyReply.self, from: [UInt8](row.response)).journey
            }
            let digests = try [#require(journey).revisionDigest] + #require(journey).returns.map(\.revisionDigest)
            #expect(digests.allSatisfy { $0.isEmpty || $0.count == 32 }, "\(row.method)")
        }
    }
}
