import Foundation
import RPC

// Password sign-in (issue 15): `SignIn` exchanges a user's password for a short-lived session token
// (an ordinary bearer token, label `session:<client>`); `ChangePassword`, `SignOut`; the admin's
// `SetPassword` sets an initial password or resets one (the user must change it at the next sign-in).
extension GatewayAPI {
    public struct SignInRequest: Codable, Sendable, Hashable, CustomStringConvertible {
        public var userID: String = ""
        public var password: String = ""
        /// Who signs in, e.g. `web` or `cli`: becomes the token's label `session:<client>`.
        public var client: String = ""
        public init(userID: String = "", password: String = "", client: String = "") {
            self.userID = userID
            self.password = password
            self.client = client
        }
        public enum CodingKeys: Int, CodingKey { case userID = 1, password, client }
        public var description: String { "SignInRequest(userID: \(userID), password: <redacted>, client: \(client))" }
    }

    public struct SignInReply: Codable, Sendable, Hashable, CustomStringConvertible {
        public var token: String = ""
        public var tokenID: String = ""
        public var expiresAt: Date = Date(timeIntervalSince1970: 0)
        /// The password was set by an admin: until it is changed, the session may only call
        /// ChangePassword, SignOut and WhoAmI.
        public var mustChangePassword: Bool = false
        public var user: User? = nil
        public init() {}
        public enum CodingKeys: Int, CodingKey { case token = 1, tokenID, expiresAt, mustChangePassword, user }
        public var description: String { "SignInReply(token: <redacted>, tokenID: \(tokenID), expiresAt: \(expiresAt))" }
    }

    public struct ChangePasswordRequest: Codable, Sendable, Hashable, CustomStringConvertible {
        public var currentPassword: String = ""
        public var newPassword: String = ""
        public init(currentPassword: String = "", newPassword: String = "") {
            self.currentPassword = currentPassword
            self.newPassword = newPassword
        }
        public enum CodingKeys: Int, CodingKey { case currentPassword = 1, newPassword }
        public var description: String { "ChangePasswordRequest(<redacted>)" }
    }

    public struct ChangePasswordReply: Codable, Sendable, Hashable {
        public var changedAt: Date = Date(timeIntervalSince1970: 0)
        public init(changedAt: Date = Date(timeIntervalSince1970: 0)) { self.changedAt = changedAt }
        public enum CodingKeys: Int, CodingKey { case changedAt = 1 }
    }

    /// An empty message: encodes to zero bytes.
    public typealias SignOutRequest = EmptyMessage

    public struct SignOutReply: Codable, Sendable, Hashable {
        public var tokenID: String = ""
        public init(tokenID: String = "") { self.tokenID = tokenID }
        public enum CodingKeys: Int, CodingKey { case tokenID = 1 }
    }

    public struct SetPasswordRequest: Codable, Sendable, Hashable, CustomStringConvertible {
        public var userID: String = ""
        public var password: String = ""
        public init(userID: String = "", password: String = "") {
            self.userID = userID
            self.password = password
        }
        public enum CodingKeys: Int, CodingKey { case userID = 1, password }
        public var description: String { "SetPasswordRequest(userID: \(userID), password: <redacted>)" }
    }

    public static let signIn = RPCMethod<SignInRequest, SignInReply>(service: serviceName, name: "SignIn")
    public static let changePassword = RPCMethod<ChangePasswordRequest, ChangePasswordReply>(
        service: serviceName, name: "ChangePassword")
    public static let signOut = RPCMethod<SignOutRequest, SignOutReply>(service: serviceName, name: "SignOut")
    public static let setPassword = RPCMethod<SetPasswordRequest, User>(service: adminServiceName, name: "SetPassword")
}
