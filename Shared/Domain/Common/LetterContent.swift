import Foundation

/// One addressee (Yth.) of a letter. `endpoint` is the `host:port` of the addressee's own
/// inbox service when it runs this software (or anything speaking the published .proto);
/// without one the registry lists the addressee for manual delivery.
public struct Addressee: Codable, Sendable, Hashable {
    public var name: String = ""
    public var kind: AddresseeKind = .unspecified
    public var endpoint: String? = nil
    /// Free-text address line ("di Tempat", a street), as printed under Yth.
    public var address: String = ""

    public init(name: String = "", kind: AddresseeKind = .unspecified, endpoint: String? = nil, address: String = "") {
        self.name = name
        self.kind = kind
        self.endpoint = endpoint
        self.address = address
    }

    public enum CodingKeys: Int, CodingKey {
        case name = 1
        case kind = 2
        case endpoint = 3
        case address = 4
    }
}

/// An attachment (lampiran). `sha256` is the SHA-256 of `content`; services fill it in when the
/// caller leaves it empty and reject a mismatch, so the digest always describes the bytes.
public struct Attachment: Codable, Sendable, Hashable {
    public var name: String = ""
    public var mediaType: String = ""
    public var content: Data = Data()
    public var sha256: Data = Data()

    public init(name: String = "", mediaType: String = "", content: Data = Data(), sha256: Data = Data()) {
        self.name = name
        self.mediaType = mediaType
        self.content = content
        self.sha256 = sha256
    }

    public enum CodingKeys: Int, CodingKey {
        case name = 1
        case mediaType = 2
        case content = 3
        case sha256 = 4
    }
}

/// The content of an outgoing letter: everything the Sekretaris checks and the Camat signs.
/// Its canonical bytes are `ProtobufEncoder().encode(content)`; see `LetterContent.digest()`.
/// The letter number and signing date are not here: the registry affixes them after signing
/// (SOP step 6), so they are not part of what is initialled.
public struct LetterContent: Codable, Sendable, Hashable {
    public var type: LetterType = .unspecified
    /// Archive classification code (kode klasifikasi), `065` or dotted `000.8.3.3`.
    public var classificationCode: String = ""
    /// Hal / perihal.
    public var subject: String = ""
    public var body: String = ""
    public var sifat: Sifat = .unspecified
    public var urgency: Urgency = .unspecified
    public var addressees: [Addressee] = []
    /// Tembusan: who receives a copy, one line each.
    public var tembusan: [String] = []
    public var attachments: [Attachment] = []
    /// The drafting unit (Seksi / Subag), e.g. "Seksi Pemerintahan".
    public var draftingUnit: String = ""
    /// Place of the place/date line, e.g. "Sooko".
    public var place: String = ""
    /// Date of the place/date line when the drafter fixes one; usually left empty and set at signing.
    public var letterDate: Date? = nil

    public init(
        type: LetterType = .unspecified, classificationCode: String = "", subject: String = "",
        body: String = "", sifat: Sifat = .unspecified, urgency: Urgency = .unspecified,
        addressees: [Addressee] = [], tembusan: [String] = [], attachments: [Attachment] = [],
        draftingUnit: String = "", place: String = "", letterDate: Date? = nil
    ) {
        self.type = type
        self.classificationCode = classificationCode
        self.subject = subject
        self.body = body
        self.sifat = sifat
        self.urgency = urgency
        self.addressees = addressees
        self.tembusan = tembusan
        self.attachments = attachments
        self.draftingUnit = draftingUnit
        self.place = place
        self.letterDate = letterDate
    }

    public enum CodingKeys: Int, CodingKey {
        case type = 1
        case classificationCode = 2
        case subject = 3
        case body = 4
        case sifat = 5
        case urgency = 6
        case addressees = 7
        case tembusan = 8
        case attachments = 9
        case draftingUnit = 10
        case place = 11
        case letterDate = 12
    }
}
