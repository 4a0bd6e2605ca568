import Foundation

// Messages of `surat.signing.v1.Signing` (proto-notes/surat/signing/v1/signing.proto), continued
// from SigningMessages.swift. Field numbers are the CodingKeys' raw values.

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
