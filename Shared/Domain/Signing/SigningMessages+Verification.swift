import Foundation

// Messages of `surat.signing.v1.Signing` (proto-notes/surat/signing/v1/signing.proto), continued
// from SigningMessages.swift. Field numbers are the CodingKeys' raw values.

/// Verify a signature: by stored `signatureId`, or by `envelope` + `signature` bytes a holder has.
/// Give `content` (or `contentDigest`) to check that the letter in hand is the one that was signed.
public struct VerifyRequest: Codable, Sendable, Hashable {
    public var signatureId: String = ""
    public var envelope: Data = Data()
    public var signature: Data = Data()
    public var content: LetterContent? = nil
    public var contentDigest: Data = Data()
    public var letterId: String = ""

    public init(signatureId: String = "", envelope: Data = Data(), signature: Data = Data(), content: LetterContent? = nil,
                contentDigest: Data = Data(), letterId: String = "") {
        self.signatureId = signatureId
        self.envelope = envelope
        self.signature = signature
        self.content = content
        self.contentDigest = contentDigest
        self.letterId = letterId
    }

    public enum CodingKeys: Int, CodingKey {
        case signatureId = 1
        case envelope = 2
        case signature = 3
        case content = 4
        case contentDigest = 5
        case letterId = 6
    }
}

public struct VerifyResponse: Codable, Sendable, Hashable {
    public var valid: Bool = false
    public var checks: [VerificationCheck] = []
    public var fields: SigningEnvelope? = nil
    public var signer: PublishedSigner? = nil
    public var key: PublishedKey? = nil
    public var delegation: PublishedDelegation? = nil
    /// One line for people: "valid: signed by ... " or the first failed check.
    public var summary: String = ""

    public init(valid: Bool = false, checks: [VerificationCheck] = [], fields: SigningEnvelope? = nil, signer: PublishedSigner? = nil,
                key: PublishedKey? = nil, delegation: PublishedDelegation? = nil, summary: String = "") {
        self.valid = valid
        self.checks = checks
        self.fields = fields
        self.signer = signer
        self.key = key
        self.delegation = delegation
        self.summary = summary
    }

    public enum CodingKeys: Int, CodingKey {
        case valid = 1
        case checks = 2
        case fields = 3
        case signer = 4
        case key = 5
        case delegation = 6
        case summary = 7
    }

    /// The first failed check, nil when valid.
    public var firstProblem: VerificationCheck? { checks.first { !$0.passed } }
}

/// Everything an offline verifier needs: signers, keys with validity, delegations.
public struct ListPublicKeysRequest: Codable, Sendable, Hashable {
    /// Only this signer's keys and the delegations naming them; empty = all.
    public var signerId: String = ""

    public init(signerId: String = "") { self.signerId = signerId }

    public enum CodingKeys: Int, CodingKey {
        case signerId = 1
    }
}

public struct ListPublicKeysResponse: Codable, Sendable, Hashable {
    public var signers: [PublishedSigner] = []
    public var keys: [PublishedKey] = []
    public var delegations: [PublishedDelegation] = []
    public var generatedAtUnixMillis: Int64 = 0

    public init(signers: [PublishedSigner] = [], keys: [PublishedKey] = [], delegations: [PublishedDelegation] = [],
                generatedAtUnixMillis: Int64 = 0) {
        self.signers = signers
        self.keys = keys
        self.delegations = delegations
        self.generatedAtUnixMillis = generatedAtUnixMillis
    }

    public enum CodingKeys: Int, CodingKey {
        case signers = 1
        case keys = 2
        case delegations = 3
        case generatedAtUnixMillis = 4
    }

    /// A verifier over this published set.
    public var verifier: SignatureVerifier { SignatureVerifier(signers: signers, keys: keys, delegations: delegations) }
}
