import Domain
import Foundation
import GRDB
import Testing
@testable import GatewayCore

@Suite("Sign-in passwords: scrypt hashes, must-change, sessions, failure limit", .timeLimit(.minutes(10)))
struct PasswordTests {
    /// The lowest cost the hasher accepts keeps these tests quick; the cost is stored in each hash.
    let hasher = PasswordHasher(log2N: 10)

    @Test("a hash verifies its password only, and round-trips through its stored text")
    func hashAndVerify() async throws {
        let hash = await hasher.hash("Kantor-Sooko-2026")
        #expect(hash.salt.count == 16 && hash.hash.count == 32)
        let stored = try #require(PasswordHash(encoded: hash.encoded))
        #expect(stored == hash)
        #expect(await hasher.verify("Kantor-Sooko-2026", against: stored))
        #expect(!(await hasher.verify("kantor-sooko-2026", against: stored)))
        // Two hashes of one password differ (random salt), and both verify.
        let again = await hasher.hash("Kantor-Sooko-2026")
        #expect(again.salt != hash.salt && again.hash != hash.hash)
        #expect(await hasher.verify("Kantor-Sooko-2026", against: again))
    }

    @Test("a hash made at one cost still verifies after the default changes")
    func costIsStoredWithTheHash() async throws {
        let old = await PasswordHasher(log2N: 11).hash("Kantor-Sooko-2026")
        #expect(old.encoded.hasPrefix("scrypt$11$8$1$"))
        #expect(await hasher.verify("Kantor-Sooko-2026", against: old))
    }

    @Test("malformed stored hashes are rejected", arguments: ["", "scrypt$15$8$1$", "bcrypt$10$x$y$z$w", "scrypt$40$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AA=="])
    func malformed(_ text: String) {
        #expect(PasswordHash(encoded: text) == nil)
    }

    @Test("password rules", arguments: [
        ("pendek", "ani", false), ("ani-rahasia-panjang", "ani", false), ("aaaaaaaaaaaa", "ani", false),
        ("Kantor-Sooko-2026", "ani", true),
    ])
    func rules(_ password: String, _ user: String, _ ok: Bool) {
        #expect((PasswordHasher.problem(password: password, userID: user) == nil) == ok)
    }

    @Test("five failures are free, then each attempt waits, doubling; a success clears it")
    func limiter() async {
        let limiter = SignInLimiter()
        let start = Date(timeIntervalSince1970: 1_767_225_600)
        for _ in 0..<4 { await limiter.recordFailure(userID: "ani", now: start) }
        #expect(await limiter.waitRemaining(userID: "ani", now: start) == nil)
        await limiter.recordFailure(userID: "ani", now: start)
        #expect(await limiter.waitRemaining(userID: "ani", now: start) == 30)
        #expect(await limiter.waitRemaining(userID: "ani", now: start.addingTimeInterval(31)) == nil)
        await limiter.recordFailure(userID: "ani", now: start.addingTimeInterval(31))
        #expect(await limiter.waitRemaining(userID: "ani", now: start.addingTimeInterval(31)) == 60)
        #expect(await limiter.waitRemaining(userID: "dedi", now: start) == nil)   // per user
        await limiter.recordSuccess(userID: "ani")
        #expect(await limiter.waitRemaining(userID: "ani", now: start.addingTimeInterval(31)) == nil)
    }

    @Test("an admin-set password restricts only that user's sign-in sessions until it is changed")
    func mustChangeAndSessions() async throws {
        let store = try GatewayStore(path: Fixtures.temporaryDatabasePath(), clock: ManualClock())
        _ = try await store.createUser(id: "ani", name: "Ani", role: .stafUmum)
        try await store.setPassword(userID: "ani", hash: await hasher.hash("Mulai-Satu-2026"), mustChange: true)
        let session = try await store.issueToken(userID: "ani", label: GatewayStore.sessionLabelPrefix + "web", validFor: 600)
        let script = try await store.issueToken(userID: "ani", label: "arsip", validFor: 600)
        #expect(try await store.sessionNeedsPasswordChange(tokenID: session.id))
        #expect(!(try await store.sessionNeedsPasswordChange(tokenID: script.id)))
        #expect(try await store.passwordRecord(userID: "ani")?.mustChange == true)

        try await store.setPassword(userID: "ani", hash: await hasher.hash("Kantor-Sooko-2026"), mustChange: false)
        #expect(!(try await store.sessionNeedsPasswordChange(tokenID: session.id)))
        // Ending sessions leaves script tokens alone.
        let other = try await store.issueToken(userID: "ani", label: GatewayStore.sessionLabelPrefix + "cli", validFor: 600)
        try await store.revokeSessions(userID: "ani", except: session.id)
        _ = try await store.authenticate(token: session.token)
        _ = try await store.authenticate(token: script.token)
        await #expect(throws: GatewayError.self) { _ = try await store.authenticate(token: other.token) }
    }

    @Test("only the hash is stored: the password is nowhere in the database file")
    func noPlaintext() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let store = try GatewayStore(path: path, clock: ManualClock())
        _ = try await store.createUser(id: "ani", name: "Ani", role: .stafUmum)
        try await store.setPassword(userID: "ani", hash: await hasher.hash("Kantor-Sooko-2026"), mustChange: false)
        _ = try await store.pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.range(of: Data("Kantor-Sooko-2026".utf8)) == nil)
        #expect(bytes.range(of: Data("scrypt$10$8$1$".utf8)) != nil)
    }
}
