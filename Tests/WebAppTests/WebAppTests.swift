import Domain
import Foundation
import RPC
import Testing
@testable import WebApp

@Suite("surat-web's pure parts: forms, agenda CSV, diff, messages", .timeLimit(.minutes(5)))
struct WebAppTests {
    @Test("url-encoded forms decode + and percent escapes, keep repeated names in order")
    func formDecoding() {
        let form = FormData(urlEncoded: "csrf=a%2Bb&notes=Tambahkan+jam+rapat%0Adan+tempat&letter_id=1&letter_id=2&empty=")
        #expect(form["csrf"] == "a+b")
        #expect(form["notes"] == "Tambahkan jam rapat\ndan tempat")
        #expect(form.all("letter_id") == ["1", "2"])
        #expect(form["empty"] == "")
        #expect(form["missing"] == nil)
    }

    @Test("multipart bodies: text fields and files (path stripped from the filename)")
    func multipart() throws {
        let body = [
            "--XyZ", "Content-Disposition: form-data; name=\"csrf\"", "", "t0ken",
            "--XyZ", "Content-Disposition: form-data; name=\"body\"", "", "baris 1\r\nbaris 2",
            "--XyZ", "Content-Disposition: form-data; name=\"attachment\"; filename=\"C:\\surat\\daftar.pdf\"",
            "Content-Type: application/pdf", "", "%PDF-1.4 isi",
            "--XyZ", "Content-Disposition: form-data; name=\"attachment\"; filename=\"\"", "Content-Type: application/octet-stream", "", "",
            "--XyZ--", "",
        ].joined(separator: "\r\n")
        let form = try #require(FormData(multipart: Data(body.utf8), boundary: "XyZ"))
        #expect(form["csrf"] == "t0ken")
        #expect(form["body"] == "baris 1\r\nbaris 2")
        #expect(form.files.count == 1)
        #expect(form.files.first?.filename == "daftar.pdf" && form.files.first?.mediaType == "application/pdf")
        #expect(form.files.first?.content == Data("%PDF-1.4 isi".utf8))
        #expect(FormData(multipart: Data("garbage".utf8), boundary: "XyZ") == nil)
        #expect(FormData.parameterValue("boundary", in: "multipart/form-data; boundary=\"ab c\"") == "ab c")
        let kept = DraftForm.attachments(current: [Attachment(name: "lama.pdf"), Attachment(name: "hapus.pdf")],
                                         form: FormData(fields: [("remove_attachment", "1")]))
        #expect(kept.map(\.name) == ["lama.pdf"])
    }

    @Test("the draft form's fields become the letter content; empty addressee rows are skipped")
    func draftContent() throws {
        let form = FormData(urlEncoded: [
            "type=undangan", "classification_code=005", "subject=Rapat", "body=Isi%0D%0Abaris", "sifat=biasa", "urgency=segera",
            "to_name_1=Kepala+Desa+Sooko", "to_kind_1=desa", "to_endpoint_1=", "to_name_2=", "to_kind_2=desa",
            "to_name_3=Dinas+Kesehatan", "to_kind_3=dinas", "to_endpoint_3=10.0.0.5%3A7404",
            "tembusan=Bupati%0D%0A%0D%0AArsip", "drafting_unit=Seksi+Pemerintahan", "place=Sooko",
        ].joined(separator: "&"))
        let content = try DraftForm.content(from: form)
        #expect(content.type == .undangan && content.sifat == .biasa && content.urgency == .segera)
        #expect(content.body == "Isi\nbaris")
        #expect(content.addressees.map(\.name) == ["Kepala Desa Sooko", "Dinas Kesehatan"])
        #expect(content.addressees[0].endpoint == nil && content.addressees[1].endpoint == "10.0.0.5:7404")
        #expect(content.addressees[1].kind == .dinas)
        #expect(content.tembusan == ["Bupati", "Arsip"])
        #expect(throws: FriendlyError.self) { _ = try DraftForm.content(from: FormData(urlEncoded: "type=bogus")) }
    }

