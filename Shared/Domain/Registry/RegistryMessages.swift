import Foundation

/// Messages of `surat.registry.v1` (proto-notes/surat/registry/v1/registry.proto), namespaced so
/// they do not clash with the registry's internal types of the same name.
public enum RegistryAPI {}

extension RegistryAPI {
    public enum AgendaStatus: Int32, Codable, Sendable, CaseIterable {
        case unspecified = 0
        case registered = 1
        /// Pembatalan: the number stays in the book, marked cancelled with a reason.
        case cancelled = 2
    }

    public enum DeliveryState: Int32, Codable, Sendable, CaseIterable {
        case unspecified = 0
        case pending = 1
        case delivered = 2
        case failed = 3
        case manual = 4
        case deliveredManually = 5
        case withdrawn = 6
    }

    public enum ExportFormat: Int32, Codable, Sendable, CaseIterable {
        case unspecified = 0
        case csv = 1
        case html = 2
    }

    /// The registry's seal: `text` (the exact signed bytes, see proto-notes/registry.md) and the
    /// registry's Ed25519 signature over it.
    public struct Receipt: Codable, Sendable, Hashable {
        public var text: Data = Data()
        public var signature: Data = Data()
        public var registryKeyID: String = ""
        public var registryPublicKey: Data = Data()
        public init() {}
        public enum CodingKeys: Int, CodingKey { case text = 1, signature, registryKeyID, registryPublicKey }
    }

    public struct AddresseeRef: Codable, Sendable, Hashable {
        /// Position-based id within the letter ("1", "2", ...), the key of its delivery row.
        public var id: String = ""
        public var name: String = ""
        public var endpoint: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey { case id = 1, name, endpoint }
    }

    /// One line of the Buku Agenda Surat Keluar.
    public struct AgendaEntry: Codable, Sendable, Hashable {
        public var letterID: String = ""
        public var number: String = ""
        public var sequence: Int64 = 0
        public var agendaYear: Int32 = 0
        public var agendaSequence: Int64 = 0
        public var unit: String = ""
        public var classification: String = ""
        public var registeredAt: Date = Date(timeIntervalSince1970: 0)
        public var registeredBy: String = ""
        public var subject: String = ""
        public var addressees: [AddresseeRef] = []
        public var attachmentCount: Int32 = 0
        public var sifat: String = ""
        public var urgency: String = ""
        public var letterType: String = ""
        public var signerID: String = ""
        public var signerName: String = ""
        public var signerKeyID: String = ""
        public var onBehalfOf: String = ""
        public var signedAt: Date = Date(timeIntervalSince1970: 0)
        public var signatureID: String = ""
        public var contentSHA256: Data = Data()
        public var status: AgendaStatus = .unspecified
        public var remarks: String = ""
        public var cancelReason: String = ""
        public var cancelledAt: Date? = nil
        public var cancelledBy: String = ""
        public var receipt: Receipt? = nil
        /// The gapless sequence this number counts in, e.g. "416-313|2026".
        public var scope: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey {
            case letterID = 1, number, sequence, agendaYear, agendaSequence, unit, classification, registeredAt,
                 registeredBy, subject, addressees, attachmentCount, sifat, urgency, letterType, signerID, signerName,
                 signerKeyID, onBehalfOf, signedAt, signatureID, contentSHA256, status, remarks, cancelReason,
                 cancelledAt, cancelledBy, receipt, scope
        }
    }

    public struct Delivery: Codable, Sendable, Hashable {
        public var letterID: String = ""
        public var number: String = ""
        public var addresseeID: String = ""
        public var addresseeName: String = ""
        public var endpoint: String = ""
        public var state: DeliveryState = .unspecified
        public var attempts: Int32 = 0
        public var nextAttemptAt: Date? = nil
        public var lastError: String = ""
        public var deliveredAt: Date? = nil
        /// The receiving inbox's acknowledgement id (or empty).
        public var acknowledgement: String = ""
        public var deliveredBy: String = ""
        public var note: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey {
            case letterID = 1, number, addresseeID, addresseeName, endpoint, state, attempts, nextAttemptAt, lastError,
                 deliveredAt, acknowledgement, deliveredBy, note
        }
    }

