import Domain
import Foundation
import GRDB
import ServiceKit
import Testing
@testable import GatewayCore

/// The gateway's stored replies move from its own `gateway_request` table to ServiceKit's exactly-once
/// records (migration gateway-request-to-servicekit-v1, after the stored-reply rewrite): after the
/// upgrade every reply the previous release stored is answered by request id and by natural key, and the
/// old table keeps its rows.
@Suite("Gateway stored replies copied to ServiceKit's exactly-once records", .timeLimit(.minutes(5)))
struct ExactlyOnceCopyMigrationTests {
    @Test func previousReleaseRepliesReplayAfterTheUpgrade() async throws {
        let pool = try DatabasePool(path: Fixtures.temporaryDatabasePath())
        var migrator = DatabaseMigrator()
        ExactlyOnce.registerMigrations(&migrator)
        GatewayStore.registerMigrations(&migrator)
        let identifiers = migrator.migrations
        let copy = try #require(identifiers.firstIndex(of: GatewayStore.exactlyOnceCopyMigrationIdentifier))
        // Last: after the rewrite of the previous release's reply shapes.
        #expect(copy == identifiers.count - 1)
        #expect(try #require(identifiers.firstIndex(of: GatewayStore.storedReplyMigrationIdentifier)) < copy)
        try migrator.migrate(pool, upTo: identifiers[copy - 1])

        let method = "surat.gateway.v1.Gateway/AssignClerk"
        let natural = GatewayStore.naturalKey(letterID: "L1", asked: "ask-a")
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO gateway_request(method, request_id, request_digest, response, created_at, natural_key)
                VALUES (?, 'r1', 'digest-1', ?, 1700000000.5, ?), (?, 'r0', 'digest-0', ?, 1700000000, NULL)
                """, arguments: [method, Data("first reply".utf8), natural, method, Data("older reply".utf8)])
        }
        try migrator.migrate(pool)
        let store = GatewayStore(migratedPool: pool)

        #expect(try await store.storedResponse(method: method, requestID: "r1", requestDigest: "digest-1") == Data("first reply".utf8))
        #expect(try await store.storedResponse(method: method, requestID: "r0", requestDigest: "digest-0") == Data("older reply".utf8))
        let reused = await #expect(throws: GatewayError.self) {
            try await store.storedResponse(method: method, requestID: "r1", requestDigest: "another request")
        }
        #expect(reused?.kind == .invalidArgument && reused?.field == "request_id")
        // The same step under a new request id: found by its natural key, then answered by request id.
        #expect(try await store.storedStep(method: method, naturalKey: natural, requestID: "r2", requestDigest: "digest-2")
                == Data("first reply".utf8))
        #expect(try await store.storedResponse(method: method, requestID: "r2", requestDigest: "digest-2") == Data("first reply".utf8))
        // Nothing lost: the old table keeps its rows; new replies go to ServiceKit's records only.
        let (old, copied) = try await pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM gateway_request") ?? -1,
             try ExactlyOnce.storedReplyCount(db, method: method))
        }
        #expect(old == 2 && copied == 3)
    }
}