    @Test("the registry's agenda CSV is read back, filtered and written again")
    func agendaCSV() {
        let csv = "\u{FEFF}No. Agenda,Tanggal,Nomor Surat,Klasifikasi,Kepada (Yth.),Perihal\r\n"
            + "2026/1,2026-03-02,005/1/416-313/2026,005,Kepala Desa Sooko,\"Undangan \"\"rapat\"\", posyandu\"\r\n"
            + "2026/2,2026-04-10,400.10/2/416-313/2026,400.10,\"Dinas Kesehatan; Puskesmas\",Laporan\r\n"
        let table = AgendaTable(csv: Data(csv.utf8))
        #expect(table.header.count == 6 && table.rows.count == 2)
        #expect(table.rows[0][5] == "Undangan \"rapat\", posyandu")
        #expect(table.filtered(month: 4, classification: "", query: "").rows.count == 1)
        #expect(table.filtered(month: 0, classification: "400", query: "").rows.map { $0[0] } == ["2026/2"])
        #expect(table.filtered(month: 0, classification: "", query: "PUSKESMAS").rows.map { $0[0] } == ["2026/2"])
        #expect(table.filtered(month: 0, classification: "", query: "posyandu").rows.map { $0[0] } == ["2026/1"])
        #expect(AgendaTable(csv: Data(table.csv().utf8)).rows == table.rows)
    }

    @Test("the diff marks added and removed lines and escapes HTML")
    func diff() {
        let lines = TextDiff.lines(["a", "b", "c"], ["a", "c", "<d>"])
        #expect(lines == [.same("a"), .removed("b"), .same("c"), .added("<d>")])
        let html = TextDiff.html(lines)
        #expect(html.contains("<del>") && html.contains("<ins>") && html.contains("&lt;d&gt;") && !html.contains("<d>"))
        #expect(TextDiff.html(TextDiff.lines(["x"], ["x"])).contains("Tidak ada perubahan"))
    }

    @Test("gateway errors become Indonesian instructions", arguments: [
        (RPCError.Code.permissionDenied, "approve (step 3) needs role sekretaris; dedi has role drafter", "hanya Sekretaris"),
        (.failedPrecondition, "letter x is at step 2 (drafting and drafter's paraf); cannot approve (step 3) now", "langkah 2"),
        (.aborted, "revision 2 is not the latest", "Muat ulang halaman"),
        (.invalidArgument, "subject: must be 1-500 characters", "perihal"),
        (.resourceExhausted, "too many failed sign-ins for ani; try again in 30 s", "Tunggu 30 detik"),
        (.unavailable, "drafting unavailable", "tidak ada yang berubah"),
        (.unauthenticated, "wrong user name or password", "kata sandi salah"),
        (.permissionDenied, "wrong passphrase for signer camat; 4 attempt(s) left before a 15-minute lockout", "Sisa 4 kali"),
    ])
    func messages(_ code: RPCError.Code, _ message: String, _ expected: String) {
        let text = FriendlyError(RPCError(code, message)).text
        #expect(text.contains(expected), "\(text)")
    }

    @Test("CSRF tokens compare exactly")
    func csrf() {
        #expect(CSRF.matches("abc", "abc"))
        #expect(!CSRF.matches("abd", "abc") && !CSRF.matches("ab", "abc") && !CSRF.matches(nil, "abc") && !CSRF.matches("", ""))
    }

    @Test("durations and office dates read as the office writes them")
    func labels() {
        #expect(Labels.duration(45) == "45 dtk")
        #expect(Labels.duration(200) == "3 mnt 20 dtk")
        #expect(Labels.duration(3900) == "1 j 5 mnt")
        let clock = OfficeClock(zone: TimeZone(identifier: "Asia/Jakarta")!)
        let date = Date(timeIntervalSince1970: 1_795_000_000)   // 2026-11-18T11:06:40Z
        #expect(clock.dateTime(date) == "18 Nov 2026 18.06 WIB")
        #expect(clock.isoDay(clock.parseDay("2026-11-18")!) == "2026-11-18")
    }
}
