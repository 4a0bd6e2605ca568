import LetterDocument
import Testing

@Suite("Body markup", .timeLimit(.minutes(10)))
struct BodyMarkupTests {
    @Test func paragraphsListsBoldAndFields() throws {
        let body = """
        Dengan hormat, bersama ini kami
        mengundang **Saudara** untuk hadir pada:

        | hari/tanggal : Senin, 30 November 2026
        | waktu        : 09.00 WIB s.d. selesai
        | acara        : Rapat **koordinasi**
          dan evaluasi

        1. membawa data;
        2. hadir tepat
        waktu.

        a. pertama;
        b. kedua.

        - satu
        - dua

        Harga \\*tidak\\* berubah.
        """
        let blocks = try BodyMarkup.parse(body)
        #expect(blocks.count == 6)
        guard case .paragraph(let opening) = blocks[0] else { Issue.record("not a paragraph: \(blocks[0])"); return }
        #expect(opening.description == "Dengan hormat, bersama ini kami mengundang Saudara untuk hadir pada:")
        #expect(opening.runs.filter(\.bold).map(\.text) == ["Saudara"])
        guard case .fields(let rows) = blocks[1] else { Issue.record("not fields: \(blocks[1])"); return }
        #expect(rows.map(\.label.description) == ["hari/tanggal", "waktu", "acara"])
        #expect(rows[1].value.description == "09.00 WIB s.d. selesai")
        #expect(rows[2].value.description == "Rapat koordinasi dan evaluasi")
        #expect(blocks[2] == .list(.numbered, [InlineText(plain: "membawa data;"), InlineText(plain: "hadir tepat waktu.")]))
        #expect(blocks[3] == .list(.lettered, [InlineText(plain: "pertama;"), InlineText(plain: "kedua.")]))
        #expect(blocks[4] == .list(.bulleted, [InlineText(plain: "satu"), InlineText(plain: "dua")]))
        #expect(blocks[5] == .paragraph(InlineText(plain: "Harga *tidak* berubah.")))
    }

    @Test func escapedMarkersAtLineStartStayText() throws {
        let blocks = try BodyMarkup.parse("Rapat pada tanggal\n1\\. Desember ditunda.\n\n\\- bukan butir\n\\| bukan baris")
        #expect(blocks == [.paragraph(InlineText(plain: "Rapat pada tanggal 1. Desember ditunda.")),
                           .paragraph(InlineText(plain: "- bukan butir | bukan baris"))])
    }

    @Test func valuesMayContainColons() throws {
        let blocks = try BodyMarkup.parse("| waktu : 09:00 s.d. 12:00 WIB")
        #expect(blocks == [.fields([.init(label: InlineText(plain: "waktu"), value: InlineText(plain: "09:00 s.d. 12:00 WIB"))])])
    }

    /// Each bad body and the (line, column, words) of the problem it must report.
    static let badBodies: [(body: String, line: Int, column: Int, words: String)] = [
        ("", 1, 1, "empty"),
        ("   \n\n  ", 1, 1, "empty"),
        ("Ini **tebal tanpa penutup.", 1, 5, "never closed"),
        ("Baris satu\nbaris **dua", 2, 7, "never closed"),
        ("1. satu\n3. tiga", 2, 1, "2. expected, found 3."),
        ("2. dua", 1, 1, "starts at 1., found 2."),
        ("b. kedua", 1, 1, "starts at a., found b."),
        ("| tanpa titik dua", 1, 2, "needs a colon"),
        ("|  : nilai", 1, 4, "label before the colon is empty"),
        ("| waktu :", 1, 10, "value after the colon is empty"),
        ("| waktu : 09.00\nParagraf langsung", 2, 1, "blank line"),
        ("Bel\u{7}berbunyi", 1, 4, "U+0007"),
    ]

    @Test(arguments: badBodies.indices)
    func problemsAreReportedWithPlace(_ index: Int) {
        let bad = Self.badBodies[index]
        do {
            let blocks = try BodyMarkup.parse(bad.body)
            Issue.record("accepted \(bad.body.debugDescription) as \(blocks)")
        } catch {
            let problem = error.problems.first
            #expect(problem?.line == bad.line, "\(error)")
            #expect(problem?.column == bad.column, "\(error)")
            #expect(problem?.message.contains(bad.words) == true, "\(error)")
        }
    }

    @Test func everyProblemIsReportedNotOnlyTheFirst() {
        do {
            _ = try BodyMarkup.parse("Satu **dua\n\n| tanpa\n\n1. a\n5. b")
            Issue.record("accepted")
        } catch {
            #expect(error.problems.map(\.line) == [1, 3, 6])
            #expect(error.description.contains("line 3, column 2"))
        }
    }

    @Test func tooLongBodyIsRefused() {
        #expect(throws: BodyMarkupError.self) { try BodyMarkup.parse(String(repeating: "a", count: BodyMarkup.maximumCharacters + 1)) }
    }
}
