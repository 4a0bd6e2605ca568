import Domain
import Foundation
import GatewayCore
import RPC

/// Checks the user's bearer token on every gateway call (health and reflection excepted) and keeps the
/// admin service to admins. The token is looked up once per call: the user and the acting grants
/// valid at that moment travel in the principal, where `GatewayService.caller(_:)` reads them.
struct GatewayAuthenticator: Authenticator {
    let store: GatewayStore

    /// The principal attribute holding the authenticated user (JSON of `AuthenticatedUser`).
    static let callerAttribute = "gateway.caller"

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
                                      "actor.role": user.user.role.rawValue, "token.id": user.tokenID,
                                      Self.callerAttribute: String(decoding: try JSONEncoder().encode(user), as: UTF8.self)])
    }

    /// The user `authenticate` found for this call; UNAUTHENTICATED when the call was not
    /// authenticated by it (SignIn, or a server without this authenticator).
    static func caller(from principal: Principal?) throws -> AuthenticatedUser {
        guard let json = principal?.attributes[callerAttribute],
              let user = try? JSONDecoder().decode(AuthenticatedUser.self, from: Data(json.utf8)) else {
            throw RPCError(.unauthenticated, "this call carries no authenticated user")
        }
        return user
    }
}

extension GatewayService {
    /// The calling user with the acting grants valid at the start of this call.
    func caller(_ context: ServerContext) async throws -> AuthenticatedUser {
        try GatewayAuthenticator.caller(from: context.principal)
    }
}
