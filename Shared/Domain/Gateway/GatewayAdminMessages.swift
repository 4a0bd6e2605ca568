import Foundation

extension GatewayAPI {
    public struct User: Codable, Sendable, Hashable {
        public var id: String = ""
        public var name: String = ""
        public var role: String = ""
        public var nip: String = ""
        public var active: Bool = false
        public var createdAt: Date = Date(timeIntervalSince1970: 0)
        public init() {}
        public enum CodingKeys: Int, CodingKey { case id = 1, name, role, nip, active, createdAt }
    }

    public struct CreateUserRequest: Codable, Sendable, Hashable {
        public var userID: String = ""
        public var name: String = ""
        public var role: String = ""
        public var nip: String = ""
        public init(userID: String = "", name: String = "", role: String = "", nip: String = "") {
            self.userID = userID
            self.name = name
            self.role = role
            self.nip = nip
        }
        public enum CodingKeys: Int, CodingKey { case userID = 1, name, role, nip }
    }

    /// An empty message: encodes to zero bytes.
    public typealias ListUsersRequest = EmptyMessage

    public struct ListUsersReply: Codable, Sendable, Hashable {
        public var users: [User] = []
        public init(users: [User] = []) { self.users = users }
        public enum CodingKeys: Int, CodingKey { case users = 1 }
    }

    public struct SetUserActiveRequest: Codable, Sendable, Hashable {
        public var userID: String = ""
        public var active: Bool = false
        public init(userID: String = "", active: Bool = false) {
            self.userID = userID
            self.active = active
        }
        public enum CodingKeys: Int, CodingKey { case userID = 1, active }
    }

    public struct IssueTokenRequest: Codable, Sendable, Hashable {
        public var userID: String = ""
        public var label: String = ""
        public var validForSeconds: Int64 = 0
        public init(userID: String = "", label: String = "", validForSeconds: Int64 = 0) {
            self.userID = userID
            self.label = label
            self.validForSeconds = validForSeconds
        }
        public enum CodingKeys: Int, CodingKey { case userID = 1, label, validForSeconds }
    }

    public struct IssueTokenReply: Codable, Sendable, Hashable {
        public var tokenID: String = ""
        public var token: String = ""
        public var expiresAt: Date = Date(timeIntervalSince1970: 0)
        public var userID: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey { case tokenID = 1, token, expiresAt, userID }
    }

    public struct TokenInfo: Codable, Sendable, Hashable {
        public var id: String = ""
        public var userID: String = ""
        public var label: String = ""
        public var createdAt: Date = Date(timeIntervalSince1970: 0)
        public var expiresAt: Date = Date(timeIntervalSince1970: 0)
        public var revokedAt: Date? = nil
        public init() {}
        public enum CodingKeys: Int, CodingKey { case id = 1, userID, label, createdAt, expiresAt, revokedAt }
    }

    public struct RevokeTokenRequest: Codable, Sendable, Hashable {
        public var tokenID: String = ""
        public init(tokenID: String = "") { self.tokenID = tokenID }
        public enum CodingKeys: Int, CodingKey { case tokenID = 1 }
    }

    public struct ListTokensRequest: Codable, Sendable, Hashable {
        public var userID: String = ""
        public init(userID: String = "") { self.userID = userID }
        public enum CodingKeys: Int, CodingKey { case userID = 1 }
    }

    public struct ListTokensReply: Codable, Sendable, Hashable {
        public var tokens: [TokenInfo] = []
        public init(tokens: [TokenInfo] = []) { self.tokens = tokens }
        public enum CodingKeys: Int, CodingKey { case tokens = 1 }
    }

    public struct ActingGrant: Codable, Sendable, Hashable {
        public var id: String = ""
        public var userID: String = ""
        public var role: String = ""
        public var actingFor: String = ""
        public var validFrom: Date = Date(timeIntervalSince1970: 0)
        public var validUntil: Date = Date(timeIntervalSince1970: 0)
        public init() {}
        public enum CodingKeys: Int, CodingKey { case id = 1, userID, role, actingFor, validFrom, validUntil }
    }

    public struct GrantActingRequest: Codable, Sendable, Hashable {
        public var userID: String = ""
        public var role: String = ""
        public var actingFor: String = ""
        public var validFrom: Date? = nil
        public var validUntil: Date? = nil
        public init(userID: String = "", role: String = "", actingFor: String = "", validFrom: Date? = nil,
                    validUntil: Date? = nil) {
            self.userID = userID
            self.role = role
            self.actingFor = actingFor
            self.validFrom = validFrom
            self.validUntil = validUntil
        }
        public enum CodingKeys: Int, CodingKey { case userID = 1, role, actingFor, validFrom, validUntil }
    }

