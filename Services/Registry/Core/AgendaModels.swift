import Foundation
import ServiceKit

/// One addressee (Yth.) of a letter: a Desa, Dinas or Instansi. `id` is the key into the office's
/// address book, which says whether the addressee has an inbox endpoint.
package struct Addressee: Sendable, Hashable {
    package var id: String
    package var name: String
    /// The addressee's inbox "host:port" from the signed letter; empty = look in the address book.
    package var endpoint: String
    package init(id: String, name: String, endpoint: String = "") {
        self.id = id
        self.name = name
        self.endpoint = endpoint
    }
}

/// A signature the registry has already verified (the server does that before enqueueing, so the
/// single writer never spends time on it).
package struct VerifiedSignature: Sendable, Hashable {
    package var signerId: String
    package var signerName: String
    package var keyId: String
    /// Raw Ed25519 public key of the signer (32 bytes); copied into the receipt so a receiving
    /// office that trusts this registry can check the signature without asking our signing service.
    package var signerPublicKey: [UInt8]
    package var signedAt: Date
    /// Empty unless an acting official (Plh/Plt) signed on behalf of the head.
    package var onBehalfOf: String
    /// The signing service's id for this signature.
    package var reference: String
    /// The raw signature bytes.
    package var signature: [UInt8]
    /// The signing service's signature record exactly as received (forwarded to addressees).
    package var record: [UInt8]

    package init(signerId: String, signerName: String, keyId: String, signerPublicKey: [UInt8], signedAt: Date,
                 onBehalfOf: String, reference: String, signature: [UInt8], record: [UInt8]) {
        self.signerId = signerId
        self.signerName = signerName
        self.keyId = keyId
        self.signerPublicKey = signerPublicKey
        self.signedAt = signedAt
        self.onBehalfOf = onBehalfOf
        self.reference = reference
        self.signature = signature
        self.record = record
    }
}

/// A validated registration, ready for the writer.
package struct RegistrationRequest: Sendable {
    package var requestId: String
    package var letterId: UUID
    /// Canonical bytes of the signed revision; delivered to addressees as is.
    package var content: [UInt8]
    /// SHA-256 of `content`; equals the digest inside the signing envelope.
    package var contentDigest: [UInt8]
    package var classification: String
    /// Recording unit; empty means the office's default unit.
    package var unit: String
    package var subject: String
    package var addressees: [Addressee]
    package var attachmentCount: Int
    package var sifat: String
    package var urgency: String
    package var letterType: String
    package var remarks: String
    package var registeredBy: String
    package var signature: VerifiedSignature
    /// The caller's high-water mark: per agenda year, the highest agenda sequence it holds a receipt
    /// for. A book behind it was restored from an older backup: nothing new is numbered until the
    /// lost registrations are imported again (proto-notes/registry.md, "Restore and reconcile").
    package var knownAgendaSequences: [Int: Int64]
    /// How ServiceKit's exactly-once rule knows this step (nil: no stored reply, e.g. core tests).
    package var exactlyOnce: RegistrationExactlyOnce?

    package init(requestId: String, letterId: UUID, content: [UInt8], contentDigest: [UInt8], classification: String,
                 unit: String, subject: String, addressees: [Addressee], attachmentCount: Int, sifat: String,
                 urgency: String, letterType: String, remarks: String, registeredBy: String,
                 signature: VerifiedSignature, knownAgendaSequences: [Int: Int64] = [:]) {
        self.knownAgendaSequences = knownAgendaSequences
        self.requestId = requestId
        self.letterId = letterId
        self.content = content
        self.contentDigest = contentDigest
        self.classification = classification
        self.unit = unit
        self.subject = subject
        self.addressees = addressees
        self.attachmentCount = attachmentCount
        self.sifat = sifat
        self.urgency = urgency
        self.letterType = letterType
        self.remarks = remarks
        self.registeredBy = registeredBy
        self.signature = signature
    }
}

