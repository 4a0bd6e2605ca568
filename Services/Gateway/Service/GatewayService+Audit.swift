import Domain
import Foundation
import GatewayCore
import RPC
import ServiceKit

// The audit log of administrative actions (issue 11, item 8; proto-notes/auth.md, "What an admin can
// and cannot do"): every handler of an admin action appends one entry once the action succeeded.
extension GatewayService {
    /// Appends an entry for an action the caller just did. An action that failed is not recorded
    /// (nothing changed); the caller's own user and primary role are recorded, never a secret.
    func audit(_ context: ServerContext, _ action: String, target: String, detail: String = "",
               requestID: String = "") async throws {
        let user = try await caller(context).user
        let actor = GatewayCore.Actor(id: user.id, name: user.name, role: user.role)
        let entry = try await store.appendAudit(actor: actor, action: action, target: target, detail: detail,
                                                requestID: requestID)
        context.logger.notice("audit: \(action) \(target)", metadata: ["user.id": .string(user.id),
                                                                        "audit.sequence": .stringConvertible(entry.sequence)])
    }

    func listAuditLog(_ request: GatewayAPI.ListAuditLogRequest, _ context: ServerContext) async throws -> GatewayAPI.ListAuditLogReply {
        let user = try await caller(context)
        guard !user.roles.isDisjoint(with: [.admin, .auditor]) else {
            throw GatewayError(.permissionDenied, "reading the audit log needs role admin or auditor; \(user.user.id) has role \(user.user.role.rawValue)")
        }
        let limit = request.limit == 0 ? 100 : Int(request.limit)
        guard (1...500).contains(limit) else { throw InvalidFieldError("limit", "must be 1-500") }
        guard request.afterSequence >= 0 else { throw InvalidFieldError("after_sequence", "must not be negative") }
        let entries = try await store.auditLog(afterSequence: request.afterSequence, limit: limit,
                                               actorID: request.actorID.isEmpty ? nil : request.actorID,
                                               action: request.action.isEmpty ? nil : request.action)
        return GatewayAPI.ListAuditLogReply(entries: entries.map { entry in
            var message = GatewayAPI.AuditEntry()
            message.sequence = entry.sequence
            message.at = entry.at
            message.actor = ActorIdentity(entry.actor)
            message.action = entry.action
            message.target = entry.target
            message.detail = entry.detail
            message.requestID = entry.requestID
            return message
        })
    }

    static func auditTime(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
