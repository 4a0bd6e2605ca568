import Domain
import Foundation
import GatewayCore
import Logging
import RPC
import Testing
@testable import GatewayService

@Suite("Gateway authentication: one token lookup per call", .timeLimit(.minutes(5)))
struct GatewayAuthenticatorTests {
    @Test("handlers read the caller the authenticator found, without looking the token up again")
    func callerComesFromThePrincipal() async throws {
        let store = try GatewayStore(path: Fixtures.temporaryDatabasePath())
        _ = try await store.createUser(id: "ani", name: "Ani Staf", role: .stafUmum)
        let issued = try await store.issueToken(userID: "ani", validFor: 3600)
        let authenticator = GatewayAuthenticator(store: store)
        let metadata: Metadata = ["authorization": "Bearer \(issued.token)"]
        let principal = try await authenticator.authenticate(method: "/surat.gateway.v1.Gateway/GetJourney", metadata: metadata)
        let looked = try await store.authenticate(token: issued.token)
        #expect(try GatewayAuthenticator.caller(from: principal) == looked)

        // Revoked after the call was authenticated: the call goes on as the user it started as,
        // which it could not if the handler looked the token up a second time.
        try await store.revokeToken(id: issued.id)
        let service = GatewayService(store: store, backends: nil, configuration: GatewayConfiguration(),
                                     logger: Logger(label: "gateway-authenticator-tests"))
        let context = ServerContext(method: "/surat.gateway.v1.Gateway/GetJourney", metadata: metadata,
                                    principal: principal, logger: Logger(label: "gateway-authenticator-tests"))
        #expect(try await service.caller(context) == looked)
        // The next call is authenticated afresh and refused.
        await #expect(throws: (any Error).self) {
            _ = try await authenticator.authenticate(method: "/surat.gateway.v1.Gateway/GetJourney", metadata: metadata)
        }
    }

    @Test("a call the authenticator did not see has no caller (UNAUTHENTICATED)")
    func noPrincipalNoCaller() {
        let error = #expect(throws: RPCError.self) { _ = try GatewayAuthenticator.caller(from: nil) }
        #expect(error?.code == .unauthenticated)
        let anonymous = #expect(throws: RPCError.self) {
            _ = try GatewayAuthenticator.caller(from: Principal(subject: "anonymous"))
        }
        #expect(anonymous?.code == .unauthenticated)
    }
}
