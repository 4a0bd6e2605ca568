import Domain
import Foundation
import GatewayCore
import RPC
import ServiceKit

// GatewayAdmin: users, tokens and acting officials (the GatewayAuthenticator already requires role admin).
extension GatewayService {
    func createUser(_ request: GatewayAPI.CreateUserRequest, _ context: ServerContext) async throws -> GatewayAPI.User {
        let role: Role
        role = try Role(parsing: request.role)  // its error names the field: no "role: role:"
        let user = try await store.createUser(id: request.userID, name: request.name, role: role, nip: request.nip)
        context.logger.info("user created", metadata: ["user.id": .string(user.id), "user.role": .string(role.rawValue)])
        try await audit(context, "CreateUser", target: "user:\(user.id)", detail: "role=\(role.rawValue) name=\(user.name)")
        return GatewayAPI.User(user)
    }

    func listUsers(_ request: GatewayAPI.ListUsersRequest, _ context: ServerContext) async throws -> GatewayAPI.ListUsersReply {
        GatewayAPI.ListUsersReply(users: try await store.users().map(GatewayAPI.User.init))
    }

    func setUserActive(_ request: GatewayAPI.SetUserActiveRequest, _ context: ServerContext) async throws -> GatewayAPI.User {
        try await store.setUserActive(request.userID, active: request.active)
        try await audit(context, "SetUserActive", target: "user:\(request.userID)", detail: "active=\(request.active)")
        return GatewayAPI.User(try await store.user(request.userID))
    }

    func issueToken(_ request: GatewayAPI.IssueTokenRequest, _ context: ServerContext) async throws -> GatewayAPI.IssueTokenReply {
        let seconds = request.validForSeconds == 0 ? Int64(configuration.defaultTokenDays) * 86_400 : request.validForSeconds
        let issued = try await store.issueToken(userID: request.userID, label: request.label, validFor: TimeInterval(seconds))
        // The token itself is never logged.
        context.logger.info("token issued", metadata: ["user.id": .string(issued.userID), "token.id": .string(issued.id)])
        try await audit(context, "IssueToken", target: "user:\(issued.userID)",
                        detail: "token=\(issued.id) label=\(request.label) expires=\(Self.auditTime(issued.expiresAt))")
        var reply = GatewayAPI.IssueTokenReply()
        reply.tokenID = issued.id
        reply.token = issued.token
        reply.expiresAt = issued.expiresAt
        reply.userID = issued.userID
        return reply
    }

    func revokeToken(_ request: GatewayAPI.RevokeTokenRequest, _ context: ServerContext) async throws -> GatewayAPI.TokenInfo {
        try await store.revokeToken(id: request.tokenID)
        context.logger.info("token revoked", metadata: ["token.id": .string(request.tokenID)])
        try await audit(context, "RevokeToken", target: "token:\(request.tokenID)")
        guard let token = try await store.tokens().first(where: { $0.id == request.tokenID }) else {
            throw GatewayError.notFound("token \(request.tokenID)")
        }
        return GatewayAPI.TokenInfo(token)
    }

    func listTokens(_ request: GatewayAPI.ListTokensRequest, _ context: ServerContext) async throws -> GatewayAPI.ListTokensReply {
        let tokens = try await store.tokens(userID: request.userID.isEmpty ? nil : request.userID)
        return GatewayAPI.ListTokensReply(tokens: tokens.map(GatewayAPI.TokenInfo.init))
    }

    func grantActing(_ request: GatewayAPI.GrantActingRequest, _ context: ServerContext) async throws -> GatewayAPI.ActingGrant {
        let role: Role
        role = try Role(parsing: request.role)  // its error names the field: no "role: role:"
        guard !request.actingFor.isEmpty else { throw InvalidFieldError("acting_for", "is required (whom the user stands in for)") }
        let from = request.validFrom ?? store.now()
        guard let until = request.validUntil else { throw InvalidFieldError("valid_until", "is required") }
        let grant = try await store.grantActing(userID: request.userID, role: role, actingFor: request.actingFor,
                                                validFrom: from, validUntil: until)
        try await audit(context, "GrantActing", target: "user:\(request.userID)",
                        detail: "grant=\(grant.id) role=\(role.rawValue) acting_for=\(request.actingFor) from=\(Self.auditTime(from)) until=\(Self.auditTime(until))")
        return GatewayAPI.ActingGrant(grant)
    }

    func endActing(_ request: GatewayAPI.EndActingRequest, _ context: ServerContext) async throws -> GatewayAPI.ActingGrant {
        try await store.endActing(grantID: request.grantID)
        try await audit(context, "EndActing", target: "acting-grant:\(request.grantID)")
        guard let grant = try await store.actingGrants().first(where: { $0.id == request.grantID }) else {
            throw GatewayError.notFound("acting grant \(request.grantID)")
        }
        return GatewayAPI.ActingGrant(grant)
    }

    func listActing(_ request: GatewayAPI.ListActingRequest, _ context: ServerContext) async throws -> GatewayAPI.ListActingReply {
        let grants = try await store.actingGrants(userID: request.userID.isEmpty ? nil : request.userID)
        return GatewayAPI.ListActingReply(grants: grants.map(GatewayAPI.ActingGrant.init))
    }

    func registerAdmin(_ admin: inout ServiceDescriptor) {
        admin.unary(GatewayAPI.createUser, createUser)
        admin.unary(GatewayAPI.listUsers, listUsers)
        admin.unary(GatewayAPI.setUserActive, setUserActive)
        admin.unary(GatewayAPI.issueToken, issueToken)
        admin.unary(GatewayAPI.revokeToken, revokeToken)
        admin.unary(GatewayAPI.listTokens, listTokens)
        admin.unary(GatewayAPI.grantActing, grantActing)
        admin.unary(GatewayAPI.endActing, endActing)
        admin.unary(GatewayAPI.listActing, listActing)
        registerSignerAdmin(&admin)
        admin.unary(GatewayAPI.reconcileRegistry, reconcileRegistry)
    }
}