    public struct EndActingRequest: Codable, Sendable, Hashable {
        public var grantID: String = ""
        public init(grantID: String = "") { self.grantID = grantID }
        public enum CodingKeys: Int, CodingKey { case grantID = 1 }
    }

    public struct ListActingRequest: Codable, Sendable, Hashable {
        public var userID: String = ""
        public init(userID: String = "") { self.userID = userID }
        public enum CodingKeys: Int, CodingKey { case userID = 1 }
    }

    public struct ListActingReply: Codable, Sendable, Hashable {
        public var grants: [ActingGrant] = []
        public init(grants: [ActingGrant] = []) { self.grants = grants }
        public enum CodingKeys: Int, CodingKey { case grants = 1 }
    }

    public struct SignerInfo: Codable, Sendable, Hashable {
        public var signerID: String = ""
        public var userID: String = ""
        public var name: String = ""
        public var nip: String = ""
        public var position: String = ""
        public var keyID: String = ""
        public var algorithm: String = ""
        /// Registered by an admin; no key until the signer activates it (ActivateSigningKey).
        public var pending: Bool = false
        public init() {}
        public enum CodingKeys: Int, CodingKey { case signerID = 1, userID, name, nip, position, keyID, algorithm, pending }
    }

    public struct RegisterSignerRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var userID: String = ""
        public var position: String = ""
        public var passphrase: String = ""
        public init(requestID: String = "", userID: String = "", position: String = "", passphrase: String = "") {
            self.requestID = requestID
            self.userID = userID
            self.position = position
            self.passphrase = passphrase
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, userID, position, passphrase }
    }

    /// An empty message: encodes to zero bytes.
    public typealias ListSignersRequest = EmptyMessage

    public struct ListSignersReply: Codable, Sendable, Hashable {
        public var signers: [SignerInfo] = []
        public init(signers: [SignerInfo] = []) { self.signers = signers }
        public enum CodingKeys: Int, CodingKey { case signers = 1 }
    }

    public struct DelegationInfo: Codable, Sendable, Hashable {
        public var delegationID: String = ""
        public var fromUserID: String = ""
        public var toUserID: String = ""
        public var kind: String = ""
        public var validFrom: Date = Date(timeIntervalSince1970: 0)
        public var validUntil: Date = Date(timeIntervalSince1970: 0)
        public init() {}
        public enum CodingKeys: Int, CodingKey { case delegationID = 1, fromUserID, toUserID, kind, validFrom, validUntil }
    }

    public struct CreateDelegationRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var fromUserID: String = ""
        public var toUserID: String = ""
        public var kind: String = ""
        public var validFrom: Date? = nil
        public var validUntil: Date? = nil
        public init(requestID: String = "", fromUserID: String = "", toUserID: String = "", kind: String = "",
                    validFrom: Date? = nil, validUntil: Date? = nil) {
            self.requestID = requestID
            self.fromUserID = fromUserID
            self.toUserID = toUserID
            self.kind = kind
            self.validFrom = validFrom
            self.validUntil = validUntil
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, fromUserID, toUserID, kind, validFrom, validUntil }
    }
}

extension GatewayAPI {
    public struct ReconcileRegistryRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        /// Report what would be sent; change nothing.
        public var dryRun: Bool = false
        public init(requestID: String = "", dryRun: Bool = false) {
            self.requestID = requestID
            self.dryRun = dryRun
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, dryRun }
    }

    public struct ReconcileRegistryReply: Codable, Sendable, Hashable {
        public var reconcileRequiredBefore: Bool = false
        /// Still refusing to number: the book still has a gap (`missing`).
        public var reconcileRequired: Bool = false
        public var sent: Int32 = 0
        public var imported: Int32 = 0
        public var alreadyPresent: Int32 = 0
        /// "number (letter id): why it was not taken".
        public var problems: [String] = []
        /// Agenda positions ("2026/13") still missing.
        public var missing: [String] = []
        public var detail: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey {
            case reconcileRequiredBefore = 1, reconcileRequired, sent, imported, alreadyPresent, problems, missing, detail
        }
    }
}
