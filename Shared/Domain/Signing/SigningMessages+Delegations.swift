import Foundation

// Messages of `surat.signing.v1.Signing` (proto-notes/surat/signing/v1/signing.proto), continued
// from SigningMessages.swift. Field numbers are the CodingKeys' raw values.

/// Appoint an acting official (Plh/Plt) who may sign on behalf of the Camat for a period (admin only).
public struct CreateDelegationRequest: Codable, Sendable, Hashable {
    public var requestId: String = ""
    public var fromSignerId: String = ""
    public var toSignerId: String = ""
    public var kind: DelegationKind = .unspecified
    public var validFromUnixMillis: Int64 = 0
    public var validUntilUnixMillis: Int64 = 0
    public var reference: String = ""

    public init(requestId: String = "", fromSignerId: String = "", toSignerId: String = "", kind: DelegationKind = .unspecified,
                validFromUnixMillis: Int64 = 0, validUntilUnixMillis: Int64 = 0, reference: String = "") {
        self.requestId = requestId
        self.fromSignerId = fromSignerId
        self.toSignerId = toSignerId
        self.kind = kind
        self.validFromUnixMillis = validFromUnixMillis
        self.validUntilUnixMillis = validUntilUnixMillis
        self.reference = reference
    }

    public enum CodingKeys: Int, CodingKey {
        case requestId = 1
        case fromSignerId = 2
        case toSignerId = 3
        case kind = 4
        case validFromUnixMillis = 5
        case validUntilUnixMillis = 6
        case reference = 7
    }
}

public struct DelegationResponse: Codable, Sendable, Hashable {
    public var delegation: PublishedDelegation = PublishedDelegation()

    public init(delegation: PublishedDelegation = PublishedDelegation()) { self.delegation = delegation }

    public enum CodingKeys: Int, CodingKey {
        case delegation = 1
    }
}

/// End a delegation early (admin only).
public struct RevokeDelegationRequest: Codable, Sendable, Hashable {
    public var requestId: String = ""
    public var delegationId: String = ""

    public init(requestId: String = "", delegationId: String = "") {
        self.requestId = requestId
        self.delegationId = delegationId
    }

    public enum CodingKeys: Int, CodingKey {
        case requestId = 1
        case delegationId = 2
    }
}
