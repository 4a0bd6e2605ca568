import Domain
import GatewayCore
import RPC

/// Checks the user's bearer token on every gateway call (health and reflection excepted) and keeps the
/// admin service to admins. Handlers re-read the caller through `GatewayService.caller(_:)` to get the
/// acting grants valid at that moment.
struct GatewayAuthenticator: Authenticator {
    let store: GatewayStore

    static func bearerToken(_ metadata: Metadata) throws -> String {
        guard let header = metadata["authorization"] else {
            throw RPCError(.unauthenticated,
                           "missing authorization: send `authorization: Bearer <token>` (an admin issues tokens with `surat admin token issue`)")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw RPCError(.unauthenticated, "authorization must be `Bearer <token>`")
        }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    func authenticate(method: String, metadata: Metadata) async throws -> Principal {
        // SignIn is how a caller gets a token: it needs none (the handler checks the password).
        if method.hasSuffix(GatewayAPI.signIn.fullName) { return Principal(subject: "anonymous") }
        let user = try await store.authenticate(token: try Self.bearerToken(metadata))
        if !GatewayService.allowedBeforePasswordChange.contains(where: { method.hasSuffix($0) }),
           try await store.sessionNeedsPasswordChange(tokenID: user.tokenID) {
            throw RPCError(.permissionDenied, "\(user.user.id) must change the password an admin set before doing anything else (ChangePassword)")
        }
        if method.contains(GatewayAPI.adminServiceName + "/") && !user.roles.contains(.admin) {
            throw RPCError(.permissionDenied, "\(method) needs role admin; \(user.user.id) has role \(user.user.role.rawValue)")
        }
        return Principal(subject: "user:\(user.user.id)", roles: Set(user.roles.map(\.rawValue)),
                         attributes: ["actor.id": user.user.id, "actor.name": user.user.name,
                                      "actor.role": user.user.role.rawValue, "token.id": user.tokenID])
    }
}
