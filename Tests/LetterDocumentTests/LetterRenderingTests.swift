import Crypto
import Foundation
import LetterDocument
import Testing

/// Rendered letters read back with pdftotext, pdfinfo, qpdf, pdftoppm and zbarimg.
@Suite("Letter rendering", .timeLimit(.minutes(10)))
struct LetterRenderingTests {
    static let verificationURL = "https://surat.sooko.mojokertokab.go.id/v/\(SampleLetters.verificationID)"

    @Test func finalLetterHasEveryPartInOrder() throws {
        let rendered = try LetterRenderer.render(SampleLetters.request())
        let tools = try PDFTools(rendered.pdf)
        defer { tools.removeFiles() }
        let text = collapsingSpaces(try tools.text())
        let missing = firstMissingInOrder([
            "PEMERINTAH KABUPATEN MOJOKERTO", "KECAMATAN SOOKO", "Jalan Raya Sooko No. 1",
            "Nomor : 005/87/416-313/2026", "Sooko, 28 November 2026",
            "Sifat : Biasa", "Lampiran : 1 (satu) berkas", "Hal : Undangan Rapat Koordinasi",
            "Yth. Kepala Desa Sooko", "di Tempat",
            "Dalam rangka pemutakhiran", "hari/tanggal : Senin, 30 November 2026", "acara : Rapat koordinasi",
            "1. membawa rekapitulasi", "2. menugaskan operator desa", "Demikian atas perhatian",
            "CAMAT SOOKO,", "Ditandatangani secara elektronik", "Drs. Bambang Wahyudi, M.Si.", "Pembina Tk. I (IV/b)",
            "NIP. 19720101 199803 1 005", "Tembusan:", "1. Yth. Bupati Mojokerto (sebagai laporan);", "2. Arsip.",
            "Dokumen ini telah ditandatangani secara elektronik",
        ], in: text)
        #expect(missing == nil, "missing or out of order: \(missing ?? "")\n\(text)")
        // The paraf of steps 2–3 are printed near the signature.
        #expect(text.contains("Paraf") && text.contains("Sekretaris Kecamatan") && text.contains("SN"))
        #expect(rendered.pageCount == 1)
        #expect(!text.contains("Halaman"), "a one-page letter carries no page number")
        #expect(!text.contains("KONSEP"))
        #expect(rendered.verificationURL == Self.verificationURL)
        #expect(try tools.info()["Pages"] == "1")
        // The office's emblem is embedded as the one image (its alpha channel as a soft mask), at its own pixel size.
        let images = try PDFTools.run(["pdfimages", "-list", tools.pdf.path]).output.split(separator: "\n").dropFirst(2)
            .map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(images.map { $0[2] } == ["image", "smask"])
        #expect(images.first.map { Array($0[3...4]) } == ["200", "240"])
    }

    @Test func qrCodeHoldsTheVerificationURL() throws {
        let rendered = try LetterRenderer.render(SampleLetters.request())
        let tools = try PDFTools(rendered.pdf)
        defer { tools.removeFiles() }
        #expect(try tools.qrCodes(page: 1) == [Self.verificationURL])
    }

    @Test(arguments: [true, false])
    func qpdfFindsNoStructuralError(final: Bool) throws {
        let rendered = try LetterRenderer.render(SampleLetters.request(final ? SampleLetters.request().mode : SampleLetters.preview,
                                                                      content: SampleLetters.content(addressees: 12)))
        let tools = try PDFTools(rendered.pdf)
        defer { tools.removeFiles() }
        let check = try tools.qpdfCheck()
        #expect(check.status == 0, "\(check.output)\(check.error)")
        #expect(check.output.contains("No syntax or stream encoding errors found"))
    }

