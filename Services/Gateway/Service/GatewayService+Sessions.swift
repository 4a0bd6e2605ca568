import Domain
import Foundation
import GatewayCore
import RPC
import ServiceKit

/// What password sign-in needs besides the store: the hasher (scrypt off the event loops) and the
/// limiter of repeated failures. One per gateway process.
public struct PasswordSupport: Sendable {
    public let hasher: PasswordHasher
    public let limiter: SignInLimiter
    /// A hash of a random password, verified against when the user is unknown or has no password,
    /// so those answers take as long as a wrong password (no user-name probing by timing).
    let decoy: PasswordHash

    public init(log2N: Int) {
        hasher = PasswordHasher(log2N: log2N)
        limiter = SignInLimiter()
        decoy = PasswordHash(log2N: log2N, blockSize: 8, parallelism: 1, salt: Data(repeating: 7, count: 16),
                             hash: Data(repeating: 0, count: 32))
    }
}

/// Password sign-in (issue 15, proto-notes/auth.md "Passwords and sessions").
extension GatewayService {
    /// Methods a session may call while its user must still change an admin-set password.
    static let allowedBeforePasswordChange: Set<String> = [
        GatewayAPI.changePassword.fullName, GatewayAPI.signOut.fullName, GatewayAPI.whoAmI.fullName,
    ]

    func signIn(_ request: GatewayAPI.SignInRequest, _ context: ServerContext) async throws -> GatewayAPI.SignInReply {
        let userID = request.userID.trimmingCharacters(in: .whitespaces).lowercased()
        guard !userID.isEmpty, userID.count <= 64 else { throw InvalidFieldError("user_id", "is required") }
        guard !request.password.isEmpty, request.password.utf8.count <= 1024 else {
            throw InvalidFieldError("password", "is required")
        }
        let client = request.client.isEmpty ? "api" : request.client
        guard client.count <= 32, client.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || "0123456789-_.".unicodeScalars.contains($0)) }) else {
            throw InvalidFieldError("client", "must be 1-32 of a-z 0-9 - _ .")
        }
        let now = store.now()
        if let wait = await passwords.limiter.waitRemaining(userID: userID, now: now) {
            context.logger.notice("sign-in refused: too many failures", metadata: ["user.id": .string(userID)])
            throw RPCError(.resourceExhausted,
                           "too many failed sign-ins for \(userID); try again in \(wait) s (or ask an admin to reset the password)",
                           metadata: ["retry-after-ms": "\(wait * 1000)"])
        }
        let user = try? await store.user(userID)
        let record = user == nil ? nil : try await store.passwordRecord(userID: userID)
        let matches = await passwords.hasher.verify(request.password, against: record?.hash ?? passwords.decoy)
        guard let user, let record, matches, user.active else {
            await passwords.limiter.recordFailure(userID: userID, now: store.now())
            // The password is never logged; the user id is (the office wants to see guessing).
            context.logger.notice("sign-in failed", metadata: ["user.id": .string(userID)])
            throw RPCError(.unauthenticated, "wrong user name or password")
        }
        await passwords.limiter.recordSuccess(userID: userID)
        let issued = try await store.issueToken(userID: userID, label: GatewayStore.sessionLabelPrefix + client,
                                                validFor: TimeInterval(configuration.sessionMinutes * 60))
        context.logger.info("signed in", metadata: ["user.id": .string(userID), "token.id": .string(issued.id)])
        var reply = GatewayAPI.SignInReply()
        reply.token = issued.token
        reply.tokenID = issued.id
        reply.expiresAt = issued.expiresAt
        reply.mustChangePassword = record.mustChange
        reply.user = GatewayAPI.User(user)
        return reply
    }

    func changePassword(_ request: GatewayAPI.ChangePasswordRequest, _ context: ServerContext) async throws -> GatewayAPI.ChangePasswordReply {
        let caller = try await caller(context)
        let userID = caller.user.id
        let now = store.now()
        if let wait = await passwords.limiter.waitRemaining(userID: userID, now: now) {
            throw RPCError(.resourceExhausted, "too many wrong passwords for \(userID); try again in \(wait) s",
                           metadata: ["retry-after-ms": "\(wait * 1000)"])
        }
        guard let record = try await store.passwordRecord(userID: userID) else {
            throw RPCError(.failedPrecondition, "\(userID) has no password yet; ask an admin to set one")
        }
        guard await passwords.hasher.verify(request.currentPassword, against: record.hash) else {
            await passwords.limiter.recordFailure(userID: userID, now: store.now())
            throw InvalidFieldError("current_password", "is wrong")
        }
        if let problem = PasswordHasher.problem(password: request.newPassword, userID: userID) {
            throw InvalidFieldError("new_password", problem)
        }
        guard request.newPassword != request.currentPassword else {
            throw InvalidFieldError("new_password", "must differ from the current password")
        }
        let hash = await passwords.hasher.hash(request.newPassword)
        try await store.setPassword(userID: userID, hash: hash, mustChange: false)
        // Other sign-in sessions (a forgotten browser elsewhere) end; this one goes on.
        try await store.revokeSessions(userID: userID, except: caller.tokenID)
        context.logger.info("password changed", metadata: ["user.id": .string(userID)])
        return GatewayAPI.ChangePasswordReply(changedAt: store.now())
    }

    func signOut(_ request: GatewayAPI.SignOutRequest, _ context: ServerContext) async throws -> GatewayAPI.SignOutReply {
        let caller = try await caller(context)
        try await store.revokeToken(id: caller.tokenID)
        context.logger.info("signed out", metadata: ["user.id": .string(caller.user.id), "token.id": .string(caller.tokenID)])
        return GatewayAPI.SignOutReply(tokenID: caller.tokenID)
    }

    func setPassword(_ request: GatewayAPI.SetPasswordRequest, _ context: ServerContext) async throws -> GatewayAPI.User {
        let user = try await store.user(request.userID)
        if let problem = PasswordHasher.problem(password: request.password, userID: user.id) {
            throw InvalidFieldError("password", problem)
        }
        let hash = await passwords.hasher.hash(request.password)
        try await store.setPassword(userID: user.id, hash: hash, mustChange: true)
        try await store.revokeSessions(userID: user.id)
        await passwords.limiter.recordSuccess(userID: user.id)
        context.logger.info("password set by admin", metadata: ["user.id": .string(user.id)])
        try await audit(context, "SetPassword", target: "user:\(user.id)")
        return GatewayAPI.User(user)
    }

    func registerSessions(gateway: inout ServiceDescriptor, admin: inout ServiceDescriptor) {
        gateway.unary(GatewayAPI.signIn, signIn)
        gateway.unary(GatewayAPI.changePassword, changePassword)
        gateway.unary(GatewayAPI.signOut, signOut)
        admin.unary(GatewayAPI.setPassword, setPassword)
    }
}
