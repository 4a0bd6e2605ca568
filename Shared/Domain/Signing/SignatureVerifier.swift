import Crypto
import Foundation

/// One named check of a verification, e.g. `signature` or `key_validity`.
public struct VerificationCheck: Codable, Sendable, Hashable {
    public var name: String = ""
    public var passed: Bool = false
    public var detail: String = ""

    public init(name: String = "", passed: Bool = false, detail: String = "") {
        self.name = name
        self.passed = passed
        self.detail = detail
    }

    public enum CodingKeys: Int, CodingKey {
        case name = 1
        case passed = 2
        case detail = 3
    }
}

/// Why a verification check failed, as a type: callers decide on it, never on the check's
/// English `detail`. The registry fetches the published keys again only for `isUnknownToVerifier`.
public enum VerificationFailure: String, Sendable, Hashable, CaseIterable {
    case malformedEnvelope
    /// The envelope's key id is not among the published keys.
    case unknownKey
    /// The published key does not fit: another algorithm, an id not derived from it, another signer's key.
    case keyMismatch
    case badSignature
    /// The key was revoked, replaced by rotation or not yet valid at the signing time.
    case keyNotValid
    /// The envelope's signer is not published.
    case unknownSigner
    /// The signer signed in their own name but is not the Camat.
    case signerNotCamat
    /// The envelope's delegation is not published.
    case unknownDelegation
    /// The delegation is for other signers, not from the Camat, or not valid at the signing time.
    case delegationNotValid
    case otherLetter
    case contentChanged

    /// Whether the verifier's published data may just be older than the signature (a key,
    /// signer or delegation made since it was fetched): fetching again could make it pass.
    public var isUnknownToVerifier: Bool {
        switch self {
        case .unknownKey, .unknownSigner, .unknownDelegation: true
        default: false
        }
    }
}

/// What offline verification found. `valid` is true only when every check passed.
public struct VerificationReport: Sendable, Hashable {
    public var valid: Bool { !checks.isEmpty && checks.allSatisfy(\.passed) }
    public var checks: [VerificationCheck] = []
    /// Why each failed check failed, in check order (empty when valid).
    public var failures: [VerificationFailure] = []
    public var envelope: SigningEnvelope?
    public var signer: PublishedSigner?
    public var key: PublishedKey?
    public var delegation: PublishedDelegation?

    public init() {}

    /// The first failed check, for a one-line answer.
    public var firstProblem: VerificationCheck? { checks.first { !$0.passed } }
}

/// Verifies a signature with nothing but published data (keys, signers, delegations from
/// `ListPublicKeys`), so the registry and other offices can check a letter offline. This is the
/// same procedure proto-notes/signing.md describes for verifiers in other languages.
public struct SignatureVerifier: Sendable {
    public var signers: [String: PublishedSigner]
    public var keys: [String: PublishedKey]
    public var delegations: [String: PublishedDelegation]

