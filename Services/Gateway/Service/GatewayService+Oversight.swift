import Domain
import Foundation
import GatewayCore
import RPC
import ServiceKit
import Synchronization

/// The registry's numbering rules as the gateway last fetched them (units a registration may name).
final class NumberingRulesCache: Sendable {
    private let entry = Mutex<(rules: RegistryAPI.NumberingRules, fetchedAt: ContinuousClock.Instant)?>(nil)
    let ttl: Duration

    init(ttl: Duration = .seconds(60)) { self.ttl = ttl }

    func fresh() -> RegistryAPI.NumberingRules? {
        entry.withLock { entry in
            guard let entry, ContinuousClock.now - entry.fetchedAt < ttl else { return nil }
            return entry.rules
        }
    }

    func put(_ rules: RegistryAPI.NumberingRules) {
        entry.withLock { $0 = (rules, .now) }
    }
}

// Withdrawal and reassignment of letters (issue 11, items 1 and 7), and the checks at OpenLetter that keep
// a letter from reaching step 6 with a unit the registry refuses (proto-notes/auth.md, "Assignment").
extension GatewayService {
    /// The unit must be one the registry numbers (its configured units, GetNumberingRules): a letter opened
    /// with another would pass steps 1-5 and then be refused at every Register. The syntax is checked first;
    /// when the registry cannot be reached, opening a letter does not wait for it: the syntax check alone
    /// applies (logged), and a letter that step 6 then refuses can be withdrawn.
    func checkUnitAgainstRegistry(_ unit: String, as actor: GatewayCore.Actor, context: ServerContext) async throws {
        if let problem = UnitCode.syntaxProblem(unit) { throw InvalidFieldError("unit", problem) }
        guard let backends else { return }
        let rules: RegistryAPI.NumberingRules
        if let cached = numberingRules.fresh() {
            rules = cached
        } else {
            do {
                rules = try await backends.call(backends.registry, "registry", RegistryAPI.getNumberingRules,
                                                RegistryAPI.GetNumberingRulesRequest(), as: actor)
            } catch let error as RPCError where [.unavailable, .deadlineExceeded, .unimplemented].contains(error.code) {
                context.logger.warning("registry unreachable: unit checked for syntax only",
                                       metadata: ["unit": .string(unit), "rpc.code": .stringConvertible(error.code.rawValue)])
                return
            }
            numberingRules.put(rules)
        }
        guard rules.units.contains(unit) else {
            throw InvalidFieldError("unit", "'\(unit)' is not a unit the registry numbers (\(rules.units.joined(separator: ", ")))")
        }
    }

    /// Admin, or a Staf Umum who is the letter's clerk (any Staf Umum while no clerk is assigned yet).
    func clerkOrAdmin(_ user: AuthenticatedUser, of journey: GatewayCore.Journey, action: String) throws -> GatewayCore.Actor {
        if user.roles.contains(.admin) { return try user.actor(for: .admin, action: action) }
        let actor = try user.actor(for: .stafUmum, action: action)
        if let clerk = journey.clerk, clerk.id != actor.id {
            throw GatewayError(.permissionDenied,
                               "only letter \(journey.letterID)'s clerk (\(clerk.id)) or an admin may \(action); \(actor.id) is not its clerk")
        }
        return actor
    }

