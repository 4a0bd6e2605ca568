import Foundation
import RPC

// What verification rests on: the published keys for offline verification (proto-notes/gateway.md,
// "Offline verification") and the cancellation of a number (pembatalan).
extension GatewayAPI {
    public static let getPublishedKeys = RPCMethod<GetPublishedKeysRequest, PublishedKeysReply>(
        service: serviceName, name: "GetPublishedKeys")
    public static let cancelNumber = RPCMethod<CancelNumberRequest, CancelNumberReply>(
        service: serviceName, name: "CancelNumber")

    public struct GetPublishedKeysRequest: Codable, Sendable, Hashable {
        public init() {}
        public init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: CodingKeys.self) }
        public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: CodingKeys.self) }
        public enum CodingKeys: Int, CodingKey { case none = 1 }
    }

    /// The key that seals the registry's receipts (`Registration.receipt`).
    public struct RegistryKey: Codable, Sendable, Hashable {
        public var officeID: String = ""
        public var officeName: String = ""
        /// First 16 hex digits of SHA-256(public key): the receipt's `registry-key` line.
        public var keyID: String = ""
        /// Raw 32-byte Ed25519 public key.
        public var publicKey: Data = Data()
        public init() {}
        public enum CodingKeys: Int, CodingKey { case officeID = 1, officeName, keyID, publicKey }
    }

    /// The signing service's published signers, keys (with validity) and delegations, and the
    /// registry's receipt key: all an offline verifier needs.
    public struct PublishedKeysReply: Codable, Sendable, Hashable {
        public var signers: [PublishedSigner] = []
        public var keys: [PublishedKey] = []
        public var delegations: [PublishedDelegation] = []
        public var registryKey: RegistryKey? = nil
        public init() {}
        public enum CodingKeys: Int, CodingKey { case signers = 1, keys, delegations, registryKey }
    }

    /// Where a letter's copy for one addressee is: the registry's outbox state (same values as
    /// `surat.registry.v1.DeliveryState`).
    public enum DeliveryState: Int32, Codable, Sendable, CaseIterable {
        case unspecified = 0
        case pending = 1
        case delivered = 2
        case failed = 3
        case manual = 4
        case deliveredManually = 5
        case withdrawn = 6
    }

    /// Pembatalan nomor by the Camat (or a Plh/Plt acting as Camat), with a mandatory reason.
    public struct CancelNumberRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var letterNumber: String = ""
        public var reason: String = ""
        public init(requestID: String = "", letterNumber: String = "", reason: String = "") {
            self.requestID = requestID
            self.letterNumber = letterNumber
            self.reason = reason
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, letterNumber, reason }
    }

    public struct CancelNumberReply: Codable, Sendable, Hashable {
        public var letterNumber: String = ""
        public var letterID: String = ""
        public var reason: String = ""
        public var cancelledAt: Date? = nil
        public var cancelledBy: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey { case letterNumber = 1, letterID, reason, cancelledAt, cancelledBy }
    }
}
