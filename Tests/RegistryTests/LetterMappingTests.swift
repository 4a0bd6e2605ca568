import Domain
import Foundation
import LetterDocument
import LetterMapping
import Testing

/// How a signature record becomes the printed signature block (proto-notes/letter-document.md,
/// "In the services"), with the sample office profile of deploy/letter.
@Suite("Letter mapping: signature record → signature block, content → document content", .timeLimit(.minutes(10)))
struct LetterMappingTests {
    static let profile: OfficeProfile = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/letter/office-profile.json")
        return try! OfficeProfile.fromJSON(Data(contentsOf: url))
    }()

    static func record(signer: String, onBehalfOf: String = "", kind: DelegationKind = .unspecified) -> SignatureRecord {
        SignatureRecord(fields: SigningEnvelope(letterId: UUID().uuidString, revisionDigest: Data(count: 32), signerId: signer,
                                                keyId: "k", signedAtUnixMillis: 0, onBehalfOf: onBehalfOf),
                        delegationKind: kind)
    }

    @Test(arguments: [
        (DelegationKind.unspecified, "", ["CAMAT SOOKO,"]),
        (DelegationKind.unspecified, "camat-sooko", ["a.n. CAMAT SOOKO", "SEKRETARIS KECAMATAN,"]),
        (DelegationKind.plh, "camat-sooko", ["Plh. CAMAT SOOKO,"]),
        (DelegationKind.plt, "camat-sooko", ["Plt. CAMAT SOOKO,"]),
    ])
    func authorityFromTheDelegation(kind: DelegationKind, onBehalfOf: String, lines: [String]) throws {
        let signer = onBehalfOf.isEmpty ? "camat-sooko" : "sekcam-sooko"
        let block = try LetterMapping.signatureBlock(profile: Self.profile, record: Self.record(signer: signer, onBehalfOf: onBehalfOf, kind: kind))
        #expect(block.positionLines == lines)
        #expect(block.name == (onBehalfOf.isEmpty ? "Drs. Bambang Wahyudi, M.Si." : "Siti Nur'aini, S.Sos., M.M."))
    }

    @Test func unknownSignerNamesTheProfileField() {
        #expect(throws: LetterDocumentError.invalidProfile(field: "signers", reason: "no signer with id nobody")) {
            try LetterMapping.signatureBlock(profile: Self.profile, record: Self.record(signer: "nobody"))
        }
        #expect(throws: LetterDocumentError.self) {
            try LetterMapping.signatureBlock(profile: Self.profile, record: Self.record(signer: "sekcam-sooko", onBehalfOf: "nobody", kind: .plh))
        }
    }

    @Test func previewBeforeSigningShowsTheFirstSigner() throws {
        let block = try LetterMapping.previewSignatureBlock(profile: Self.profile, record: nil)
        #expect(block.positionLines == ["CAMAT SOOKO,"] && block.nip == "197201011998031005")
    }

    @Test func contentMapsFieldByField() {
        let content = LetterContent(type: .undangan, classificationCode: "005", subject: "Hal", body: "Isi", sifat: .sangatRahasia,
                                    urgency: .kilat, addressees: [Addressee(name: "Kepala Desa", endpoint: "h:1", address: "di Tempat")],
                                    tembusan: ["Bupati"], attachments: [Attachment(name: "a.pdf")], draftingUnit: "Seksi", place: "Sooko")
        let mapped = LetterMapping.documentContent(content)
        #expect(mapped.sifat == .sangatRahasia && mapped.urgency == .kilat && mapped.attachmentNames == ["a.pdf"])
        #expect(mapped.addressees == [LetterAddressee(name: "Kepala Desa", address: "di Tempat")] && mapped.tembusan == ["Bupati"])
        #expect(LetterMapping.documentContent(LetterContent()).sifat == .biasa)   // unspecified prints as Biasa
    }
}
