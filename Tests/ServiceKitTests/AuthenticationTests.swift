import Domain
import Foundation
import RPC
import ServiceKit
import Testing

@Suite("Service-token authentication and role checks", .timeLimit(.minutes(5)))
struct AuthenticationTests {
    let authenticator = ServiceTokenAuthenticator(credentials: [
        try! ServiceCredential(configEntry: "gateway:\(ServiceCredential.hashHex(of: "gateway-secret"))"),
    ])

    @Test("no authorization metadata is UNAUTHENTICATED")
    func missing() async {
        await #expect(throws: RPCError.self) { try await authenticator.authenticate(method: "x/Y", metadata: [:]) }
        do {
            _ = try await authenticator.authenticate(method: "x/Y", metadata: [:])
        } catch let error as RPCError {
            #expect(error.code == .unauthenticated)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("a wrong token or scheme is UNAUTHENTICATED", arguments: ["Bearer nope", "Basic gateway-secret", "Bearer", "gateway-secret"])
    func wrong(header: String) async {
        do {
            _ = try await authenticator.authenticate(method: "x/Y", metadata: ["authorization": header])
            Issue.record("accepted \(header)")
        } catch let error as RPCError {
            #expect(error.code == .unauthenticated)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("a valid token yields service:<name> with the acting user")
    func valid() async throws {
        let metadata = ServiceMetadata.make(token: "gateway-secret", actor: ActorIdentity(id: "s1", name: "Siti Aminah", role: .sekretaris, actingFor: "sekcam-01"))
        let principal = try await authenticator.authenticate(method: "x/Y", metadata: metadata)
        #expect(principal.subject == "service:gateway")
        #expect(principal.roles == ["sekretaris"])
        #expect(principal.attributes["actor.id"] == "s1")
        #expect(principal.attributes["actor.name"] == "Siti Aminah")
        #expect(principal.attributes["actor.role"] == "sekretaris")
        #expect(principal.attributes["acting.for"] == "sekcam-01")
    }

    @Test("non-ASCII names travel in the -bin header")
    func unicodeName() async throws {
        let metadata = ServiceMetadata.make(token: "gateway-secret", actor: ActorIdentity(id: "d1", name: "Dwi Ayu Ningsih — Seksi Pemerintahan", role: .drafter))
        #expect(metadata["surat-actor-name"] == nil)
        let principal = try await authenticator.authenticate(method: "x/Y", metadata: metadata)
        #expect(principal.attributes["actor.name"] == "Dwi Ayu Ningsih — Seksi Pemerintahan")
    }

    @Test("bad serviceTokens entries are configuration errors", arguments: ["gateway", "gateway:zz", ":\(String(repeating: "a", count: 64))", "g:abcd"])
    func badEntries(entry: String) {
        #expect(throws: ConfigError.self) { try ServiceCredential(configEntry: entry) }
    }

    @Test("requireActor: the right role passes, acting officials pass and keep acting_for")
    func roleAllowed() throws {
        let actor = try Fixtures.context(role: "sekretaris", id: "plh-1", actingFor: "sekcam").requireActor(.sekretaris, action: "Approve")
        #expect(actor.id == "plh-1")
        #expect(actor.actingFor == "sekcam")
    }

    @Test("requireActor: another role is PERMISSION_DENIED naming the needed role")
    func roleDenied() throws {
        do {
            _ = try Fixtures.context(role: "drafter").requireActor(.sekretaris, action: "Approve")
            Issue.record("drafter allowed to approve")
        } catch let error as RPCError {
            #expect(error.code == .permissionDenied)
            #expect(error.message.contains("sekretaris"))
        }
        do {
            _ = try Fixtures.context(role: "superuser").requireActor(.sekretaris, .camat, action: "X")
            Issue.record("unknown role allowed")
        } catch let error as RPCError {
            #expect(error.code == .permissionDenied)
            #expect(error.message.contains("camat or sekretaris"))
        }
    }

    @Test("requireActor: no acting user is UNAUTHENTICATED")
    func noActor() {
        do {
            _ = try Fixtures.context(role: nil).requireActor(.drafter, action: "CreateDraft")
            Issue.record("no actor accepted")
        } catch let error as RPCError {
            #expect(error.code == .unauthenticated)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
