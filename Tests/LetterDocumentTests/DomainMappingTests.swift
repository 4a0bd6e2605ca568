import Domain
import Foundation
import LetterDocument
import LetterDocumentDomain
import Testing

/// The services' records render as the letter they describe.
@Suite("Domain mapping")
struct DomainMappingTests {
    static func domainContent(sifat: Sifat = .rahasia) -> LetterContent {
        LetterContent(
            type: .undangan, classificationCode: "005", subject: "Undangan Rapat", body: SampleLetters.body, sifat: sifat,
            urgency: .segera,
            addressees: [Addressee(name: "Kepala Desa Japan", kind: .desa, endpoint: "desa-japan:7405", address: "di Tempat")],
            tembusan: ["Arsip."],
            attachments: [Attachment(name: "a.pdf", mediaType: "application/pdf", content: Data("x".utf8)),
                          Attachment(name: "b.pdf", mediaType: "application/pdf", content: Data("y".utf8))],
            draftingUnit: "Seksi Pemerintahan", place: "Sooko")
    }

    @Test func letterContentMapsFieldByField() throws {
        let mapped = try LetterDocumentContent(Self.domainContent())
        #expect(mapped.sifat == .rahasia)
        #expect(mapped.urgency == .segera)
        #expect(mapped.addressees == [LetterAddressee(name: "Kepala Desa Japan", address: "di Tempat")])
        #expect(mapped.attachmentNames == ["a.pdf", "b.pdf"])
        #expect(mapped.subject == "Undangan Rapat" && mapped.classificationCode == "005" && mapped.place == "Sooko")
        // Raw values agree for every case, so no sifat or urgency can be mapped to another.
        for sifat in Sifat.allCases where sifat != .unspecified {
            #expect(LetterSifat(rawValue: sifat.rawValue)?.displayName == sifat.displayName)
        }
        for urgency in Urgency.allCases where urgency != .unspecified {
            #expect(LetterUrgency(rawValue: urgency.rawValue)?.displayName == urgency.displayName)
        }
        #expect(throws: LetterDocumentError.invalidLetter(field: "sifat", reason: "not chosen")) {
            try LetterDocumentContent(Self.domainContent(sifat: .unspecified))
        }
    }

    @Test func plhSignatureRecordRendersWithThePrincipalsPosition() throws {
        let profile = try SampleLetters.profile()
        var record = SignatureRecord(signerName: "Siti Nur'aini, S.Sos., M.M.", signerPosition: "Sekretaris Kecamatan", delegationKind: .plh)
        record.fields.signerId = "sekcam-sooko"
        record.fields.onBehalfOf = "camat-sooko"
        let signature = try profile.signatureBlock(for: record)
        #expect(signature.positionLines == ["Plh. CAMAT SOOKO,"])
        let paraf = ParafMark(Paraf(actor: ActorIdentity(id: "u1", name: "Agus Santoso, S.H.", role: "drafter"), role: "drafter"),
                              label: "Kasi Pemerintahan")
        #expect(paraf.initials == "AS")
        let request = LetterDocumentRequest(profile: profile, content: try LetterDocumentContent(Self.domainContent()), signature: signature,
                                            parafs: [paraf], mode: try SampleLetters.request().mode)
        let tools = try PDFTools(LetterRenderer.render(request).pdf)
        defer { tools.removeFiles() }
        let text = collapsingSpaces(try tools.text())
        #expect(firstMissingInOrder(["Sifat : Rahasia", "Lampiran : 2 (dua) berkas", "Yth. Kepala Desa Japan", "Plh. CAMAT SOOKO,",
                                     "Siti Nur'aini, S.Sos., M.M."], in: text) == nil, "\(text)")
        // Signing in one's own right.
        record.delegationKind = .unspecified
        record.fields.signerId = "camat-sooko"
        #expect(try profile.signatureBlock(for: record).positionLines == ["CAMAT SOOKO,"])
    }
}