    /// The common shape of a letter change outside the six steps: request id replay, authorization (the
    /// letter's clerk or an admin, `clerkOrAdmin` with `permission`) on the stored journey, one transaction
    /// that re-checks the state.
    func changeLetter<Request: Codable & Sendable>(
        _ method: RPCMethod<Request, GatewayAPI.JourneyReply>, _ request: Request, requestID: String, letterID: String,
        context: ServerContext, action: String, permission: String, auditDetail: String,
        change: @escaping @Sendable (inout GatewayCore.Journey, GatewayCore.Actor, Date) throws -> Void
    ) async throws -> GatewayAPI.JourneyReply {
        let user = try await caller(context)
        try Idempotency.validate(requestID: requestID)
        guard !letterID.isEmpty else { throw InvalidFieldError("letter_id", "is required") }
        let letterID = GatewayStore.canonicalLetterID(letterID)
        let fingerprint = Self.hex(try Idempotency.fingerprint(of: request, actorID: user.user.id))
        if let stored = try await store.storedResponse(method: method.fullName, requestID: requestID,
                                                       requestDigest: fingerprint) {
            return try decode(GatewayAPI.JourneyReply.self, stored)
        }
        _ = try clerkOrAdmin(user, of: try await store.journey(letterID), action: permission)
        let now = store.now()
        let bytes = try await store.update(letterID: letterID, method: method.fullName, requestID: requestID,
                                           requestDigest: fingerprint) { journey in
            // Authorized again on the journey inside the transaction: a reassignment may have raced.
            let actor = try self.clerkOrAdmin(user, of: journey, action: permission)
            try change(&journey, actor, now)
            return try self.encode(self.journeyReply(journey, now: now))
        }
        context.logger.notice("\(action) recorded", metadata: ["letter.id": .string(letterID), "user.id": .string(user.user.id),
                                                               "request.id": .string(requestID)])
        try await audit(context, method.name, target: "letter:\(letterID)", detail: auditDetail, requestID: requestID)
        return try decode(GatewayAPI.JourneyReply.self, bytes)
    }

    func withdrawLetter(_ request: GatewayAPI.WithdrawLetterRequest, _ context: ServerContext) async throws -> GatewayAPI.JourneyReply {
        let reason = try Self.requiredReason(request.reason, saying: "why the letter is withdrawn")
        return try await changeLetter(GatewayAPI.withdrawLetter, request, requestID: request.requestID,
                                      letterID: request.letterID, context: context, action: "letter withdrawn",
                                      permission: "withdraw it", auditDetail: "reason=\(reason)") { journey, actor, now in
            try journey.withdraw(reason: reason, by: actor, at: now)
        }
    }

    func reassignLetter(_ request: GatewayAPI.ReassignLetterRequest, _ context: ServerContext) async throws -> GatewayAPI.JourneyReply {
        let reason = try Self.requiredReason(request.reason, saying: "why the letter is reassigned")
        let role = try Role(parsing: request.role)
        guard role == .stafUmum || role == .drafter else {
            throw InvalidFieldError("role", "must be staf_umum (the letter's clerk) or drafter")
        }
        guard !request.toUserID.isEmpty else { throw InvalidFieldError("to_user_id", "is required") }
        let target: User
        do { target = try await store.user(request.toUserID) } catch let error as GatewayError where error.kind == .notFound {
            throw InvalidFieldError("to_user_id", "no user \(request.toUserID)")
        }
        guard target.active, target.role == role else {
            throw InvalidFieldError("to_user_id", "\(target.id) is not an active \(role.rawValue) user")
        }
        let person = GatewayCore.Actor(id: target.id, name: target.name, role: role)
        return try await changeLetter(GatewayAPI.reassignLetter, request, requestID: request.requestID,
                                      letterID: request.letterID, context: context, action: "letter reassigned",
                                      permission: "reassign it",
                                      auditDetail: "role=\(role.rawValue) to=\(target.id) reason=\(reason)") { journey, actor, now in
            try journey.reassign(role, to: person, reason: reason, by: actor, at: now)
        }
    }

    /// The mandatory reason of a withdrawal or a reassignment: no control characters, 1-500
    /// characters once trimmed (it is kept in the journey and the audit log).
    static func requiredReason(_ text: String, saying what: String) throws -> String {
        try TextCheck.rejectControlCharacters(text, "reason")
        let reason = text.trimmingCharacters(in: .whitespaces)
        guard !reason.isEmpty, reason.unicodeScalars.count <= 500 else {
            throw InvalidFieldError("reason", "is required: 1-500 characters saying \(what)")
        }
        return reason
    }

    func registerOversight(gateway: inout ServiceDescriptor, admin: inout ServiceDescriptor) {
        gateway.unary(GatewayAPI.withdrawLetter, withdrawLetter)
        gateway.unary(GatewayAPI.reassignLetter, reassignLetter)
        gateway.unary(GatewayAPI.listAuditLog, listAuditLog)
        gateway.unaryWithCallerDeadline(GatewayAPI.activateSigningKey, activateSigningKey)
    }
}
