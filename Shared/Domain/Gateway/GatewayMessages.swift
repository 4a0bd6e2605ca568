import Foundation

/// Messages of `surat.gateway.v1` (proto-notes/surat/gateway/v1/gateway.proto), namespaced so they do not
/// clash with the gateway's internal types of the same name.
public enum GatewayAPI {}

extension GatewayAPI {
    public enum JourneyState: Int32, Codable, Sendable, CaseIterable {
        case unspecified = 0
        case opened = 1
        case drafting = 2
        case inReview = 3
        case approved = 4
        case awaitingSignature = 5
        case signed = 6
        case completed = 7
        case withdrawn = 8
    }

    public enum StepOutcome: Int32, Codable, Sendable {
        case unspecified = 0
        case inProgress = 1
        case done = 2
        case returned = 3
        case withdrawn = 4
    }

    public struct StepRecord: Codable, Sendable, Hashable {
        public var step: Int32 = 0
        public var title: String = ""
        public var round: Int32 = 0
        public var startedAt: Date = Date(timeIntervalSince1970: 0)
        public var endedAt: Date? = nil
        public var actor: ActorIdentity? = nil
        public var durationSeconds: Double = 0
        public var standardSeconds: Int32 = 0
        public var late: Bool = false
        public var outcome: StepOutcome = .unspecified

        public init() {}

        public enum CodingKeys: Int, CodingKey {
            case step = 1, title, round, startedAt, endedAt, actor, durationSeconds, standardSeconds, late, outcome
        }
    }

    public struct ReturnRecord: Codable, Sendable, Hashable {
        public var round: Int32 = 0
        public var at: Date = Date(timeIntervalSince1970: 0)
        public var by: ActorIdentity? = nil
        public var notes: String = ""
        /// SHA-256 of the returned revision (32 bytes).
        public var revisionDigest: Data = Data()

        public init() {}

        public enum CodingKeys: Int, CodingKey {
            case round = 1, at, by, notes, revisionDigest
        }
    }

    public struct Journey: Codable, Sendable, Hashable {
        public var letterID: String = ""
        public var subject: String = ""
        public var classification: String = ""
        public var unit: String = ""
        public var state: JourneyState = .unspecified
        public var currentStep: Int32 = 0
        public var currentStepTitle: String = ""
        public var openedAt: Date = Date(timeIntervalSince1970: 0)
        public var openedBy: ActorIdentity? = nil
        public var clerk: ActorIdentity? = nil
        public var drafter: ActorIdentity? = nil
        public var draftID: String = ""
        public var revision: Int64 = 0
        /// SHA-256 of the canonical LetterContent (32 bytes).
        public var revisionDigest: Data = Data()
        public var signingRequestID: String = ""
        public var signatureID: String = ""
        public var letterNumber: String = ""
        public var steps: [StepRecord] = []
        public var returns: [ReturnRecord] = []
        public var totalDurationSeconds: Double = 0
        public var updatedAt: Date = Date(timeIntervalSince1970: 0)
        public var withdrawal: Withdrawal? = nil
        public var reassignments: [Reassignment] = []

        public init() {}

        public enum CodingKeys: Int, CodingKey {
            case letterID = 1, subject, classification, unit, state, currentStep, currentStepTitle, openedAt, openedBy,
                clerk, drafter, draftID, revision, revisionDigest, signingRequestID, signatureID, letterNumber, steps,
                returns, totalDurationSeconds, updatedAt, withdrawal, reassignments
        }
    }

    public struct JourneyReply: Codable, Sendable, Hashable {
        public var journey: Journey? = nil
        public init(journey: Journey? = nil) { self.journey = journey }
        public enum CodingKeys: Int, CodingKey { case journey = 1 }
    }

