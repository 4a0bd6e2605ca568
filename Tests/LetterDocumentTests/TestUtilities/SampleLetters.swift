import Foundation
import LetterDocument

/// The Kecamatan Sooko sample (deploy/letter/) and variations of it.
enum SampleLetters {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func profile() throws -> OfficeProfile {
        let folder = repositoryRoot.appendingPathComponent("deploy/letter")
        var profile = try OfficeProfile.fromJSON(Data(contentsOf: folder.appendingPathComponent("office-profile.json")))
        profile.kop.emblemPNG = try Data(contentsOf: folder.appendingPathComponent("sample-emblem.png"))
        return profile
    }

    static let number = "005/87/416-313/2026"
    static let verificationID = "q7Xm2KpR9tVw4ZsL"
    /// 28 November 2026, 10:15 in Sooko (UTC+7).
    static let date = Date(timeIntervalSince1970: 1_795_835_700)

    static let body = """
    Dalam rangka pemutakhiran data kependudukan semester II tahun 2026, bersama ini kami mengundang Saudara untuk hadir pada:

    | hari/tanggal : Senin, 30 November 2026
    | waktu        : 09.00 WIB s.d. selesai
    | tempat       : Pendopo Kecamatan Sooko
    | acara        : Rapat koordinasi

    Sehubungan dengan hal tersebut, dimohon Saudara:

    1. membawa rekapitulasi data penduduk desa;
    2. menugaskan **operator desa** untuk mendampingi.

    Demikian atas perhatian Saudara, kami sampaikan terima kasih.
    """

    static func content(addressees: Int = 1, sifat: LetterSifat = .biasa, body: String = body) -> LetterDocumentContent {
        LetterDocumentContent(
            classificationCode: "005",
            subject: "Undangan Rapat Koordinasi Pemutakhiran Data",
            body: body,
            sifat: sifat,
            addressees: addressees == 1
                ? [LetterAddressee(name: "Kepala Desa Sooko", address: "di Tempat")]
                : (1...addressees).map { LetterAddressee(name: "Kepala Desa Nomor \($0)", address: "di Tempat") },
            tembusan: ["Yth. Bupati Mojokerto (sebagai laporan);", "Arsip."],
            attachmentNames: ["data.pdf"],
            draftingUnit: "Seksi Pemerintahan"
        )
    }

    static func request(_ mode: RenderMode = .final(FinalDetails(number: number, date: date, verificationID: verificationID)),
                        content: LetterDocumentContent = content(), signature: SignatureBlock? = nil,
                        profile: OfficeProfile? = nil) throws -> LetterDocumentRequest {
        let office = try profile ?? self.profile()
        return LetterDocumentRequest(
            profile: office, content: content,
            signature: try signature ?? office.signatureBlock(signerID: "camat-sooko"),
            parafs: [ParafMark(label: "Sekretaris Kecamatan", initials: "SN"), ParafMark(label: "Kasi Pemerintahan", initials: "AS")],
            mode: mode)
    }

    static var preview: RenderMode { .preview(at: date) }
}