    public struct RegisterRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var letterID: String = ""
        /// Canonical bytes of the signed `surat.common.v1.LetterContent` revision: SHA-256 of these
        /// bytes must equal the digest in the signature's envelope.
        public var content: Data = Data()
        /// The signing service's record (`surat.signing.v1.SignatureRecord`, as `GetSignature` returns it).
        public var signature: SignatureRecord? = nil
        /// Recording unit; empty = the office's default unit.
        public var unit: String = ""
        public var remarks: String = ""
        /// The caller's high-water mark: per agenda year, the highest agenda sequence it holds a
        /// receipt for. A registry whose book is behind it was restored from an older backup and
        /// refuses to number (FAILED_PRECONDITION) until reconciled.
        public var knownAgenda: [AgendaPosition] = []
        public init() {}
        public enum CodingKeys: Int, CodingKey { case requestID = 1, letterID, content, signature, unit, remarks, knownAgenda }
    }

    /// A place in the agenda book: year and No. urut agenda.
    public struct AgendaPosition: Codable, Sendable, Hashable {
        public var year: Int32 = 0
        public var sequence: Int64 = 0
        public init(year: Int32 = 0, sequence: Int64 = 0) {
            self.year = year
            self.sequence = sequence
        }
        public enum CodingKeys: Int, CodingKey { case year = 1, sequence }
    }

    /// A registration as its holders keep it: the sealed receipt and the letter it numbers.
    public struct HeldRegistration: Codable, Sendable, Hashable {
        /// `text` and `signature` are required; the key fields are ignored.
        public var receipt: Receipt? = nil
        /// The canonical content bytes the receipt's content-sha256 names.
        public var content: Data = Data()
        /// The signature record whose signature the receipt names.
        public var signature: SignatureRecord? = nil
        /// Who registered it (the clerk's actor id), if known.
        public var registeredBy: String = ""
        public var remarks: String = ""
        /// The original `Register` request id, if known.
        public var requestID: String = ""
        public var unit: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey { case receipt = 1, content, signature, registeredBy, remarks, requestID, unit }
    }

    public struct ImportRegistrationsRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var registrations: [HeldRegistration] = []
        public init() {}
        public enum CodingKeys: Int, CodingKey { case requestID = 1, registrations }
    }

    public struct ImportProblem: Codable, Sendable, Hashable {
        public var number: String = ""
        public var letterID: String = ""
        public var problem: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey { case number = 1, letterID, problem }
    }

    public struct AgendaYearState: Codable, Sendable, Hashable {
        public var year: Int32 = 0
        /// The last No. urut agenda given out (or imported) that year.
        public var lastSequence: Int64 = 0
        public var entryCount: Int64 = 0
        /// The highest sequence a caller holds, while the year waits for reconciliation (else 0).
        public var knownSequence: Int64 = 0
        /// Sequences with no entry up to max(last, known); at most 1000.
        public var missing: [Int64] = []
        public init() {}
        public enum CodingKeys: Int, CodingKey { case year = 1, lastSequence, entryCount, knownSequence, missing }
    }

    /// An empty message: encodes to zero bytes.
    public typealias GetReconcileStatusRequest = EmptyMessage

    public struct ReconcileStatus: Codable, Sendable, Hashable {
        /// True while numbering is refused.
        public var reconcileRequired: Bool = false
        public var years: [AgendaYearState] = []
        public var detail: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey { case reconcileRequired = 1, years, detail }
    }

    public struct ImportRegistrationsResponse: Codable, Sendable, Hashable {
        public var imported: Int32 = 0
        public var alreadyPresent: Int32 = 0
        public var problems: [ImportProblem] = []
        public var status: ReconcileStatus? = nil
        /// The entries written, with their original numbers.
        public var entries: [AgendaEntry] = []
        public init() {}
        public enum CodingKeys: Int, CodingKey { case imported = 1, alreadyPresent, problems, status, entries }
    }

    public struct RegisterResponse: Codable, Sendable, Hashable {
        public var entry: AgendaEntry? = nil
        /// True when the letter already had a number (this call returned it again).
        public var alreadyRegistered: Bool = false
        public var deliveries: [Delivery] = []
        public init() {}
        public enum CodingKeys: Int, CodingKey { case entry = 1, alreadyRegistered, deliveries }
    }

    /// Exactly one of `number` and `letterID`.
    public struct GetEntryRequest: Codable, Sendable, Hashable {
        public var number: String = ""
        public var letterID: String = ""
        public init(number: String = "", letterID: String = "") {
            self.number = number
            self.letterID = letterID
        }
        public enum CodingKeys: Int, CodingKey { case number = 1, letterID }
    }

    public struct GetEntryResponse: Codable, Sendable, Hashable {
        public var entry: AgendaEntry? = nil
        public init() {}
        public enum CodingKeys: Int, CodingKey { case entry = 1 }
    }

    public struct ListAgendaRequest: Codable, Sendable, Hashable {
        public var year: Int32 = 0
        public var from: Date? = nil
        public var until: Date? = nil
        public var classification: String = ""
        public var unit: String = ""
        public var addressee: String = ""
        public var subjectContains: String = ""
        public var status: AgendaStatus = .unspecified
        public var pageSize: Int32 = 0
        public var pageToken: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey {
            case year = 1, from, until, classification, unit, addressee, subjectContains, status, pageSize, pageToken
        }
    }

    public struct ListAgendaResponse: Codable, Sendable, Hashable {
        public var entries: [AgendaEntry] = []
        public var nextPageToken: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey { case entries = 1, nextPageToken }
    }

    public struct ExportAgendaRequest: Codable, Sendable, Hashable {
        public var year: Int32 = 0
        public var from: Date? = nil
        public var until: Date? = nil
        public var format: ExportFormat = .unspecified
        public init() {}
        public enum CodingKeys: Int, CodingKey { case year = 1, from, until, format }
    }

    public struct ExportAgendaResponse: Codable, Sendable, Hashable {
        public var mediaType: String = ""
        public var fileName: String = ""
        public var data: Data = Data()
        public var entryCount: Int32 = 0
        public init() {}
        public enum CodingKeys: Int, CodingKey { case mediaType = 1, fileName, data, entryCount }
    }

    /// Exactly one of `number` and `letterID`; `reason` is mandatory.
    public struct CancelLetterRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var number: String = ""
        public var letterID: String = ""
        public var reason: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey { case requestID = 1, number, letterID, reason }
    }

    public struct CancelLetterResponse: Codable, Sendable, Hashable {
        public var entry: AgendaEntry? = nil
        public init() {}
        public enum CodingKeys: Int, CodingKey { case entry = 1 }
    }

    /// Verify by number; when `receiptText`/`receiptSignature` are given, that presented receipt is
    /// checked too (it must be the registry's seal for this number).
    public struct VerifyReceiptRequest: Codable, Sendable, Hashable {
        public var number: String = ""
        public var receiptText: Data = Data()
        public var receiptSignature: Data = Data()
        public init(number: String = "") { self.number = number }
        public enum CodingKeys: Int, CodingKey { case number = 1, receiptText, receiptSignature }
    }

    public struct VerifyReceiptResponse: Codable, Sendable, Hashable {
        public var valid: Bool = false
        public var detail: String = ""
        public var entry: AgendaEntry? = nil
        public var receipt: Receipt? = nil
        public init() {}
        public enum CodingKeys: Int, CodingKey { case valid = 1, detail, entry, receipt }
    }

    /// Exactly one of `number` and `letterID`.
    public struct GetDeliveriesRequest: Codable, Sendable, Hashable {
        public var number: String = ""
        public var letterID: String = ""
        public init(number: String = "", letterID: String = "") {
            self.number = number
            self.letterID = letterID
        }
        public enum CodingKeys: Int, CodingKey { case number = 1, letterID }
    }

    public struct GetDeliveriesResponse: Codable, Sendable, Hashable {
        public var number: String = ""
        public var deliveries: [Delivery] = []
        public init() {}
        public enum CodingKeys: Int, CodingKey { case number = 1, deliveries }
    }

    public struct ListManualDeliveriesRequest: Codable, Sendable, Hashable {
        public var limit: Int32 = 0
        /// Also list deliveries that failed after all retries.
        public var includeFailed: Bool = false
        public init() {}
        public enum CodingKeys: Int, CodingKey { case limit = 1, includeFailed }
    }

    public struct ListManualDeliveriesResponse: Codable, Sendable, Hashable {
        public var deliveries: [Delivery] = []
        public init() {}
        public enum CodingKeys: Int, CodingKey { case deliveries = 1 }
    }

    public struct MarkDeliveredRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var letterID: String = ""
        public var addresseeID: String = ""
        public var note: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey { case requestID = 1, letterID, addresseeID, note }
    }

    public struct MarkDeliveredResponse: Codable, Sendable, Hashable {
        public var delivery: Delivery? = nil
        public init() {}
        public enum CodingKeys: Int, CodingKey { case delivery = 1 }
    }

    /// An empty message: encodes to zero bytes.
    public typealias GetRegistryKeyRequest = EmptyMessage

    public struct GetRegistryKeyResponse: Codable, Sendable, Hashable {
        public var officeID: String = ""
        public var officeName: String = ""
        /// First 16 hex digits of SHA-256(public key): the receipt's `registry-key` line.
        public var keyID: String = ""
        /// Raw 32-byte Ed25519 public key that seals receipts.
        public var publicKey: Data = Data()
        public init() {}
        public enum CodingKeys: Int, CodingKey { case officeID = 1, officeName, keyID, publicKey }
    }
}