    @Test func previewIsMarkedKonsepWithoutNumberQRorSignatureMark() throws {
        let rendered = try LetterRenderer.render(SampleLetters.request(SampleLetters.preview))
        let tools = try PDFTools(rendered.pdf)
        defer { tools.removeFiles() }
        let text = collapsingSpaces(try tools.text())
        #expect(text.contains("KONSEP"))
        #expect(!text.contains(SampleLetters.number))
        #expect(!text.contains("/87/"))
        // The number's skeleton with a blank sequence, and the month without a day.
        #expect(text.contains("Nomor : 005/ /416-313/2026"), "\(text)")
        #expect(text.contains("Sooko, November 2026"))
        #expect(!text.contains("Ditandatangani secara elektronik"))
        #expect(!text.contains("Dokumen ini telah ditandatangani"))
        #expect(!text.contains("surat.sooko.mojokertokab.go.id"))
        #expect(try tools.qrCodes(page: 1, dpi: 200).isEmpty)
        #expect(rendered.verificationURL == nil)
        // Everything else is there, as the signer will see it.
        #expect(firstMissingInOrder(["KECAMATAN SOOKO", "Hal : Undangan", "Yth. Kepala Desa Sooko", "Dalam rangka",
                                     "CAMAT SOOKO,", "Drs. Bambang Wahyudi, M.Si.", "NIP. 19720101 199803 1 005", "Tembusan:"], in: text) == nil)
    }

    @Test func sameLetterRendersToTheSameBytes() throws {
        let request = try SampleLetters.request()
        let first = try LetterRenderer.render(request)
        // Another letter in between must not leak state (font subsets, ids) into the next render.
        _ = try LetterRenderer.render(SampleLetters.request(SampleLetters.preview, content: SampleLetters.content(addressees: 40)))
        let second = try LetterRenderer.render(request)
        #expect(SHA256.hash(data: first.pdf) == SHA256.hash(data: second.pdf))
        let preview = try SampleLetters.request(SampleLetters.preview)
        let previewOnce = try LetterRenderer.render(preview).pdf
        let previewTwice = try LetterRenderer.render(preview).pdf
        #expect(SHA256.hash(data: previewOnce) == SHA256.hash(data: previewTwice))
        // And the digest does depend on what the letter says.
        var changed = request
        changed.mode = .final(FinalDetails(number: SampleLetters.number, date: SampleLetters.date, verificationID: "another-id"))
        let changedPDF = try LetterRenderer.render(changed).pdf
        #expect(SHA256.hash(data: changedPDF) != SHA256.hash(data: first.pdf))
        let info = try PDFTools(first.pdf)
        defer { info.removeFiles() }
        #expect(try info.info()["CreationDate"]?.contains("2026") == true)
    }

    /// Services render on a thread pool: concurrent renders must neither crash nor differ.
    @Test func concurrentRendersGiveTheSameBytes() async throws {
        let request = try SampleLetters.request()
        let expected = Data(SHA256.hash(data: try LetterRenderer.render(request).pdf))
        let digests = try await withThrowingTaskGroup(of: Data.self) { group in
            for _ in 0..<8 {
                group.addTask { Data(SHA256.hash(data: try LetterRenderer.render(request).pdf)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(digests.count == 8)
        #expect(digests.allSatisfy { $0 == expected })
    }

    @Test func previewNumberFollowsTheRegistryTemplate() throws {
        var profile = try SampleLetters.profile()
        profile.numberFormat = "{classification}/{sequence:4}/{office}.{unit}/{month_roman}/{month}/{year}/{unknown}"
        profile.numberOffice = "KEC"
        let text = collapsingSpaces(try PDFTools(LetterRenderer.render(SampleLetters.request(SampleLetters.preview, profile: profile)).pdf).text())
        #expect(text.contains("Nomor : 005/ /KEC.416-313/XI/11/2026/{unknown}"), "\(text)")
    }

    @Test func oneAddresseeIsPrintedUnderYth() throws {
        let rendered = try LetterRenderer.render(SampleLetters.request(content: SampleLetters.content(addressees: 1)))
        let tools = try PDFTools(rendered.pdf)
        defer { tools.removeFiles() }
        let text = collapsingSpaces(try tools.text())
        #expect(text.contains("Yth. Kepala Desa Sooko\n"))
        #expect(!text.contains("daftar terlampir"))
    }

    @Test func fewAddresseesAreNumberedUnderYth() throws {
        let rendered = try LetterRenderer.render(SampleLetters.request(content: SampleLetters.content(addressees: 3)))
        let tools = try PDFTools(rendered.pdf)
        defer { tools.removeFiles() }
        let text = collapsingSpaces(try tools.text())
        #expect(firstMissingInOrder(["Yth. 1. Kepala Desa Nomor 1", "2. Kepala Desa Nomor 2", "3. Kepala Desa Nomor 3", "di Tempat", "Dalam rangka"], in: text) == nil, "\(text)")
        #expect(rendered.pageCount == 1)
    }

    @Test func fortyAddresseesGoOnAListPage() throws {
        let rendered = try LetterRenderer.render(SampleLetters.request(content: SampleLetters.content(addressees: 40)))
        let tools = try PDFTools(rendered.pdf)
        defer { tools.removeFiles() }
        let pages = try tools.pageTexts().map(collapsingSpaces)
        #expect(pages.count == rendered.pageCount)
        #expect(rendered.pageCount >= 2)
        #expect(pages[0].contains("Yth. (daftar terlampir)"))
        #expect(!pages[0].contains("Kepala Desa Nomor 1\n"))
        // The list starts on a page of its own, after the signature and tembusan.
        let listStart = try #require(pages.firstIndex { $0.contains("DAFTAR PENERIMA SURAT") })
        #expect(pages[..<listStart].contains { $0.contains("Tembusan:") })
        let list = pages[listStart...].joined(separator: "\n")
        #expect(list.contains("Nomor : \(SampleLetters.number)"))
        #expect(list.contains("Tanggal : 28 November 2026"))
        let names = (1...40).map { "\($0). Kepala Desa Nomor \($0), di Tempat" }
        #expect(firstMissingInOrder(names, in: list) == nil, "\(list)")
        for (index, page) in pages.enumerated() {
            #expect(page.contains("Halaman \(index + 1) dari \(pages.count)"))
        }
        #expect(try tools.qrCodes(page: 1) == [Self.verificationURL])
    }

    @Test func threePageBodyIsNumberedAndKeepsTheSignatureWithText() throws {
        let paragraph = "Berdasarkan hasil evaluasi pelaksanaan program pemerintahan desa tahun anggaran 2026, "
            + "kami sampaikan bahwa setiap desa wajib menyusun laporan pertanggungjawaban yang memuat realisasi "
            + "kegiatan, penggunaan anggaran, dan kendala yang dihadapi selama pelaksanaan."
        let body = (1...22).map { "\($0 == 1 ? "" : "Butir \($0). ")\(paragraph)" }.joined(separator: "\n\n")
        let rendered = try LetterRenderer.render(SampleLetters.request(content: SampleLetters.content(body: body)))
        let tools = try PDFTools(rendered.pdf)
        defer { tools.removeFiles() }
        #expect(rendered.pageCount == 3)
        #expect(try tools.info()["Pages"] == "3")
        let pages = try tools.pageTexts().map(collapsingSpaces)
        #expect(pages.count == 3)
        for (index, page) in pages.enumerated() {
            #expect(page.contains("Halaman \(index + 1) dari 3"), "page \(index + 1): \(page)")
        }
        // The kop only on page 1.
        #expect(pages[0].contains("KECAMATAN SOOKO"))
        #expect(!pages[1].contains("KECAMATAN SOOKO") && !pages[2].contains("KECAMATAN SOOKO"))
        // Body text shares the signature block's page.
        let signaturePage = try #require(pages.firstIndex { $0.contains("CAMAT SOOKO,") })
        let beforeSignature = try #require(pages[signaturePage].components(separatedBy: "CAMAT SOOKO,").first)
        #expect(beforeSignature.contains("pelaksanaan."), "the signature block stands alone: \(pages[signaturePage])")
        #expect(try tools.qrCodes(page: signaturePage + 1) == [Self.verificationURL])
    }

    @Test func atasNamaSignature() throws {
        let profile = try SampleLetters.profile()
        let signature = try profile.signatureBlock(signerID: "sekcam-sooko", authority: .atasNama, principalPositionID: "camat")
        let rendered = try LetterRenderer.render(SampleLetters.request(signature: signature))
        let tools = try PDFTools(rendered.pdf)
        defer { tools.removeFiles() }
        let text = collapsingSpaces(try tools.text())
        #expect(firstMissingInOrder(["a.n. CAMAT SOOKO", "SEKRETARIS KECAMATAN,", "Siti Nur'aini, S.Sos., M.M.", "Pembina (IV/a)",
                                     "NIP. 19800315 200501 2 010"], in: text) == nil, "\(text)")
        #expect(!text.contains("CAMAT SOOKO,"))
    }

    @Test func untukBeliauSignature() throws {
        let profile = try SampleLetters.profile()
        let signature = try profile.signatureBlock(signerID: "kasi-pem-sooko", authority: .untukBeliau,
                                                   principalPositionID: "camat", intermediatePositionID: "sekcam")
        let text = collapsingSpaces(try PDFTools(LetterRenderer.render(SampleLetters.request(signature: signature)).pdf).text())
        #expect(firstMissingInOrder(["a.n. CAMAT SOOKO", "SEKRETARIS KECAMATAN", "u.b.", "KEPALA SEKSI PEMERINTAHAN,", "Agus Santoso, S.H."], in: text) == nil, "\(text)")
    }

    @Test(arguments: [SignatureBlock.Authority.pelaksanaHarian, .pelaksanaTugas])
    func actingSignature(_ authority: SignatureBlock.Authority) throws {
        let profile = try SampleLetters.profile()
        let signature = try profile.signatureBlock(signerID: "sekcam-sooko", authority: authority, principalPositionID: "camat")
        let rendered = try LetterRenderer.render(SampleLetters.request(signature: signature))
        let tools = try PDFTools(rendered.pdf)
        defer { tools.removeFiles() }
        let text = collapsingSpaces(try tools.text())
        let prefix = authority == .pelaksanaHarian ? "Plh." : "Plt."
        #expect(firstMissingInOrder(["\(prefix) CAMAT SOOKO,", "Siti Nur'aini, S.Sos., M.M.", "NIP. 19800315 200501 2 010"], in: text) == nil, "\(text)")
        // The acting official's own position is not printed.
        #expect(!text.contains("SEKRETARIS KECAMATAN"))
    }

    @Test(arguments: LetterSifat.allCases)
    func everySifatIsPrinted(_ sifat: LetterSifat) throws {
        let text = collapsingSpaces(try PDFTools(LetterRenderer.render(SampleLetters.request(content: SampleLetters.content(sifat: sifat))).pdf).text())
        #expect(text.contains("Sifat : \(sifat.displayName)\n"), "\(text)")
    }

    @Test(arguments: ["Siti Nuraini", "Ṣiti Nur'aini, S.Pd.", "Dr. Wayan Sūrya Dewi", "Nguyễn Thị Ánh"])
    func namesWithAndWithoutDiacriticsSurviveExtraction(_ name: String) throws {
        var profile = try SampleLetters.profile()
        profile.signers[0].name = name
        var content = SampleLetters.content()
        content.addressees = [LetterAddressee(name: "Bapak \(name)", address: "di Tempat")]
        let rendered = try LetterRenderer.render(SampleLetters.request(content: content, signature: profile.signatureBlock(signerID: "camat-sooko"), profile: profile))
        let text = try PDFTools(rendered.pdf).text()
        // Compare in NFC: extraction may return a precomposed or a combining sequence.
        let normalized = text.precomposedStringWithCanonicalMapping
        #expect(normalized.contains("Yth. Bapak \(name.precomposedStringWithCanonicalMapping)"), "\(text)")
        #expect(normalized.contains(name.precomposedStringWithCanonicalMapping))
    }

    @Test func nonLatinNamesFallBackToAnotherFont() throws {
        var content = SampleLetters.content()
        content.addressees = [LetterAddressee(name: "王小明 (Wang Xiaoming)", address: "di Tempat")]
        let rendered = try LetterRenderer.render(SampleLetters.request(content: content))
        let tools = try PDFTools(rendered.pdf)
        defer { tools.removeFiles() }
        let text = try tools.text()
        #expect(text.contains("(Wang Xiaoming)"))
        #expect(try tools.qpdfCheck().status == 0)
    }

    @Test(arguments: OfficeProfile.PaperSize.allCases)
    func paperSize(_ paper: OfficeProfile.PaperSize) throws {
        var profile = try SampleLetters.profile()
        profile.paper = paper
        let tools = try PDFTools(LetterRenderer.render(SampleLetters.request(profile: profile)).pdf)
        defer { tools.removeFiles() }
        let size = try #require(try tools.info()["Page size"])
        // pdfinfo prints points: A4 595.276 x 841.89, F4 609.449 x 935.433.
        let expected = paper == .a4 ? "595.276 x 841.89 pts" : "609.449 x 935.433 pts"
        #expect(size.hasPrefix(expected), "\(size)")
        #expect(try tools.qrCodes(page: 1) == [Self.verificationURL])
    }
}
