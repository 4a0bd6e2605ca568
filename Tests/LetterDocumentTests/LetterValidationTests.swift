import Foundation
import LetterDocument
import Testing

/// What the renderer refuses, and how it says so.
@Suite("Letter validation and office profile", .timeLimit(.minutes(10)))
struct LetterValidationTests {
    @Test func markupErrorsNameLineAndColumn() throws {
        let request = try SampleLetters.request(content: SampleLetters.content(body: "Paragraf pertama.\n\n1. satu\n3. tiga\n\nIni **tebal"))
        do {
            _ = try LetterRenderer.render(request)
            Issue.record("rendered a body with markup errors")
        } catch {
            guard case .invalidMarkup(let markup) = error else { Issue.record("\(error)"); return }
            #expect(markup.problems.map(\.line) == [4, 6])
            #expect(markup.problems.map(\.column) == [1, 5])
            #expect(error.description == "body markup: line 4, column 1: numbered list item 2. expected, found 3.; "
                + "line 6, column 5: `**` opens bold text that is never closed")
        }
    }

    @Test func letterWithoutAddresseeOrSubjectIsRefused() throws {
        var content = SampleLetters.content()
        content.addressees = []
        #expect(throws: LetterDocumentError.invalidLetter(field: "addressees", reason: "a letter needs at least one addressee (Yth.)")) {
            try LetterRenderer.render(SampleLetters.request(content: content))
        }
        content = SampleLetters.content()
        content.subject = "  "
        #expect(throws: LetterDocumentError.invalidLetter(field: "subject", reason: "a letter needs a subject (Hal)")) {
            try LetterRenderer.render(SampleLetters.request(content: content))
        }
    }

    @Test func controlCharactersInPrintedFieldsAreRefused() throws {
        var content = SampleLetters.content()
        content.subject = "Undangan\u{0}Rapat"
        #expect(throws: LetterDocumentError.invalidLetter(field: "subject", reason: "contains a control character (line breaks and tabs included)")) {
            try LetterRenderer.render(SampleLetters.request(content: content))
        }
        content = SampleLetters.content()
        content.tembusan.append("Arsip\nkedua")
        #expect(throws: LetterDocumentError.invalidLetter(field: "tembusan[2]", reason: "contains a control character (line breaks and tabs included)")) {
            try LetterRenderer.render(SampleLetters.request(content: content))
        }
        var profile = try SampleLetters.profile()
        profile.labels.tembusan = "Tembusan\u{7}"
        #expect(throws: LetterDocumentError.invalidProfile(field: "labels.tembusan", reason: "contains a control character; give each printed line its own entry")) {
            try LetterRenderer.render(SampleLetters.request(profile: profile))
        }
    }

    @Test func finalLetterNeedsNumberAndUrlSafeVerificationID() throws {
        let bad = [FinalDetails(number: "", date: SampleLetters.date, verificationID: "abc"),
                   FinalDetails(number: SampleLetters.number, date: SampleLetters.date, verificationID: "a/b?c")]
        for details in bad {
            #expect(throws: LetterDocumentError.self) { try LetterRenderer.render(SampleLetters.request(.final(details))) }
        }
    }

    @Test func finalLetterNeedsAVerificationSite() throws {
        var profile = try SampleLetters.profile()
        profile.verificationBaseURL = ""
        #expect(throws: LetterDocumentError.invalidProfile(field: "verificationBaseURL", reason: "needs an http(s) URL, got \"\"")) {
            try LetterRenderer.render(SampleLetters.request(profile: profile))
        }
        // A preview does not need it: it has no QR.
        _ = try LetterRenderer.render(SampleLetters.request(SampleLetters.preview, profile: profile))
    }

    @Test func unreadableEmblemIsReported() throws {
        var profile = try SampleLetters.profile()
        profile.kop.emblemPNG = Data("not a png".utf8)
        let request = try SampleLetters.request(profile: profile)
        do {
            _ = try LetterRenderer.render(request)
            Issue.record("rendered with a broken emblem")
        } catch {
            guard case .invalidProfile(let field, _) = error else { Issue.record("\(error)"); return }
            #expect(field == "kop.emblemPNG")
        }
    }

    @Test func moreThanThreeParafIsRefused() throws {
        var request = try SampleLetters.request()
        request.parafs = Array(repeating: ParafMark(label: "Staf", initials: "X"), count: 4)
        #expect(throws: LetterDocumentError.self) { try LetterRenderer.render(request) }
    }

    @Test func profileJSONKeepsDefaultsAndRefusesUnknownKeys() throws {
        let minimal = #"{"kop": {"unitLines": ["KECAMATAN CONTOH"]}, "paper": "f4"}"#
        let profile = try OfficeProfile.fromJSON(Data(minimal.utf8))
        #expect(profile.kop.unitLines == ["KECAMATAN CONTOH"])
        #expect(profile.paper == .f4)
        #expect(profile.fonts == OfficeProfile.Fonts())
        #expect(profile.labels.draftWatermark == "KONSEP")
        #expect(throws: LetterDocumentError.invalidProfile(field: "kop.unitLine", reason: "unknown setting")) {
            try OfficeProfile.fromJSON(Data(#"{"kop": {"unitLine": ["X"]}}"#.utf8))
        }
        #expect(throws: LetterDocumentError.self) { try OfficeProfile.fromJSON(Data(#"{"paper": "a5"}"#.utf8)) }
        // The JSON written back reads as the same profile.
        let sample = try SampleLetters.profile()
        #expect(try OfficeProfile.fromJSON(sample.jsonData()) == sample)
    }

    @Test func signatureBlockNeedsKnownSignerAndPositions() throws {
        let profile = try SampleLetters.profile()
        #expect(throws: LetterDocumentError.self) { try profile.signatureBlock(signerID: "nobody") }
        #expect(throws: LetterDocumentError.self) { try profile.signatureBlock(signerID: "sekcam-sooko", authority: .atasNama, principalPositionID: "bupati") }
        let plain = try profile.signatureBlock(signerID: "camat-sooko")
        #expect(plain.positionLines == ["CAMAT SOOKO,"])
        #expect(plain.formattedNIP == "19720101 199803 1 005")
    }

    @Test func indonesianWordsAndDates() {
        #expect(IndonesianText.numberWords(1) == "satu")
        #expect(IndonesianText.numberWords(11) == "sebelas")
        #expect(IndonesianText.numberWords(15) == "lima belas")
        #expect(IndonesianText.numberWords(21) == "dua puluh satu")
        #expect(IndonesianText.numberWords(100) == "seratus")
        #expect(IndonesianText.numberWords(342) == "tiga ratus empat puluh dua")
        let jakarta = TimeZone(identifier: "Asia/Jakarta")!
        // 31 December 2026 20:00 UTC is already 1 January 2027 in Sooko.
        #expect(IndonesianText.longDate(Date(timeIntervalSince1970: 1_798_747_200), timeZone: jakarta) == "1 Januari 2027")
        #expect(ParafMark.initials(of: "Budi Wibowo, S.Sos.") == "BW")
    }
}
