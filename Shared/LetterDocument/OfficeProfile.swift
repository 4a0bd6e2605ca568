import Foundation

/// Everything office-specific about how a letter looks: the kop, the signers, the paper, the
/// fonts, the footer and the words printed around the content. An admin sets it (later over RPC
/// and `surat admin office ...`); a sample for Kecamatan Sooko is deploy/letter/office-profile.json.
/// Every field has a default taken from ../shared/LETTER.md except the office's own words (kop
/// lines, positions, signers, place, verification URL), which are empty until the office sets them.
/// JSON keys are the property names; a missing key keeps its default.
public struct OfficeProfile: Codable, Sendable, Hashable {
    /// The kop surat (letterhead) at the top of page 1.
    public var kop: Kop = Kop()
    public var paper: PaperSize = .a4
    public var margins: Margins = Margins()
    public var fonts: Fonts = Fonts()
    public var layout: Layout = Layout()
    /// Positions (jabatan) that sign or on whose behalf others sign, e.g. `CAMAT SOOKO`.
    public var positions: [Position] = []
    /// People who sign, with rank and NIP; `id` matches the signing service's signer id.
    public var signers: [Signer] = []
    /// The registry's number template, shown with a blank sequence on previews, e.g.
    /// `{classification}/{sequence}/{unit}/{year}` (placeholders as the registry's: `{sequence:N}`,
    /// `{month}`, `{month_roman}`, `{office}` too; see proto-notes/registry.md).
    public var numberFormat: String = "{classification}/{sequence}/{unit}/{year}"
    /// The value of `{unit}` in `numberFormat`, e.g. `416-313`.
    public var numberUnit: String = ""
    /// The value of `{office}` in `numberFormat`.
    public var numberOffice: String = ""
    /// Place of the place/date line when the letter has none, e.g. `Sooko`.
    public var place: String = ""
    /// IANA time zone of the office: dates on the letter are in this zone.
    public var timeZone: String = "Asia/Jakarta"
    /// Footer lines of a signed letter (every page). `{verification_url}` is replaced by the
    /// letter's verification URL.
    public var footerLines: [String] = [
        "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik.",
        "Keaslian dokumen dapat diperiksa dengan memindai kode QR.",
    ]
    /// Public verification site; the QR holds `<verificationBaseURL>/v/<opaque id>`.
    public var verificationBaseURL: String = ""
    /// Words printed around the content (labels, watermark, list-page title).
    public var labels: Labels = Labels()

    public init() {}

    public struct Kop: Codable, Sendable, Hashable {
        /// Government lines, e.g. `PEMERINTAH KABUPATEN MOJOKERTO`.
        public var governmentLines: [String] = []
        /// Unit lines (printed largest), e.g. `KECAMATAN SOOKO`.
        public var unitLines: [String] = []
        /// Address, telephone, website, e-mail, postal code: one entry per printed line.
        public var addressLines: [String] = []
        /// The regional emblem as PNG bytes (base64 in JSON); empty = no emblem.
        public var emblemPNG: Data = Data()
        /// Height of the emblem on the page, millimetres.
        public var emblemHeightMillimetres: Double = 25
        public init() {}
    }

    public enum PaperSize: String, Codable, Sendable, Hashable, CaseIterable {
        /// ISO A4, 210 × 297 mm.
        case a4
        /// Folio (F4), 215 × 330 mm, common in Indonesian government offices.
        case f4

        /// Width and height in millimetres.
        public var millimetres: (width: Double, height: Double) {
            switch self {
            case .a4: (210, 297)
            case .f4: (215, 330)
            }
        }
    }

    public struct Margins: Codable, Sendable, Hashable {
        public var topMillimetres: Double = 20
        public var bottomMillimetres: Double = 20
        /// Wider on the left for binding.
        public var leftMillimetres: Double = 25
        public var rightMillimetres: Double = 20
        public init() {}
    }

    /// Font families are fontconfig names (`fc-list : family`); Debian's fonts-liberation2 has
    /// Arial- and Times-compatible faces.
    public struct Fonts: Codable, Sendable, Hashable {
        public var bodyFamily: String = "Liberation Sans"
        public var bodySizePoints: Double = 12
        public var kopFamily: String = "Liberation Sans"
        /// Government : unit : address about 2 : 3 : 1 by LETTER.md, kept legible.
        public var kopGovernmentSizePoints: Double = 14
        public var kopUnitSizePoints: Double = 18
        public var kopAddressSizePoints: Double = 9
        /// Footer, paraf and page numbers.
        public var smallSizePoints: Double = 8
        public init() {}
    }

