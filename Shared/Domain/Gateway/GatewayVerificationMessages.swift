import Foundation
import RPC

// What verification rests on: the published keys for offline verification (proto-notes/gateway.md,
// "Offline verification") and the cancellation of a number (pembatalan).
extension GatewayAPI {
    public static let getPublishedKeys = RPCMethod<GetPublishedKeysRequest, PublishedKeysReply>(
        service: serviceName, name: "GetPublishedKeys")
    public static let cancelNumber = RPCMethod<CancelNumberRequest, CancelNumberReply>(
        service: serviceName, name: "CancelNumber")

    /// An empty message: encodes to zero bytes.
    public typealias GetPublishedKeysRequest = EmptyMessage

    /// The key that seals the registry's receipts (`Registration.receipt`): the registry's
    /// `GetRegistryKeyResponse` as the gateway passes it on (gateway.proto's `RegistryKey` has the same fields).
    public typealias RegistryKey = RegistryAPI.GetRegistryKeyResponse

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

    /// Where a letter's copy for one addressee is: the registry's outbox state (gateway.proto's
    /// `DeliveryState` has the values of `surat.registry.v1.DeliveryState`).
    public typealias DeliveryState = RegistryAPI.DeliveryState

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
