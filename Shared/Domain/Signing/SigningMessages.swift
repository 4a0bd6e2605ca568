import Foundation

// Request and response messages of `surat.signing.v1.Signing`
// (proto-notes/surat/signing/v1/signing.proto). Field numbers are the CodingKeys' raw values.
// Messages that carry a passphrase redact it from their descriptions so it never reaches a log.

/// Register a signer and generate their first key pair (admin only).
public struct RegisterSignerRequest: Codable, Sendable, Hashable, CustomStringConvertible {
    public var requestId: String = ""
    public var signer: PublishedSigner = PublishedSigner()
    /// Chosen by the signer at enrolment; encrypts the new private key. Never stored.
    public var passphrase: String = ""

    public init(requestId: String = "", signer: PublishedSigner = PublishedSigner(), passphrase: String = "") {
        self.requestId = requestId
        self.signer = signer
        self.passphrase = passphrase
    }

    public enum CodingKeys: Int, CodingKey {
        case requestId = 1
        case signer = 2
        case passphrase = 3
    }

    public var description: String { "RegisterSignerRequest(requestId: \(requestId), signer: \(signer.id), passphrase: <redacted>)" }
}

public struct RegisterSignerResponse: Codable, Sendable, Hashable {
    public var signer: PublishedSigner = PublishedSigner()
    public var key: PublishedKey = PublishedKey()

    public init(signer: PublishedSigner = PublishedSigner(), key: PublishedKey = PublishedKey()) {
        self.signer = signer
        self.key = key
    }

    public enum CodingKeys: Int, CodingKey {
        case signer = 1
        case key = 2
    }
}

/// Re-encrypt the signer's current private key under a new passphrase (the signer themself).
public struct ChangePassphraseRequest: Codable, Sendable, Hashable, CustomStringConvertible {
    public var requestId: String = ""
    public var signerId: String = ""
    public var currentPassphrase: String = ""
    public var newPassphrase: String = ""

    public init(requestId: String = "", signerId: String = "", currentPassphrase: String = "", newPassphrase: String = "") {
        self.requestId = requestId
        self.signerId = signerId
        self.currentPassphrase = currentPassphrase
        self.newPassphrase = newPassphrase
    }

    public enum CodingKeys: Int, CodingKey {
        case requestId = 1
        case signerId = 2
        case currentPassphrase = 3
        case newPassphrase = 4
    }

    public var description: String { "ChangePassphraseRequest(requestId: \(requestId), signerId: \(signerId), passphrases: <redacted>)" }
}

public struct ChangePassphraseResponse: Codable, Sendable, Hashable {
    public var keyId: String = ""
    public var changedAtUnixMillis: Int64 = 0

    public init(keyId: String = "", changedAtUnixMillis: Int64 = 0) {
        self.keyId = keyId
        self.changedAtUnixMillis = changedAtUnixMillis
    }

    public enum CodingKeys: Int, CodingKey {
        case keyId = 1
        case changedAtUnixMillis = 2
    }
}

/// Replace a signer's current key with a new key pair (admin only). The old key stays published
/// with `validUntil` = now, so signatures made with it stay verifiable; its private key is erased.
public struct RotateKeyRequest: Codable, Sendable, Hashable, CustomStringConvertible {
    public var requestId: String = ""
    public var signerId: String = ""
    /// Passphrase for the new key (the signer types it).
    public var newPassphrase: String = ""

    public init(requestId: String = "", signerId: String = "", newPassphrase: String = "") {
        self.requestId = requestId
        self.signerId = signerId
        self.newPassphrase = newPassphrase
    }

    public enum CodingKeys: Int, CodingKey {
        case requestId = 1
        case signerId = 2
        case newPassphrase = 3
    }

    public var description: String { "RotateKeyRequest(requestId: \(requestId), signerId: \(signerId), newPassphrase: <redacted>)" }
}

public struct RotateKeyResponse: Codable, Sendable, Hashable {
    public var oldKey: PublishedKey = PublishedKey()
    public var newKey: PublishedKey = PublishedKey()

    public init(oldKey: PublishedKey = PublishedKey(), newKey: PublishedKey = PublishedKey()) {
        self.oldKey = oldKey
        self.newKey = newKey
    }

    public enum CodingKeys: Int, CodingKey {
        case oldKey = 1
        case newKey = 2
    }
}

/// Revoke a key from a time on (admin only): signatures made at or after `effectiveAtUnixMillis`
/// are invalid, earlier ones stay valid. 0 means now; a past time is allowed (a key known to be
/// compromised since then); a future time is not.
public struct RevokeKeyRequest: Codable, Sendable, Hashable {
    public var requestId: String = ""
    public var keyId: String = ""
    public var reason: String = ""
    public var effectiveAtUnixMillis: Int64 = 0

    public init(requestId: String = "", keyId: String = "", reason: String = "", effectiveAtUnixMillis: Int64 = 0) {
        self.requestId = requestId
        self.keyId = keyId
        self.reason = reason
        self.effectiveAtUnixMillis = effectiveAtUnixMillis
    }

