import Foundation

/// What the letter says: the drafting service's `LetterContent` (Shared/Domain/Common) as the
/// renderer needs it. Fields mirror it one to one (`LetterSifat`/`LetterUrgency` keep the Domain
/// enums' raw values), so a service maps a revision with `LetterDocumentContent(...)` field by
/// field without this module depending on Domain.
public struct LetterDocumentContent: Codable, Sendable, Hashable {
    /// Kode klasifikasi arsip, e.g. `065` or `000.8.3.3`.
    public var classificationCode: String = ""
    /// Hal (perihal).
    public var subject: String = ""
    /// The body in the letter markup (proto-notes/letter-markup.md).
    public var body: String = ""
    public var sifat: LetterSifat = .biasa
    public var urgency: LetterUrgency = .biasa
    public var addressees: [LetterAddressee] = []
    /// Tembusan, one entry per copy recipient, printed as given.
    public var tembusan: [String] = []
    /// Names of the attachments; their count is printed as `Lampiran`.
    public var attachmentNames: [String] = []
    /// The drafting unit (Seksi / Subag).
    public var draftingUnit: String = ""
    /// Place of the place/date line; empty = the office profile's `place`.
    public var place: String = ""
    /// Date fixed by the drafter; usually nil, and a final letter uses the date of numbering.
    public var letterDate: Date? = nil

    public init(classificationCode: String = "", subject: String = "", body: String = "", sifat: LetterSifat = .biasa,
                urgency: LetterUrgency = .biasa, addressees: [LetterAddressee] = [], tembusan: [String] = [],
                attachmentNames: [String] = [], draftingUnit: String = "", place: String = "", letterDate: Date? = nil) {
        self.classificationCode = classificationCode
        self.subject = subject
        self.body = body
        self.sifat = sifat
        self.urgency = urgency
        self.addressees = addressees
        self.tembusan = tembusan
        self.attachmentNames = attachmentNames
        self.draftingUnit = draftingUnit
        self.place = place
        self.letterDate = letterDate
    }
}

/// One addressee (Yth.): Domain's `Addressee` without the delivery endpoint.
public struct LetterAddressee: Codable, Sendable, Hashable {
    /// Name or position, e.g. `Kepala Desa Sooko`.
    public var name: String = ""
    /// The line under it, e.g. `di Tempat`.
    public var address: String = ""

    public init(name: String, address: String = "") {
        self.name = name
        self.address = address
    }
}

/// Security class (sifat); raw values are Domain's `Sifat`.
public enum LetterSifat: Int32, Codable, Sendable, Hashable, CaseIterable {
    case biasa = 1
    case terbatas = 2
    case rahasia = 3
    case sangatRahasia = 4

    /// As printed after `Sifat :`.
    public var displayName: String {
        switch self {
        case .biasa: "Biasa"
        case .terbatas: "Terbatas"
        case .rahasia: "Rahasia"
        case .sangatRahasia: "Sangat Rahasia"
        }
    }
}

/// Urgency (derajat kecepatan); raw values are Domain's `Urgency`.
public enum LetterUrgency: Int32, Codable, Sendable, Hashable, CaseIterable {
    case biasa = 1
    case segera = 2
    case sangatSegera = 3
    case kilat = 4

    public var displayName: String {
        switch self {
        case .biasa: "Biasa"
        case .segera: "Segera"
        case .sangatSegera: "Sangat Segera"
        case .kilat: "Kilat"
        }
    }
}

/// The signature block: who signs, in what capacity (LETTER.md, "Who signs").
public struct SignatureBlock: Codable, Sendable, Hashable {
    /// How the signer signs. Raw values are stable for storage and the wire.
    public enum Authority: String, Codable, Sendable, Hashable, CaseIterable {
        /// In their own right (the Camat signing as Camat).
        case own
        /// `a.n.`: for a superior who gave the mandate.
        case atasNama = "an"
        /// `a.n. ... u.b.`: the mandate passed one level further.
        case untukBeliau = "ub"
        /// `Plh.`: the holder is temporarily away (Domain `DelegationKind.plh`).
        case pelaksanaHarian = "plh"
        /// `Plt.`: the post is vacant or its holder long absent (Domain `DelegationKind.plt`).
        case pelaksanaTugas = "plt"
    }

    public var authority: Authority = .own
    /// The signer's own position, e.g. `SEKRETARIS KECAMATAN` (not printed for Plh./Plt.).
    public var position: String = ""
    /// The position signed for (a.n., u.b., Plh., Plt.), e.g. `CAMAT SOOKO`.
    public var principalPosition: String = ""
    /// For u.b.: the a.n. position between the principal and the signer.
    public var intermediatePosition: String = ""
    /// Name with academic titles.
    public var name: String = ""
    /// Pangkat, e.g. `Pembina Tk. I`.
    public var rank: String = ""
    /// Golongan/ruang, e.g. `IV/b`.
    public var grade: String = ""
    /// NIP, 18 digits; printed grouped `19720101 199803 1 005`.
    public var nip: String = ""

    public init(authority: Authority = .own, position: String = "", principalPosition: String = "", intermediatePosition: String = "",
                name: String = "", rank: String = "", grade: String = "", nip: String = "") {
        self.authority = authority
        self.position = position
        self.principalPosition = principalPosition
        self.intermediatePosition = intermediatePosition
        self.name = name
        self.rank = rank
        self.grade = grade
        self.nip = nip
    }

