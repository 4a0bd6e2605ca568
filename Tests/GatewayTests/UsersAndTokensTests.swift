import Domain
import Foundation
import GRDB
import Testing
@testable import GatewayCore

@Suite("Users, roles, acting officials and tokens", .timeLimit(.minutes(10)))
struct UsersAndTokensTests {
    @Test("an issued token authenticates its user; only its SHA-256 is stored")
    func tokenRoundTrip() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let store = try GatewayStore(path: path, clock: ManualClock())
        _ = try await store.createUser(id: "ani", name: "Ani", role: .stafUmum, nip: "1980")
        let issued = try await store.issueToken(userID: "ani", label: "laptop", validFor: 3600)
        #expect(issued.token.hasPrefix("surat_"))
        let user = try await store.authenticate(token: issued.token)
        #expect(user.user.id == "ani")
        #expect(user.roles == [.stafUmum])
        #expect(user.tokenID == issued.id)

        let stored = try await store.tokens(userID: "ani")
        #expect(stored.map(\.sha256Hex) == [TokenHashing.sha256Hex(issued.token)])
        // The plaintext is nowhere in the database file (WAL checkpointed first).
        _ = try await store.pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.range(of: Data(issued.token.utf8)) == nil)
        #expect(bytes.range(of: Data(TokenHashing.sha256Hex(issued.token).utf8)) != nil)
    }

    @Test("unknown, revoked and expired tokens and deactivated users are UNAUTHENTICATED")
    func rejectedTokens() async throws {
        let clock = ManualClock()
        let store = try GatewayStore(path: Fixtures.temporaryDatabasePath(), clock: clock)
        _ = try await store.createUser(id: "ani", name: "Ani", role: .stafUmum)
        let short = try await store.issueToken(userID: "ani", validFor: 60)
        let revoked = try await store.issueToken(userID: "ani", validFor: 3600)
        let other = try await store.issueToken(userID: "ani", validFor: 3600)
        try await store.revokeToken(id: revoked.id)
        clock.advance(minutes: 2)

        for token in ["surat_nonsense", short.token, revoked.token] {
            let error = await #expect(throws: GatewayError.self) { try await store.authenticate(token: token) }
            #expect(error?.kind == .unauthenticated)
        }
        #expect(try await store.authenticate(token: other.token).user.id == "ani")
        try await store.setUserActive("ani", active: false)
        await #expect(throws: GatewayError.self) { try await store.authenticate(token: other.token) }
        try await store.setUserActive("ani", active: true)
        // Deactivation ended the token: re-activating the user does not revive it (issue 11, item 5).
        let revived = await #expect(throws: GatewayError.self) { try await store.authenticate(token: other.token) }
        #expect(revived?.kind == .unauthenticated)
        #expect(try await store.tokens(userID: "ani").allSatisfy { $0.revokedAt != nil })
        let fresh = try await store.issueToken(userID: "ani", validFor: 3600)
        #expect(try await store.authenticate(token: fresh.token).user.id == "ani")
        let missing = await #expect(throws: GatewayError.self) { try await store.revokeToken(id: "tok-missing") }
        #expect(missing?.kind == .notFound)
    }

    @Test("each step needs its role; admin is not a step role")
    func stepRoles() async throws {
        let store = try GatewayStore(path: Fixtures.temporaryDatabasePath(), clock: ManualClock())
        for (id, role) in [("ani", Role.stafUmum), ("dedi", .drafter), ("sri", .sekretaris), ("camat", .camat),
                           ("root", .admin)] {
            _ = try await store.createUser(id: id, name: id.capitalized, role: role)
            let user = try await store.authenticate(token: try await store.issueToken(userID: id, validFor: 60).token)
            for step in SOPStep.allCases {
                if step.role == role {
                    #expect(try user.actor(for: step).role == role)
                } else {
                    let error = #expect(throws: GatewayError.self) { try user.actor(for: step) }
                    #expect(error?.kind == .permissionDenied)
                    #expect(error?.message.contains(step.role.rawValue) == true)
                }
            }
        }
    }

    @Test("an acting official (Plh) may act in the role only during the grant, and records say for whom")
    func actingOfficial() async throws {
        let clock = ManualClock()
        let store = try GatewayStore(path: Fixtures.temporaryDatabasePath(), clock: clock)
        _ = try await store.createUser(id: "sri", name: "Sri", role: .sekretaris)
        let token = try await store.issueToken(userID: "sri", validFor: 86_400).token
        let grant = try await store.grantActing(userID: "sri", role: .camat, actingFor: "camat",
                                                validFrom: clock.now().addingTimeInterval(60),
                                                validUntil: clock.now().addingTimeInterval(3600))
        await #expect(throws: GatewayError.self) {
            try await store.authenticate(token: token).actor(for: .sign)
        }
        clock.advance(minutes: 2)
        let actor = try await store.authenticate(token: token).actor(for: .sign)
        #expect(actor == Actor(id: "sri", name: "Sri", role: .camat, actingFor: "camat"))
        #expect(try await store.authenticate(token: token).actor(for: .review).actingFor == nil)
        try await store.endActing(grantID: grant.id)
        await #expect(throws: GatewayError.self) {
            try await store.authenticate(token: token).actor(for: .sign)
        }
        let adminGrant = await #expect(throws: GatewayError.self) {
            try await store.grantActing(userID: "sri", role: .admin, actingFor: "x", validFrom: clock.now(),
                                        validUntil: clock.now().addingTimeInterval(60))
        }
        #expect(adminGrant?.kind == .invalidArgument)
    }

    @Test("bootstrap creates the first admin once; user ids and names are validated")
    func bootstrapAndValidation() async throws {
        let store = try GatewayStore(path: Fixtures.temporaryDatabasePath(), clock: ManualClock())
        let issued = try await store.bootstrapAdmin()
        #expect(try await store.authenticate(token: issued.token).roles == [.admin])
        let again = await #expect(throws: GatewayError.self) { try await store.bootstrapAdmin(id: "admin2") }
        #expect(again?.kind == .failedPrecondition)

        for bad in ["A", "Ani", "has space", "-x", String(repeating: "a", count: 65)] {
            let error = await #expect(throws: GatewayError.self) {
                try await store.createUser(id: bad, name: "n", role: .drafter)
            }
            #expect(error?.message.hasPrefix("user_id") == true)
        }
        await #expect(throws: GatewayError.self) { try await store.createUser(id: "ok", name: " ", role: .drafter) }
        _ = try await store.createUser(id: "dedi", name: "Dedi", role: .drafter)
        _ = try await store.createUser(id: "dedi", name: "Dedi", role: .drafter)  // retry is fine
        let clash = await #expect(throws: GatewayError.self) {
            try await store.createUser(id: "dedi", name: "Other", role: .camat)
        }
        #expect(clash?.kind == .alreadyExists)
        #expect(try await store.users().map(\.id) == ["admin", "dedi"])
    }
}