    public enum CodingKeys: Int, CodingKey {
        case requestId = 1
        case keyId = 2
        case reason = 3
        case effectiveAtUnixMillis = 4
    }
}

public struct RevokeKeyResponse: Codable, Sendable, Hashable {
    public var key: PublishedKey = PublishedKey()

    public init(key: PublishedKey = PublishedKey()) { self.key = key }

    public enum CodingKeys: Int, CodingKey {
        case key = 1
    }
}

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

/// SOP step 4: upload one approved letter revision for the Camat's e-signature.
public struct UploadForSignatureRequest: Codable, Sendable, Hashable {
    public var requestId: String = ""
    public var letterId: String = ""
    /// The exact content that was initialled; its digest is computed here.
    public var content: LetterContent = LetterContent()
    /// When set, must equal `content.digest()` (a cross-check for the caller).
    public var revisionDigest: Data = Data()
    /// The drafter's paraf on this revision (role `drafter`).
    public var drafterParaf: Paraf? = nil
    /// The Sekretaris' paraf on this revision (role `sekretaris`).
    public var sekretarisParaf: Paraf? = nil

    public init(requestId: String = "", letterId: String = "", content: LetterContent = LetterContent(), revisionDigest: Data = Data(),
                drafterParaf: Paraf? = nil, sekretarisParaf: Paraf? = nil) {
        self.requestId = requestId
        self.letterId = letterId
        self.content = content
        self.revisionDigest = revisionDigest
        self.drafterParaf = drafterParaf
        self.sekretarisParaf = sekretarisParaf
    }

    public enum CodingKeys: Int, CodingKey {
        case requestId = 1
        case letterId = 2
        case content = 3
        case revisionDigest = 4
        case drafterParaf = 5
        case sekretarisParaf = 6
    }
}

public enum SigningRequestState: Int32, Codable, Sendable, CaseIterable, Hashable {
    case unspecified = 0
    /// Uploaded, waiting for the Camat (step 4 done).
    case awaitingSignature = 1
    /// Signed (step 5 done).
    case signed = 2
}

/// A letter revision uploaded for signature, with the parafs it carries and, once signed, its signature.
public struct SigningRequestRecord: Codable, Sendable, Hashable {
    public var signingRequestId: String = ""
    public var letterId: String = ""
    public var revisionDigest: Data = Data()
    public var content: LetterContent = LetterContent()
    public var drafterParaf: Paraf = Paraf()
    public var sekretarisParaf: Paraf = Paraf()
    public var state: SigningRequestState = .unspecified
    public var uploadedBy: String = ""
    public var uploadedAtUnixMillis: Int64 = 0
    public var signature: SignatureRecord? = nil

    public init(signingRequestId: String = "", letterId: String = "", revisionDigest: Data = Data(), content: LetterContent = LetterContent(),
                drafterParaf: Paraf = Paraf(), sekretarisParaf: Paraf = Paraf(), state: SigningRequestState = .unspecified,
                uploadedBy: String = "", uploadedAtUnixMillis: Int64 = 0, signature: SignatureRecord? = nil) {
        self.signingRequestId = signingRequestId
        self.letterId = letterId
        self.revisionDigest = revisionDigest
        self.content = content
        self.drafterParaf = drafterParaf
        self.sekretarisParaf = sekretarisParaf
        self.state = state
        self.uploadedBy = uploadedBy
        self.uploadedAtUnixMillis = uploadedAtUnixMillis
        self.signature = signature
    }

    public enum CodingKeys: Int, CodingKey {
        case signingRequestId = 1
        case letterId = 2
        case revisionDigest = 3
        case content = 4
        case drafterParaf = 5
        case sekretarisParaf = 6
        case state = 7
        case uploadedBy = 8
        case uploadedAtUnixMillis = 9
        case signature = 10
    }
}

/// Look up a signing request by id, or the latest one of a letter.
public struct GetSigningRequestRequest: Codable, Sendable, Hashable {
    public var signingRequestId: String = ""
    public var letterId: String = ""

    public init(signingRequestId: String = "", letterId: String = "") {
        self.signingRequestId = signingRequestId
        self.letterId = letterId
    }

    public enum CodingKeys: Int, CodingKey {
        case signingRequestId = 1
        case letterId = 2
    }
}

/// SOP step 5: the Camat (or an acting official) signs an uploaded revision.
public struct SignRequest: Codable, Sendable, Hashable, CustomStringConvertible {
    public var requestId: String = ""
    /// The upload to sign; or leave empty and give `letterId` to sign that letter's pending upload.
    public var signingRequestId: String = ""
    public var letterId: String = ""
    /// Must be the calling actor (`surat-actor-id`); empty means the caller.
    public var signerId: String = ""
    public var passphrase: String = ""

    public init(requestId: String = "", signingRequestId: String = "", letterId: String = "", signerId: String = "", passphrase: String = "") {
        self.requestId = requestId
        self.signingRequestId = signingRequestId
        self.letterId = letterId
        self.signerId = signerId
        self.passphrase = passphrase
    }