    public struct OpenLetterRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var subject: String = ""
        public var classification: String = ""
        public var unit: String = ""
        public init(requestID: String = "", subject: String = "", classification: String = "", unit: String = "") {
            self.requestID = requestID
            self.subject = subject
            self.classification = classification
            self.unit = unit
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, subject, classification, unit }
    }

    public struct AssignClerkRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var letterID: String = ""
        public var clerkID: String = ""
        public init(requestID: String = "", letterID: String = "", clerkID: String = "") {
            self.requestID = requestID
            self.letterID = letterID
            self.clerkID = clerkID
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, letterID, clerkID }
    }

    public struct CreateDraftRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var letterID: String = ""
        public var content: LetterContent? = nil
        public init(requestID: String = "", letterID: String = "", content: LetterContent? = nil) {
            self.requestID = requestID
            self.letterID = letterID
            self.content = content
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, letterID, content }
    }

    public struct EditDraftRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var letterID: String = ""
        public var baseRevision: Int64 = 0
        public var content: LetterContent? = nil
        public init(requestID: String = "", letterID: String = "", baseRevision: Int64 = 0, content: LetterContent? = nil) {
            self.requestID = requestID
            self.letterID = letterID
            self.baseRevision = baseRevision
            self.content = content
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, letterID, baseRevision, content }
    }

    public struct GetDraftRequest: Codable, Sendable, Hashable {
        public var letterID: String = ""
        /// Empty: the latest revision. Else the revision with this digest (e.g. a ReturnRecord's, so the
        /// Sekretaris can compare what changed since they returned it).
        public var revisionDigest: Data = Data()
        public init(letterID: String = "", revisionDigest: Data = Data()) {
            self.letterID = letterID
            self.revisionDigest = revisionDigest
        }
        public enum CodingKeys: Int, CodingKey { case letterID = 1, revisionDigest }
    }

    public struct DraftReply: Codable, Sendable, Hashable {
        public var journey: Journey? = nil
        public var draftID: String = ""
        public var revision: Int64 = 0
        public var revisionDigest: Data = Data()
        public var content: LetterContent? = nil
        public init() {}
        public enum CodingKeys: Int, CodingKey { case journey = 1, draftID, revision, revisionDigest, content }
    }

    /// "You initial what you read": the revision and its digest are both required.
    public struct ParafRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var letterID: String = ""
        public var revision: Int64 = 0
        /// SHA-256 of the revision's canonical content (DraftReply.revision_digest), 32 bytes.
        public var revisionDigest: Data = Data()
        public init(requestID: String = "", letterID: String = "", revision: Int64 = 0, revisionDigest: Data = Data()) {
            self.requestID = requestID
            self.letterID = letterID
            self.revision = revision
            self.revisionDigest = revisionDigest
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, letterID, revision, revisionDigest }
    }

    public struct ApproveRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var letterID: String = ""
        public var revisionDigest: Data = Data()
        public init(requestID: String = "", letterID: String = "", revisionDigest: Data = Data()) {
            self.requestID = requestID
            self.letterID = letterID
            self.revisionDigest = revisionDigest
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, letterID, revisionDigest }
    }

    public struct ReturnDraftRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var letterID: String = ""
        public var notes: String = ""
        public init(requestID: String = "", letterID: String = "", notes: String = "") {
            self.requestID = requestID
            self.letterID = letterID
            self.notes = notes
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, letterID, notes }
    }

    public struct UploadForSignatureRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var letterID: String = ""
        public init(requestID: String = "", letterID: String = "") {
            self.requestID = requestID
            self.letterID = letterID
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, letterID }
    }

    public struct SignRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var letterID: String = ""
        public var passphrase: String = ""
        public init(requestID: String = "", letterID: String = "", passphrase: String = "") {
            self.requestID = requestID
            self.letterID = letterID
            self.passphrase = passphrase
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, letterID, passphrase }
    }

    public struct SignatureInfo: Codable, Sendable, Hashable {
        public var signatureID: String = ""
        public var signerID: String = ""
        public var signerName: String = ""
        public var keyID: String = ""
        public var algorithm: String = ""
        public var signedAt: Date = Date(timeIntervalSince1970: 0)
        public var onBehalfOf: String = ""
        public var signature: Data = Data()
        public var verified: Bool = false
        public var verificationDetail: String = ""
        /// The Plh/Plt delegation the signature was made under ("" for the Camat's own), so an
        /// acting official's signature can be checked offline against the published delegations.
        public var delegationID: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey {
            case signatureID = 1, signerID, signerName, keyID, algorithm, signedAt, onBehalfOf, signature, verified,
                verificationDetail, delegationID
        }
    }

    public struct SignReply: Codable, Sendable, Hashable {
        public var journey: Journey? = nil
        public var signature: SignatureInfo? = nil
        public init() {}
        public enum CodingKeys: Int, CodingKey { case journey = 1, signature }
    }

    /// Step 5 for several letters with one passphrase entry (the Camat's stack of waiting letters).
    public struct BulkSignRequest: Codable, Sendable, Hashable, CustomStringConvertible {
        public var requestID: String = ""
        public var letterIDs: [String] = []
        public var passphrase: String = ""
        public init(requestID: String = "", letterIDs: [String] = [], passphrase: String = "") {
            self.requestID = requestID
            self.letterIDs = letterIDs
            self.passphrase = passphrase
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, letterIDs, passphrase }
        public var description: String { "BulkSignRequest(requestID: \(requestID), letterIDs: \(letterIDs), passphrase: <redacted>)" }
    }

    /// One letter's outcome: `code` 0 (signed, now or by an earlier attempt) with the journey and
    /// signature, or the gRPC status code and message that a single Sign would have failed with.
    public struct BulkSignResult: Codable, Sendable, Hashable {
        public var letterID: String = ""
        public var code: Int32 = 0
        public var message: String = ""
        public var journey: Journey? = nil
        public var signature: SignatureInfo? = nil
        public init(letterID: String = "", code: Int32 = 0, message: String = "", journey: Journey? = nil, signature: SignatureInfo? = nil) {
            self.letterID = letterID
            self.code = code
            self.message = message
            self.journey = journey
            self.signature = signature
        }
        public enum CodingKeys: Int, CodingKey { case letterID = 1, code, message, journey, signature }
    }

    public struct BulkSignReply: Codable, Sendable, Hashable {
        public var results: [BulkSignResult] = []
        public init(results: [BulkSignResult] = []) { self.results = results }
        public enum CodingKeys: Int, CodingKey { case results = 1 }
    }

    public struct RegisterRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var letterID: String = ""
        public init(requestID: String = "", letterID: String = "") {
            self.requestID = requestID
            self.letterID = letterID
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, letterID }
    }

    public struct Registration: Codable, Sendable, Hashable {
        public var letterNumber: String = ""
        public var sequence: Int64 = 0
        public var registeredAt: Date = Date(timeIntervalSince1970: 0)
        public var receipt: Data = Data()
        public var receiptVerified: Bool = false
        public var receiptDetail: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey {
            case letterNumber = 1, sequence, registeredAt, receipt, receiptVerified, receiptDetail
        }
    }

    public struct Delivery: Codable, Sendable, Hashable {
        public var addressee: String = ""
        public var state: DeliveryState = .unspecified
        public var attempts: Int32 = 0
        public var lastError: String = ""
        public var updatedAt: Date? = nil
        public init() {}
        public enum CodingKeys: Int, CodingKey { case addressee = 1, state, attempts, lastError, updatedAt }
    }

    public struct RegisterReply: Codable, Sendable, Hashable {
        public var journey: Journey? = nil
        public var registration: Registration? = nil
        public var deliveries: [Delivery] = []
        public init() {}
        public enum CodingKeys: Int, CodingKey { case journey = 1, registration, deliveries }
    }
}
