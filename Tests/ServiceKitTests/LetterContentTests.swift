import Domain
import Foundation
import Testing
import Wire

@Suite("Common letter content", .timeLimit(.minutes(5)))
struct LetterContentTests {
    @Test("classification codes in both styles are accepted", arguments: ["065", "005", "000.8.3.3", "400.10.2.1", "045.2", "100.3.4"])
    func validCodes(code: String) {
        #expect(ClassificationCode(code) != nil)
        #expect(ClassificationCode.validationProblem(code) == nil)
    }

    @Test("malformed classification codes are rejected", arguments: ["", "65", "0655", "06a", "065.", ".065", "000..8", "000.1234", "000.1.2.3.4.5.6", "065/87", " 065"])
    func invalidCodes(code: String) {
        #expect(ClassificationCode(code) == nil)
        var content = Fixtures.content()
        content.classificationCode = code
        #expect(throws: InvalidFieldError.self) { try content.validated() }
        do {
            _ = try content.validated()
        } catch {
            #expect(error.field == "content.classification_code")
        }
    }

    @Test("code style is detected")
    func styles() throws {
        #expect(try #require(ClassificationCode("065")).style == .threeDigit)
        #expect(try #require(ClassificationCode("000.8.3.3")).style == .dotted)
    }

    @Test("digest is SHA-256 of the canonical encoding and changes with any field")
    func digest() throws {
        let content = Fixtures.content()
        let digest = try content.digest()
        #expect(digest.count == 32)
        #expect(try content.digest() == digest)
        let decoded = try ProtobufDecoder().decode(LetterContent.self, from: try content.canonicalBytes())
        #expect(try decoded.digest() == digest)
        var changed = content
        changed.body += "."
        #expect(try changed.digest() != digest)
        changed = content
        changed.sifat = .rahasia
        #expect(try changed.digest() != digest)
    }

    @Test("validation fills attachment digests and keeps the rest")
    func fillsAttachmentDigest() throws {
        let content = Fixtures.content()
        let validated = try content.validated()
        #expect(validated.attachments[0].sha256 == content.attachments[0].computedSHA256)
        var expected = content
        expected.attachments[0].sha256 = content.attachments[0].computedSHA256
        #expect(validated == expected)
        #expect(try validated.validated() == validated)
    }

    @Test("each missing or bad field is named")
    func namesFields() {
        func field(_ change: (inout LetterContent) -> Void) -> String? {
            var content = Fixtures.content()
            change(&content)
            do {
                _ = try content.validated()
                return nil
            } catch {
                return error.field
            }
        }
        #expect(field { $0.type = .unspecified } == "content.type")
        #expect(field { $0.subject = "  " } == "content.subject")
        #expect(field { $0.subject = String(repeating: "a", count: 501) } == "content.subject")
        #expect(field { $0.body = "" } == "content.body")
        #expect(field { $0.sifat = .unspecified } == "content.sifat")
        #expect(field { $0.urgency = .unspecified } == "content.urgency")
        #expect(field { $0.addressees = [] } == "content.addressees")
        #expect(field { $0.addressees[1].name = "" } == "content.addressees[1].name")
        #expect(field { $0.addressees[0].kind = .unspecified } == "content.addressees[0].kind")
        #expect(field { $0.addressees[0].endpoint = "no-port" } == "content.addressees[0].endpoint")
        #expect(field { $0.addressees[0].endpoint = "host:70000" } == "content.addressees[0].endpoint")
        #expect(field { $0.tembusan = [""] } == "content.tembusan[0]")
        #expect(field { $0.attachments[0].mediaType = "pdf" } == "content.attachments[0].media_type")
        #expect(field { $0.attachments[0].sha256 = Data(repeating: 1, count: 32) } == "content.attachments[0].sha256")
        #expect(field { $0.attachments[0].content = Data(count: (1 << 20) + 1) } == "content.attachments[0].content")
        #expect(field { $0.draftingUnit = "" } == "content.drafting_unit")
        #expect(field { _ in } == nil)
    }

    @Test("control characters are refused, naming the field; the body may break lines with LF only",
          arguments: ["\u{0}", "\u{1B}[31m", "\r", "\n", "\t", "\u{7F}", "\u{85}"])
    func controlCharacters(control: String) throws {
        func refusal(_ change: (inout LetterContent) -> Void) -> InvalidFieldError? {
            var content = Fixtures.content()
            change(&content)
            do { _ = try content.validated(); return nil } catch { return error }
        }
        let subject = refusal { $0.subject = "Undangan" + control + "rapat" }
        #expect(subject?.field == "content.subject")
        #expect(subject?.problem.contains("control character U+") == true)
        #expect(refusal { $0.addressees[0].name = control + "Kepala Desa" }?.field == "content.addressees[0].name")
        #expect(refusal { $0.draftingUnit = "Seksi Pemerintahan" + control }?.field == "content.drafting_unit")
        let body = refusal { $0.body = "Baris satu" + control + "baris dua" }
        if control == "\n" {
            #expect(body == nil)
        } else {
            #expect(body?.field == "content.body")
        }
    }

    /// Limits count Unicode code points, as other languages do, not grapheme clusters (issue 11, item 3).
    @Test("lengths are counted in code points")
    func codePoints() throws {
        var content = Fixtures.content()
        content.subject = String(repeating: "🇮🇩", count: 251)  // 251 graphemes, 502 code points
        #expect(throws: InvalidFieldError.self) { try content.validated() }
        content.subject = String(repeating: "🇮🇩", count: 250)  // exactly 500 code points
        _ = try content.validated()
    }

    @Test("total attachment size is capped")
    func totalAttachmentCap() {
        var limits = LetterContentLimits()
        limits.maxTotalAttachmentBytes = 100
        var content = Fixtures.content()
        content.attachments = (0..<3).map { Attachment(name: "a\($0).txt", mediaType: "text/plain", content: Data(count: 40)) }
        #expect(throws: InvalidFieldError("content.attachments", "total 120 bytes, at most 100 allowed")) { try content.validated(limits: limits) }
    }

    @Test("endpoints accept host:port and bracketed IPv6")
    func endpoints() {
        #expect(LetterContent.endpointProblem("desa-sooko.example:7400") == nil)
        #expect(LetterContent.endpointProblem("[::1]:7400") == nil)
        #expect(LetterContent.endpointProblem(":7400") != nil)
        #expect(LetterContent.endpointProblem("host:0") != nil)
    }

    @Test("roles have the shared string values")
    func roles() {
        #expect(Role.allCases.map(\.rawValue) == ["staf_umum", "drafter", "sekretaris", "camat", "admin", "auditor"])
    }
}