    public struct Layout: Codable, Sendable, Hashable {
        /// Line height as a factor of the font's natural line height.
        public var lineSpacing: Double = 1.15
        /// First-line indent of body paragraphs, millimetres.
        public var paragraphIndentMillimetres: Double = 12.5
        /// Space between body blocks, points.
        public var paragraphSpacingPoints: Double = 6
        /// Left edge of the signature block as a fraction of the text width.
        public var signatureBlockStart: Double = 0.5
        /// Side of the QR code (the electronic-signature mark), millimetres.
        public var qrSizeMillimetres: Double = 22
        /// More addressees than this are listed on an attachment page (`Yth. (daftar terlampir)`).
        public var maximumInlineAddressees: Int = 5
        public init() {}
    }

    public struct Position: Codable, Sendable, Hashable {
        public var id: String = ""
        /// As printed in the signature block, e.g. `CAMAT SOOKO` or `SEKRETARIS KECAMATAN`.
        public var title: String = ""
        public init(id: String = "", title: String = "") {
            self.id = id
            self.title = title
        }
    }

    public struct Signer: Codable, Sendable, Hashable {
        /// The signing service's signer id.
        public var id: String = ""
        /// Name with academic titles, as printed.
        public var name: String = ""
        /// NIP, 18 digits (spaces allowed).
        public var nip: String = ""
        /// Pangkat, e.g. `Pembina Tk. I`.
        public var rank: String = ""
        /// Golongan/ruang, e.g. `IV/b`.
        public var grade: String = ""
        /// Id of the signer's own position in `positions`.
        public var positionID: String = ""
        public init(id: String = "", name: String = "", nip: String = "", rank: String = "", grade: String = "", positionID: String = "") {
            self.id = id
            self.name = name
            self.nip = nip
            self.rank = rank
            self.grade = grade
            self.positionID = positionID
        }
    }

    /// The fixed words of a letter. Defaults follow Permendagri 1/2023 as LETTER.md records it.
    public struct Labels: Codable, Sendable, Hashable {
        public var number: String = "Nomor"
        public var sifat: String = "Sifat"
        public var attachment: String = "Lampiran"
        public var subject: String = "Hal"
        /// `Lampiran` with no attachment.
        public var noAttachment: String = "-"
        /// `1 (satu) berkas`: the unit word after the count.
        public var attachmentUnit: String = "berkas"
        public var addresseePrefix: String = "Yth."
        /// Printed after `Yth.` when the addressees are on a list page.
        public var addresseeListReference: String = "(daftar terlampir)"
        /// Title of the addressee list page.
        public var addresseeListTitle: String = "DAFTAR PENERIMA SURAT"
        public var date: String = "Tanggal"
        public var tembusan: String = "Tembusan:"
        public var paraf: String = "Paraf"
        public var nip: String = "NIP."
        /// Diagonal watermark of a preview.
        public var draftWatermark: String = "KONSEP"
        /// Under the QR code of a signed letter.
        public var electronicSignatureNote: String = "Ditandatangani secara elektronik"
        /// `{page}` and `{pages}` are replaced; printed on every page of a multi-page letter.
        public var pageNumber: String = "Halaman {page} dari {pages}"
        /// Stands for the sequence in a preview's number.
        public var unnumberedSequence: String = "      "
        public init() {}
    }
}

extension OfficeProfile {
    /// The URL the QR code of a signed letter holds.
    public func verificationURL(for verificationID: String) -> String {
        var base = verificationBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        return "\(base)/v/\(verificationID)"
    }

    public func position(id: String) -> Position? { positions.first { $0.id == id } }
    public func signer(id: String) -> Signer? { signers.first { $0.id == id } }

    /// The signature block of `signerID` signing with `authority`; `principalPositionID` is the
    /// position signed for (a.n., u.b., Plh., Plt.), `intermediatePositionID` the a.n. position of a
    /// u.b. chain. This is how the registry turns a signature record (signer, delegation) into
    /// the printed block.
    public func signatureBlock(signerID: String, authority: SignatureBlock.Authority = .own,
                               principalPositionID: String = "", intermediatePositionID: String = "")
        throws(LetterDocumentError) -> SignatureBlock {
        guard let signer = signer(id: signerID) else {
            throw .invalidProfile(field: "signers", reason: "no signer with id \(signerID)")
        }
        guard let own = position(id: signer.positionID) else {
            throw .invalidProfile(field: "positions", reason: "signer \(signerID) holds unknown position \(signer.positionID)")
        }
        func title(_ id: String, _ role: String) throws(LetterDocumentError) -> String {
            guard let found = position(id: id) else {
                throw .invalidProfile(field: "positions", reason: "no \(role) position with id \(id)")
            }
            return found.title
        }
        var block = SignatureBlock(authority: authority, position: own.title, name: signer.name, rank: signer.rank,
                                   grade: signer.grade, nip: signer.nip)
        if authority != .own { block.principalPosition = try title(principalPositionID, "principal") }
        if authority == .untukBeliau { block.intermediatePosition = try title(intermediatePositionID, "intermediate") }
        return block
    }

