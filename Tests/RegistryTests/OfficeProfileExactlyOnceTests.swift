import Domain
import Foundation
import GRDB
@testable import RegistryCore
import RPC
import ServiceKit
import Testing
import Wire
@testable import RegistryServer

/// SetOfficeProfile on ServiceKit's exactly-once rule (issue 12; request id only, no natural key), and
/// the copy of the request ids the previous release kept in its profile version rows.
@Suite("SetOfficeProfile: exactly once", .timeLimit(.minutes(10)))
struct OfficeProfileExactlyOnceTests {
    @Test func retryGetsTheStoredReplyAndAReusedIdIsRefused() async throws {
        let office = try await OfficeFixture(officeId: "kec-sooko", signer: TestSigner())
        let client = try office.client()
        do {
            let first = try await FinalPDFTests.setProfile(client, requestID: "profile-x")
            let stored = try await office.application.store.pool.read { db in
                try Data.fetchOne(db, sql: "SELECT response FROM idempotency WHERE method = ? AND request_id = ?",
                                  arguments: [RegistryStore.setOfficeProfileMethod, "profile-x"])
            }
            #expect(try stored == Data(ProtobufEncoder().encode(first)))
            // The retry is the stored reply (also when expected_version no longer matches), no new version.
            let retried = try await FinalPDFTests.setProfile(client, requestID: "profile-x", expectedVersion: 7)
            #expect(retried == first && retried.version == 1)
            // The same request id from another admin is not the same request.
            let otherAdmin = ServiceMetadata.make(token: OfficeFixture.clerkToken, actor: ActorIdentity(id: "admin-2", name: "Admin 2", role: .admin))
            let profile = try Data(contentsOf: FinalPDFTests.profileURL.appendingPathComponent("office-profile.json"))
            let emblem = try Data(contentsOf: FinalPDFTests.profileURL.appendingPathComponent("sample-emblem.png"))
            let reused = await #expect(throws: RPCError.self) {
                try await client.call(RegistryAPI.setOfficeProfile, RegistryAPI.SetOfficeProfileRequest(
                    requestID: "profile-x", profileJSON: profile, emblemPNG: emblem), metadata: otherAdmin)
            }
            #expect(reused?.code == .invalidArgument && reused?.message.hasPrefix("request_id") == true)
            let current = try await client.call(RegistryAPI.getOfficeProfile, RegistryAPI.GetOfficeProfileRequest(), metadata: OfficeFixture.clerk)
            #expect(current.version == 1)
        } catch {
            Issue.record(error)
        }
        await client.close()
        await office.stop()
    }

    /// A profile version the previous release stored (its request id in the row, no stored reply):
    /// after the upgrade its request id gets the version it made, and another request under it is refused.
    @Test func oldProfileVersionsAreCopiedOntoStoredReplies() async throws {
        let old = try RegistryFixture()
        let json = Array(#"{"kop":{}}"#.utf8), emblem: [UInt8] = [1, 2, 3]
        try await old.store.pool.write { db in
            try db.execute(sql: """
                INSERT INTO office_profile (version, profile_json, emblem_png, sha256, set_at_ms, set_by, request_id)
                VALUES (1, ?, ?, ?, 1700000000000, 'admin-1', 'old-profile')
                """, arguments: [Data(json), Data(emblem), Data(StoredOfficeProfile.digest(profileJSON: json, emblemPNG: emblem))])
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = ?", arguments: [RegistryDatabase.officeProfileCopyMigrationIdentifier])
        }
        old.store.shutdown()
        let fixture = try RegistryFixture(directory: old.directory)
        defer { fixture.remove() }
        let retried = try await fixture.store.setOfficeProfile(profileJSON: json, emblemPNG: emblem, expectedVersion: 0,
                                                               requestId: "old-profile", actor: "admin-1")
        #expect(retried.source == .requestID && retried.response.version == 1 && retried.response.setBy == "admin-1")
        let mismatch = await #expect(throws: InvalidFieldError.self) {
            try await fixture.store.setOfficeProfile(profileJSON: json, emblemPNG: [9], expectedVersion: 0, requestId: "old-profile", actor: "admin-1")
        }
        #expect(mismatch?.field == "request_id")
        #expect(try await fixture.store.officeProfile()?.version == 1)
    }
}