    public enum CodingKeys: Int, CodingKey {
        case requestId = 1
        case signingRequestId = 2
        case letterId = 3
        case signerId = 4
        case passphrase = 5
    }

    public var description: String {
        "SignRequest(requestId: \(requestId), signingRequestId: \(signingRequestId), letterId: \(letterId), signerId: \(signerId), passphrase: <redacted>)"
    }
}

/// A stored signature: the exact signed envelope bytes, the signature, and the decoded fields.
public struct SignatureRecord: Codable, Sendable, Hashable {
    public var signatureId: String = ""
    public var signingRequestId: String = ""
    /// The exact bytes that were signed (canonical `SigningEnvelope`).
    public var envelope: Data = Data()
    /// 64-byte Ed25519 signature over `envelope`.
    public var signature: Data = Data()
    public var algorithm: String = SignatureAlgorithm.ed25519
    /// The decoded envelope, for convenience; `envelope` is authoritative.
    public var fields: SigningEnvelope = SigningEnvelope()
    public var signerName: String = ""
    public var signerPosition: String = ""
    /// The raw public key of `fields.keyId`, for convenience; check it against `ListPublicKeys`.
    public var publicKey: Data = Data()
    public var delegationKind: DelegationKind = .unspecified

    public init(signatureId: String = "", signingRequestId: String = "", envelope: Data = Data(), signature: Data = Data(),
                algorithm: String = SignatureAlgorithm.ed25519, fields: SigningEnvelope = SigningEnvelope(), signerName: String = "",
                signerPosition: String = "", publicKey: Data = Data(), delegationKind: DelegationKind = .unspecified) {
        self.signatureId = signatureId
        self.signingRequestId = signingRequestId
        self.envelope = envelope
        self.signature = signature
        self.algorithm = algorithm
        self.fields = fields
        self.signerName = signerName
        self.signerPosition = signerPosition
        self.publicKey = publicKey
        self.delegationKind = delegationKind
    }

    public enum CodingKeys: Int, CodingKey {
        case signatureId = 1
        case signingRequestId = 2
        case envelope = 3
        case signature = 4
        case algorithm = 5
        case fields = 6
        case signerName = 7
        case signerPosition = 8
        case publicKey = 9
        case delegationKind = 10
    }
}

/// Look up a signature by id, or the signature of a letter.
public struct GetSignatureRequest: Codable, Sendable, Hashable {
    public var signatureId: String = ""
    public var letterId: String = ""

    public init(signatureId: String = "", letterId: String = "") {
        self.signatureId = signatureId
        self.letterId = letterId
    }

    public enum CodingKeys: Int, CodingKey {
        case signatureId = 1
        case letterId = 2
    }
}

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

/// One letter of a `BulkSign` call: its own Sign request id and which upload to sign.
public struct BulkSignItem: Codable, Sendable, Hashable {
    public var requestId: String = ""
    public var signingRequestId: String = ""
    public var letterId: String = ""

    public init(requestId: String = "", signingRequestId: String = "", letterId: String = "") {
        self.requestId = requestId
        self.signingRequestId = signingRequestId
        self.letterId = letterId
    }

    public enum CodingKeys: Int, CodingKey {
        case requestId = 1
        case signingRequestId = 2
        case letterId = 3
    }
}

/// SOP step 5 for a stack of letters: one passphrase, one key unlock, one signature per item.
public struct BulkSignRequest: Codable, Sendable, Hashable, CustomStringConvertible {
    /// Must be the calling actor (`surat-actor-id`); empty means the caller.
    public var signerId: String = ""
    public var passphrase: String = ""
    public var items: [BulkSignItem] = []

    public init(signerId: String = "", passphrase: String = "", items: [BulkSignItem] = []) {
        self.signerId = signerId
        self.passphrase = passphrase
        self.items = items
    }

    public enum CodingKeys: Int, CodingKey {
        case signerId = 1
        case passphrase = 2
        case items = 3
    }

    public var description: String {
        "BulkSignRequest(signerId: \(signerId), items: \(items.count), passphrase: <redacted>)"
    }
}

/// The outcome for one item of a `BulkSign` call: a gRPC status code (0 = signed) and the signature.
public struct BulkSignResult: Codable, Sendable, Hashable {
    public var requestId: String = ""
    public var letterId: String = ""
    public var code: Int32 = 0
    public var message: String = ""
    public var signature: SignatureRecord? = nil

    public init(requestId: String = "", letterId: String = "", code: Int32 = 0, message: String = "", signature: SignatureRecord? = nil) {
        self.requestId = requestId
        self.letterId = letterId
        self.code = code
        self.message = message
        self.signature = signature
    }

    public enum CodingKeys: Int, CodingKey {
        case requestId = 1
        case letterId = 2
        case code = 3
        case message = 4
        case signature = 5
    }
}

public struct BulkSignResponse: Codable, Sendable, Hashable {
    public var results: [BulkSignResult] = []

    public init(results: [BulkSignResult] = []) { self.results = results }

    public enum CodingKeys: Int, CodingKey {
        case results = 1
    }
}