    /// Reads a profile from JSON (keys as the property names). A missing key keeps its default; an
    /// unknown key is refused, so a misspelt setting is not silently ignored.
    public static func fromJSON(_ data: Data) throws(LetterDocumentError) -> OfficeProfile {
        let merged: Any
        do {
            // Synthesized Decodable needs every key, so the given object is laid over the defaults.
            let defaults = try JSONSerialization.jsonObject(with: JSONEncoder().encode(OfficeProfile()))
            let given = try JSONSerialization.jsonObject(with: data)
            merged = try overlay(given, on: defaults, path: "")
        } catch let error as LetterDocumentError {
            throw error
        } catch {
            throw .invalidProfile(field: "json", reason: "not a JSON object: \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(OfficeProfile.self, from: JSONSerialization.data(withJSONObject: merged))
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context) {
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            throw .invalidProfile(field: path, reason: context.debugDescription)
        } catch {
            throw .invalidProfile(field: "json", reason: "\(error)")
        }
    }

    /// The profile as JSON (every key, sorted), the inverse of `fromJSON`.
    public func jsonData() throws(LetterDocumentError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { return try encoder.encode(self) } catch { throw .invalidProfile(field: "json", reason: "\(error)") }
    }

    private static func overlay(_ given: Any, on defaults: Any, path: String) throws(LetterDocumentError) -> Any {
        guard let defaultObject = defaults as? [String: Any] else { return given }
        guard let givenObject = given as? [String: Any] else {
            throw .invalidProfile(field: path.isEmpty ? "json" : path, reason: "expected a JSON object")
        }
        var result = defaultObject
        for (key, value) in givenObject {
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            guard let defaultValue = defaultObject[key] else {
                throw .invalidProfile(field: keyPath, reason: "unknown setting")
            }
            result[key] = try overlay(value, on: defaultValue, path: keyPath)
        }
        return result
    }

    /// Checks what every render needs; `final` adds the verification URL.
    func validate(final: Bool) throws(LetterDocumentError) {
        // Every label, found by reflection so a label added later is checked too.
        var printed: [(String, String)] = Mirror(reflecting: labels).children.compactMap { child in
            guard let value = child.value as? String else { return nil }
            return ("labels.\(child.label ?? "")", value)
        }
        printed += kop.governmentLines.map { ("kop.governmentLines", $0) }
        printed += kop.unitLines.map { ("kop.unitLines", $0) }
        printed += kop.addressLines.map { ("kop.addressLines", $0) }
        printed += footerLines.map { ("footerLines", $0) }
        printed += positions.map { ("positions", $0.title) }
        printed += [("place", place), ("numberUnit", numberUnit)]
        if let (field, _) = printed.first(where: { $0.1.containsControlCharacter }) {
            throw .invalidProfile(field: field, reason: "contains a control character; give each printed line its own entry")
        }
        if kop.governmentLines.isEmpty && kop.unitLines.isEmpty {
            throw .invalidProfile(field: "kop", reason: "needs at least one government or unit line")
        }
        if kop.governmentLines.count + kop.unitLines.count > 3 {
            throw .invalidProfile(field: "kop", reason: "at most three government and unit lines (Permendagri 1/2023)")
        }
        if final {
            guard let url = URL(string: verificationBaseURL), let scheme = url.scheme,
                  scheme == "https" || scheme == "http", url.host != nil else {
                throw .invalidProfile(field: "verificationBaseURL", reason: "needs an http(s) URL, got \"\(verificationBaseURL)\"")
            }
        }
        if TimeZone(identifier: timeZone) == nil {
            throw .invalidProfile(field: "timeZone", reason: "unknown time zone \(timeZone)")
        }
        let margin = margins
        let (width, height) = paper.millimetres
        if margin.leftMillimetres + margin.rightMillimetres > width - 80 || margin.topMillimetres + margin.bottomMillimetres > height - 120
            || [margin.leftMillimetres, margin.rightMillimetres, margin.topMillimetres, margin.bottomMillimetres].contains(where: { $0 < 5 }) {
            throw .invalidProfile(field: "margins", reason: "leave at least 80 × 120 mm of text and 5 mm at each edge")
        }
        if layout.maximumInlineAddressees < 1 {
            throw .invalidProfile(field: "layout.maximumInlineAddressees", reason: "must be at least 1")
        }
    }
}

// Positions and signers are list elements, which `fromJSON` cannot lay over defaults: these
// decoders let their optional parts (rank, grade...) be left out.
extension OfficeProfile.Position {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        title = try container.decode(String.self, forKey: .title)
    }
}

extension OfficeProfile.Signer {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decode(String.self, forKey: .name)
        nip = try container.decodeIfPresent(String.self, forKey: .nip) ?? ""
        rank = try container.decodeIfPresent(String.self, forKey: .rank) ?? ""
        grade = try container.decodeIfPresent(String.self, forKey: .grade) ?? ""
        positionID = try container.decode(String.self, forKey: .positionID)
    }
}

extension String {
    /// True for C0/C1 control characters and DEL, which no printed line may hold.
    var containsControlCharacter: Bool {
        unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }
}
