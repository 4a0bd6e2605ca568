import Foundation
import LetterDocument
import LetterSeal
import Testing

/// The seal library on a real renderer output. pdfsig and pyHanko check the same PDFs
/// independently in Tests/python/test_letter_seal.py; these tests pin our own verifier and the
/// incremental update's edge cases.
@Suite(.timeLimit(.minutes(10))) struct LetterSealTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let signingTime = Date(timeIntervalSince1970: 1_795_835_700)
    static let authority = Result { try LocalOfficeCA.create(office: "Kecamatan Sooko") }
    static let otherAuthority = Result { try LocalOfficeCA.create(office: "Kecamatan Lain") }

    static func finalPDF() throws -> Data {
        let folder = root.appendingPathComponent("deploy/letter")
        var profile = try OfficeProfile.fromJSON(Data(contentsOf: folder.appendingPathComponent("office-profile.json")))
        profile.kop.emblemPNG = try Data(contentsOf: folder.appendingPathComponent("sample-emblem.png"))
        let content = LetterDocumentContent(
            classificationCode: "005", subject: "Undangan Rapat Koordinasi", body: "Dengan hormat, kami mengundang Saudara.",
            sifat: .biasa, addressees: [LetterAddressee(name: "Kepala Desa Sooko", address: "di Tempat")],
            tembusan: ["Arsip."], attachmentNames: [], draftingUnit: "Seksi Pemerintahan")
        let request = LetterDocumentRequest(
            profile: profile, content: content, signature: try profile.signatureBlock(signerID: "camat-sooko"), parafs: [],
            mode: .final(FinalDetails(number: "005/87/416-313/2026", date: signingTime, verificationID: "q7Xm2KpR9tVw4ZsL")))
        return try LetterRenderer.render(request).pdf
    }

    func seal() throws -> OfficeSeal {
        let authority = try Self.authority.get()
        return try OfficeSeal(certificateChainPEM: Data(authority.sealCertificateChainPEM.utf8), privateKeyPEM: Data(authority.sealKeyPEM.utf8))
    }

    func verifier(_ authority: Result<LocalOfficeCA, any Error> = authority) throws -> SealVerifier {
        try SealVerifier(trustedRootsPEM: Data(authority.get().caCertificatePEM.utf8))
    }

    @Test func sealedPDFVerifiesAndKeepsTheRendererOutput() throws {
        let pdf = try Self.finalPDF()
        let sealed = try seal().seal(pdf, at: Self.signingTime)
        #expect(sealed.starts(with: pdf))
        let text = String(decoding: sealed.suffix(from: pdf.count), as: UTF8.self)
        #expect(text.contains("/SubFilter /ETSI.CAdES.detached") && text.contains("/SigFlags 3") && text.contains("/Prev "))
        #expect(text.contains("/M (D:20261128031500Z)"))
        guard case .valid(let signer, let time) = try verifier().verify(sealed) else {
            Issue.record("not valid: \(try verifier().verify(sealed))")
            return
        }
        #expect(signer.contains("CN=Segel Elektronik Kecamatan Sooko"))
        #expect(time == Self.signingTime)
    }

    @Test func sameInputSealsToTheSameBytes() throws {
        let pdf = try Self.finalPDF()
        #expect(try seal().seal(pdf, at: Self.signingTime) == seal().seal(pdf, at: Self.signingTime))
        #expect(try seal().seal(pdf, at: Self.signingTime) != seal().seal(pdf, at: Self.signingTime.addingTimeInterval(1)))
    }

    @Test(arguments: [0.1, 0.5, 0.9, 0.999])
    func oneChangedByteInTheSignedRangesIsInvalid(at fraction: Double) throws {
        var sealed = try seal().seal(Self.finalPDF(), at: Self.signingTime)
        let contents = try #require(sealed.range(of: Data("/Contents <".utf8)))
        var position = Int(Double(sealed.count) * fraction)
        // Skip the /Contents value: it is the one part the seal does not cover.
        if position >= contents.upperBound - 1, position < contents.upperBound + 40_000,
           let end = sealed[contents.upperBound...].firstIndex(of: UInt8(ascii: ">")), position <= end {
            position = end + 2
        }
        sealed[position] ^= 0x20
        guard case .invalid = try verifier().verify(sealed) else {
            Issue.record("byte \(position) of \(sealed.count) changed and the seal still verifies")
            return
        }
    }

    @Test func bytesAppendedAfterTheSealAreInvalid() throws {
        let sealed = try seal().seal(Self.finalPDF(), at: Self.signingTime) + Data("% later\n".utf8)
        #expect(try verifier().verify(sealed) == .invalid(reason: "the signed byte ranges do not cover the whole file (changed after sealing)"))
    }

    @Test func unsealedAndNonPDFAndOtherCA() throws {
        let pdf = try Self.finalPDF()
        #expect(try verifier().verify(pdf) == .notSealed)
        #expect(try verifier().verify(Data("bukan PDF".utf8)) == .notPDF)
        guard case .invalid = try verifier(Self.otherAuthority).verify(seal().seal(pdf, at: Self.signingTime)) else {
            Issue.record("a seal verified against another office's CA")
            return
        }
    }

    @Test func aKeyOfAnotherCertificateIsRefused() throws {
        let mine = try Self.authority.get()
        let other = try Self.otherAuthority.get()
        #expect(throws: LetterSealError.badKey("the private key does not belong to the seal certificate")) {
            try OfficeSeal(certificateChainPEM: Data(mine.sealCertificateChainPEM.utf8), privateKeyPEM: Data(other.sealKeyPEM.utf8))
        }
    }

    @Test func onlyRendererOutputIsSealed() throws {
        let sealed = try seal().seal(Self.finalPDF(), at: Self.signingTime)
        #expect(throws: LetterSealError.self) { try seal().seal(sealed, at: Self.signingTime) }   // already has a form
        #expect(throws: LetterSealError.notPDF("no %PDF- header")) { try seal().seal(Data("hello".utf8), at: Self.signingTime) }
    }
}