    public init(signers: [PublishedSigner], keys: [PublishedKey], delegations: [PublishedDelegation]) {
        self.signers = Dictionary(signers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.keys = Dictionary(keys.map { ($0.keyId, $0) }, uniquingKeysWith: { first, _ in first })
        self.delegations = Dictionary(delegations.map { ($0.delegationId, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// - Parameters:
    ///   - envelopeBytes: the exact signed bytes (`SignatureRecord.envelope`).
    ///   - signature: the 64-byte Ed25519 signature.
    ///   - contentDigest: SHA-256 of the canonical bytes of the letter the verifier holds; when
    ///     given it must equal the envelope's revision digest ("content unchanged").
    ///   - letterId: when given, the envelope must name this letter.
    public func verify(envelopeBytes: Data, signature: Data, contentDigest: Data? = nil, letterId: String? = nil) -> VerificationReport {
        var report = VerificationReport()
        func check(_ name: String, _ problem: String?, as failure: VerificationFailure, ok: String) {
            report.checks.append(VerificationCheck(name: name, passed: problem == nil, detail: problem ?? ok))
            if problem != nil { report.failures.append(failure) }
        }

        let envelope: SigningEnvelope
        do {
            envelope = try SigningEnvelope(canonicalBytes: envelopeBytes)
        } catch {
            check("envelope", error.description, as: .malformedEnvelope, ok: "")
            return report
        }
        report.envelope = envelope
        check("envelope", envelope.revisionDigest.count == 32 ? nil : "revision digest is not 32 bytes", as: .malformedEnvelope,
              ok: "canonical v1 envelope")

        guard let key = keys[envelope.keyId] else {
            check("key", "key \(envelope.keyId) is not among the published keys", as: .unknownKey, ok: "")
            return report
        }
        report.key = key
        var keyProblem: String?
        if key.algorithm != SignatureAlgorithm.ed25519 {
            keyProblem = "key \(key.keyId) has unsupported algorithm \(key.algorithm)"
        } else if SigningKeyID.derive(publicKey: key.publicKey) != key.keyId {
            keyProblem = "published key id \(key.keyId) does not match its public key"
        } else if key.signerId != envelope.signerId {
            keyProblem = "key \(key.keyId) belongs to signer \(key.signerId), not \(envelope.signerId)"
        }
        check("key", keyProblem, as: .keyMismatch, ok: "key \(key.keyId) belongs to signer \(key.signerId)")

        var signatureProblem: String? = "signature does not verify with key \(key.keyId)"
        if keyProblem == nil, let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: key.publicKey),
           signature.count == 64, publicKey.isValidSignature(signature, for: envelopeBytes) {
            signatureProblem = nil
        }
        check("signature", signatureProblem, as: .badSignature, ok: "Ed25519 signature over the envelope is valid")
        check("key_validity", key.validityProblem(atUnixMillis: envelope.signedAtUnixMillis), as: .keyNotValid,
              ok: "key was valid at the signing time")

        let signer = signers[envelope.signerId]
        report.signer = signer
        var signerProblem: String?
        var signerFailure = VerificationFailure.unknownSigner
        if signer == nil {
            signerProblem = "signer \(envelope.signerId) is not published"
        } else if envelope.onBehalfOf.isEmpty && signer?.role != "camat" {
            signerProblem = "signer \(envelope.signerId) is not the Camat and the envelope names no delegation"
            signerFailure = .signerNotCamat
        }
        check("signer", signerProblem, as: signerFailure, ok: "signed by \(signer?.name ?? "") (\(signer?.position ?? ""))")

        if !envelope.onBehalfOf.isEmpty || !envelope.delegationId.isEmpty {
            var problem: String?
            var failure = VerificationFailure.delegationNotValid
            if let delegation = delegations[envelope.delegationId] {
                report.delegation = delegation
                if delegation.fromSignerId != envelope.onBehalfOf || delegation.toSignerId != envelope.signerId {
                    problem = "delegation \(delegation.delegationId) is from \(delegation.fromSignerId) to \(delegation.toSignerId), not from \(envelope.onBehalfOf) to \(envelope.signerId)"
                } else if signers[delegation.fromSignerId]?.role != "camat" {
                    problem = "delegation \(delegation.delegationId) is not from the Camat"
                } else {
                    problem = delegation.validityProblem(atUnixMillis: envelope.signedAtUnixMillis)
                }
            } else {
                problem = "delegation \"\(envelope.delegationId)\" is not published"
                failure = .unknownDelegation
            }
            let head = signers[envelope.onBehalfOf]?.name ?? envelope.onBehalfOf
            check("delegation", problem, as: failure, ok: "\(report.delegation?.kind.label ?? "") on behalf of \(head), valid at the signing time")
        }

        if let letterId {
            check("letter", envelope.letterId == letterId ? nil : "envelope is for letter \(envelope.letterId), not \(letterId)",
                  as: .otherLetter, ok: "envelope names letter \(letterId)")
        }
        if let contentDigest {
            check("content", contentDigest == envelope.revisionDigest ? nil : "content digest differs from the signed revision digest: the content was changed",
                  as: .contentChanged, ok: "content digest equals the signed revision digest")
        }
        return report
    }
}