    /// The lines above the signature, the last one ending with a comma.
    public var positionLines: [String] {
        switch authority {
        case .own: ["\(position),"]
        case .atasNama: ["a.n. \(principalPosition)", "\(position),"]
        case .untukBeliau: ["a.n. \(principalPosition)", intermediatePosition, "u.b.", "\(position),"]
        case .pelaksanaHarian: ["Plh. \(principalPosition),"]
        case .pelaksanaTugas: ["Plt. \(principalPosition),"]
        }
    }

    /// `Pembina Tk. I (IV/b)`, or whichever of the two is known.
    public var rankLine: String {
        switch (rank.isEmpty, grade.isEmpty) {
        case (false, false): "\(rank) (\(grade))"
        case (false, true): rank
        case (true, false): grade
        case (true, true): ""
        }
    }

    /// The NIP grouped as birth date, appointment month, sex, sequence (8 6 1 3) when it has 18 digits.
    public var formattedNIP: String {
        let digits = nip.filter(\.isNumber)
        guard digits.count == 18 else { return nip }
        let characters = Array(digits)
        return "\(String(characters[0..<8])) \(String(characters[8..<14])) \(String(characters[14])) \(String(characters[15..<18]))"
    }
}

/// One recorded paraf (SOP steps 2–3), printed near the signer's name.
public struct ParafMark: Codable, Sendable, Hashable {
    /// Who, as printed: a position or unit, e.g. `Sekretaris Kecamatan`.
    public var label: String = ""
    /// Initials, e.g. `BW`; `ParafMark.initials(of:)` derives them from a name.
    public var initials: String = ""

    public init(label: String, initials: String) {
        self.label = label
        self.initials = initials
    }

    /// Upper-case first letters of the name's words, leaving out academic titles after a comma
    /// (`Budi Wibowo, S.Sos.` → `BW`).
    public static func initials(of name: String) -> String {
        let bare = name.split(separator: ",").first.map(String.init) ?? name
        return String(bare.split(whereSeparator: { $0 == " " || $0 == "." }).compactMap { word in
            word.first.flatMap { $0.isLetter ? Character($0.uppercased()) : nil }
        })
    }
}

/// Preview (any step, KONSEP, nothing that only a signature gives) or final (after SOP step 6).
public enum RenderMode: Sendable, Hashable {
    /// `at`: when the preview was made (the revision's time); it fixes the PDF's dates and the
    /// month and year shown while the letter has no date.
    case preview(at: Date)
    case final(FinalDetails)
}

/// What SOP step 6 adds to a signed letter.
public struct FinalDetails: Codable, Sendable, Hashable {
    /// The letter number as the registry formatted it.
    public var number: String
    /// The letter's date (numbering time); also the PDF's creation date.
    public var date: Date
    /// The opaque id of the public verification page (not the letter id).
    public var verificationID: String

    public init(number: String, date: Date, verificationID: String) {
        self.number = number
        self.date = date
        self.verificationID = verificationID
    }
}

/// Everything one render needs.
public struct LetterDocumentRequest: Sendable, Hashable {
    public var profile: OfficeProfile
    public var content: LetterDocumentContent
    public var signature: SignatureBlock
    /// At most three, highest first (LETTER.md).
    public var parafs: [ParafMark]
    public var mode: RenderMode

    public init(profile: OfficeProfile, content: LetterDocumentContent, signature: SignatureBlock, parafs: [ParafMark] = [], mode: RenderMode) {
        self.profile = profile
        self.content = content
        self.signature = signature
        self.parafs = parafs
        self.mode = mode
    }
}

/// A rendered letter.
public struct RenderedLetter: Sendable, Hashable {
    public var pdf: Data
    public var pageCount: Int
    /// The URL in the QR code (final letters only).
    public var verificationURL: String?
}

// JSON written by hand (the CLI, fixtures) may leave out what it does not use; the wire format
// decodes absent fields as defaults anyway.
extension LetterDocumentContent {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        classificationCode = try container.decodeIfPresent(String.self, forKey: .classificationCode) ?? ""
        subject = try container.decodeIfPresent(String.self, forKey: .subject) ?? ""
        body = try container.decodeIfPresent(String.self, forKey: .body) ?? ""
        sifat = try container.decodeIfPresent(LetterSifat.self, forKey: .sifat) ?? .biasa
        urgency = try container.decodeIfPresent(LetterUrgency.self, forKey: .urgency) ?? .biasa
        addressees = try container.decodeIfPresent([LetterAddressee].self, forKey: .addressees) ?? []
        tembusan = try container.decodeIfPresent([String].self, forKey: .tembusan) ?? []
        attachmentNames = try container.decodeIfPresent([String].self, forKey: .attachmentNames) ?? []
        draftingUnit = try container.decodeIfPresent(String.self, forKey: .draftingUnit) ?? ""
        place = try container.decodeIfPresent(String.self, forKey: .place) ?? ""
        letterDate = try container.decodeIfPresent(Date.self, forKey: .letterDate)
    }
}

extension LetterAddressee {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        address = try container.decodeIfPresent(String.self, forKey: .address) ?? ""
    }
}