package enum AgendaStatus: Int, Sendable, Hashable {
    case registered = 1
    case cancelled = 2

    package var label: String {
        switch self {
        case .registered: "registered"
        case .cancelled: "cancelled"
        }
    }
}

/// The registry's seal over number ↔ letter ↔ content ↔ signature (see proto-notes/registry.md).
package struct RegistryReceipt: Sendable, Hashable {
    /// The exact signed bytes (UTF-8 text, one `key=value` per line).
    package var text: [UInt8]
    /// Ed25519 signature by the registry key over `text`.
    package var signature: [UInt8]
    package var registryKeyId: String

    package init(text: [UInt8], signature: [UInt8], registryKeyId: String) {
        self.text = text
        self.signature = signature
        self.registryKeyId = registryKeyId
    }
}

/// One line of the Buku Agenda Surat Keluar.
package struct AgendaEntry: Sendable, Hashable {
    package var id: Int64
    package var letterId: UUID
    package var requestId: String
    package var number: String
    package var scope: String
    package var sequence: Int64
    package var agendaYear: Int
    package var agendaSequence: Int64
    package var unit: String
    package var classification: String
    package var registeredAt: Date
    package var registeredBy: String
    package var subject: String
    package var addressees: [Addressee]
    package var attachmentCount: Int
    package var sifat: String
    package var urgency: String
    package var letterType: String
    package var signerId: String
    package var signerName: String
    package var keyId: String
    package var onBehalfOf: String
    package var signedAt: Date
    package var signatureReference: String
    package var signature: [UInt8]
    package var signerPublicKey: [UInt8]
    package var contentDigest: [UInt8]
    package var status: AgendaStatus
    package var remarks: String
    package var cancelReason: String
    package var cancelledAt: Date?
    package var cancelledBy: String
    package var receipt: RegistryReceipt
}

package struct RegistrationOutcome: Sendable {
    package var entry: AgendaEntry
    /// True when the letter had been registered before (this call returned the existing number).
    package var alreadyRegistered: Bool
    /// The encoded reply stored with the registration (ServiceKit's `ExactlyOnce`): the first
    /// reply's bytes, also for a replay; nil for a request without `exactlyOnce`, or a letter whose
    /// registration has no stored reply (imported, or registered before the registry used the rule).
    package var reply: Data? = nil
    /// Set when `reply` is an earlier registration's stored reply: how it was found.
    package var replayedBy: ExactlyOnce.Source? = nil
}

/// Register's keys under ServiceKit's exactly-once rule (proto-notes/services.md, "Exactly once"),
/// stored under `RegistryStore.registerMethod`: `fingerprint` is the request (with its request id) and
/// the actor; `naturalKey` the letter, with the request without its request id and the actor.
package struct RegistrationExactlyOnce: Sendable {
    package var fingerprint: Data
    package var naturalKey: NaturalKey

    package init(fingerprint: Data, naturalKey: NaturalKey) {
        (self.fingerprint, self.naturalKey) = (fingerprint, naturalKey)
    }

    /// The natural key's parts for a letter: the agenda book holds at most one entry per letter.
    package static func naturalKeyParts(letterId: UUID) -> [String] { ["letter", letterId.uuidString.lowercased()] }
}

/// Filters for listing the agenda; all optional, combined with AND.
package struct AgendaQuery: Sendable {
    package var year: Int?
    package var from: Date?
    package var until: Date?
    package var classification: String?
    package var unit: String?
    package var addressee: String?
    package var subjectContains: String?
    package var status: AgendaStatus?
    package var pageSize: Int = 50
    /// Opaque; the `nextPageToken` of the previous page.
    package var pageToken: String = ""

    package init() {}
}

package struct AgendaPage: Sendable {
    package var entries: [AgendaEntry]
    package var nextPageToken: String
}

/// Milliseconds since 1970: how instants are stored, so they round-trip exactly.
package extension Date {
    var unixMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }
    init(unixMilliseconds: Int64) { self.init(timeIntervalSince1970: Double(unixMilliseconds) / 1000) }
}
