import Foundation
import RPC

// Withdrawal, reassignment and the admin audit log (issue 11, items 1, 7 and 8;
// proto-notes/auth.md, "Assignment" and "What an admin can and cannot do").
extension GatewayAPI {
    public static let withdrawLetter = RPCMethod<WithdrawLetterRequest, JourneyReply>(service: serviceName, name: "WithdrawLetter")
    public static let reassignLetter = RPCMethod<ReassignLetterRequest, JourneyReply>(service: serviceName, name: "ReassignLetter")

    /// A letter's withdrawal before registration.
    public struct Withdrawal: Codable, Sendable, Hashable {
        public var at: Date = Date(timeIntervalSince1970: 0)
        public var by: ActorIdentity? = nil
        public var reason: String = ""
        /// The step (1...6) the letter was waiting for.
        public var atStep: Int32 = 0
        public init() {}
        public enum CodingKeys: Int, CodingKey { case at = 1, by, reason, atStep }
    }

    /// A change of the letter's clerk or drafter.
    public struct Reassignment: Codable, Sendable, Hashable {
        public var at: Date = Date(timeIntervalSince1970: 0)
        public var by: ActorIdentity? = nil
        /// `staf_umum` (the clerk) or `drafter`.
        public var role: String = ""
        public var previous: ActorIdentity? = nil
        public var assignee: ActorIdentity? = nil
        public var reason: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey { case at = 1, by, role, previous, assignee, reason }
    }

    public struct WithdrawLetterRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var letterID: String = ""
        public var reason: String = ""
        public init(requestID: String = "", letterID: String = "", reason: String = "") {
            self.requestID = requestID
            self.letterID = letterID
            self.reason = reason
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, letterID, reason }
    }

    public struct ReassignLetterRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var letterID: String = ""
        /// `staf_umum` (the clerk) or `drafter`.
        public var role: String = ""
        public var toUserID: String = ""
        public var reason: String = ""
        public init(requestID: String = "", letterID: String = "", role: String = "", toUserID: String = "",
                    reason: String = "") {
            self.requestID = requestID
            self.letterID = letterID
            self.role = role
            self.toUserID = toUserID
            self.reason = reason
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, letterID, role, toUserID, reason }
    }
}

extension GatewayAPI {
    public static let listAuditLog = RPCMethod<ListAuditLogRequest, ListAuditLogReply>(service: serviceName, name: "ListAuditLog")

    public struct ListAuditLogRequest: Codable, Sendable, Hashable {
        public var afterSequence: Int64 = 0
        public var limit: Int32 = 0
        public var actorID: String = ""
        public var action: String = ""
        public init(afterSequence: Int64 = 0, limit: Int32 = 0, actorID: String = "", action: String = "") {
            self.afterSequence = afterSequence
            self.limit = limit
            self.actorID = actorID
            self.action = action
        }
        public enum CodingKeys: Int, CodingKey { case afterSequence = 1, limit, actorID, action }
    }

    /// One administrative action in the append-only audit log.
    public struct AuditEntry: Codable, Sendable, Hashable {
        public var sequence: Int64 = 0
        public var at: Date = Date(timeIntervalSince1970: 0)
        public var actor: ActorIdentity? = nil
        public var action: String = ""
        public var target: String = ""
        public var detail: String = ""
        public var requestID: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey { case sequence = 1, at, actor, action, target, detail, requestID }
    }

    public struct ListAuditLogReply: Codable, Sendable, Hashable {
        public var entries: [AuditEntry] = []
        public init(entries: [AuditEntry] = []) { self.entries = entries }
        public enum CodingKeys: Int, CodingKey { case entries = 1 }
    }
}

extension GatewayAPI {
    public static let activateSigningKey = RPCMethod<ActivateSigningKeyRequest, SignerInfo>(
        service: serviceName, name: "ActivateSigningKey")

    /// The signer's own passphrase for their new key (issue 11, item 8).
    public struct ActivateSigningKeyRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var passphrase: String = ""
        public init(requestID: String = "", passphrase: String = "") {
            self.requestID = requestID
            self.passphrase = passphrase
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, passphrase }
    }
}
