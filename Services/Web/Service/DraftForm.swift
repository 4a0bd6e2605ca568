import Domain
import Foundation

/// Step 2's form: every field of the letter, prefilled from the current revision. Works without
/// JavaScript: a fixed number of addressee rows (empty rows are ignored), tembusan one per line.
enum DraftForm {
    static let addresseeRows = 6

    static func option<E: Hashable>(_ value: E, _ label: String, selected: E) -> String {
        "<option value=\"\(HTML.escape("\(value)"))\"\(value == selected ? " selected" : "")>\(HTML.escape(label))</option>"
    }

    static func html(action: String, hidden: String, content: LetterContent?, revision: Int64, removed: Set<Int> = []) -> String {
        let c = content ?? LetterContent(type: .surat, sifat: .biasa, urgency: .biasa)
        let types = LetterType.allCases.filter { $0 != .unspecified }.map { option($0, Labels.letterType($0), selected: c.type) }.joined()
        let sifats = Sifat.allCases.filter { $0 != .unspecified }.map { option($0, $0.displayName, selected: c.sifat) }.joined()
        let urgencies = Urgency.allCases.filter { $0 != .unspecified }.map { option($0, $0.displayName, selected: c.urgency) }.joined()
        var rows = ""
        for index in 0..<max(addresseeRows, c.addressees.count + 2) {
            let a = index < c.addressees.count ? c.addressees[index] : Addressee()
            let kinds = AddresseeKind.allCases.filter { $0 != .unspecified }.map { option($0, Labels.kind($0), selected: a.kind == .unspecified ? .desa : a.kind) }.joined()
            let n = index + 1
            rows += """
            <div class="addressee">
            <div><label for="to_name_\(n)">Tujuan \(n): nama</label><input id="to_name_\(n)" name="to_name_\(n)" value="\(HTML.escape(a.name))"></div>
            <div><label for="to_kind_\(n)">Jenis</label><select id="to_kind_\(n)" name="to_kind_\(n)">\(kinds)</select></div>
            <div><label for="to_endpoint_\(n)">Kotak masuk (host:port)</label><input id="to_endpoint_\(n)" name="to_endpoint_\(n)" value="\(HTML.escape(a.endpoint ?? ""))"></div>
            </div>
            """
        }
        return """
        <form method="post" action="\(action)" class="stack draft-form" enctype="multipart/form-data">\(hidden)
        <input type="hidden" name="base_revision" value="\(revision)">
        <div class="two">
        <div><label for="type">Jenis surat</label><select id="type" name="type">\(types)</select></div>
        <div><label for="classification_code">Kode klasifikasi</label><input id="classification_code" name="classification_code" list="kode-klasifikasi" required value="\(HTML.escape(c.classificationCode))">\(ClassificationCodes.datalist)</div>
        <div><label for="sifat">Sifat</label><select id="sifat" name="sifat">\(sifats)</select></div>
        <div><label for="urgency">Derajat kecepatan</label><select id="urgency" name="urgency">\(urgencies)</select></div>
        </div>
        <label for="draft_subject">Perihal</label><input id="draft_subject" name="subject" required value="\(HTML.escape(c.subject))">
        <label for="body">Isi surat — paragraf dipisah baris kosong; daftar dengan <code>1.</code>, <code>a.</code> atau <code>-</code>; baris <code>| hari : Senin</code>; <code>**tebal**</code></label>
        <textarea id="body" name="body" rows="10" required>\(HTML.escape(c.body))</textarea>
        <fieldset><legend>Kepada Yth.</legend>\(rows)</fieldset>
        <label for="tembusan">Tembusan (satu per baris)</label>
        <textarea id="tembusan" name="tembusan" rows="3">\(HTML.escape(c.tembusan.joined(separator: "\n")))</textarea>
        <fieldset><legend>Lampiran</legend>\(attachmentRows(c.attachments, removed: removed))
        <label for="attachment">Tambah lampiran (PDF atau gambar; boleh beberapa berkas)</label>
        <input id="attachment" name="attachment" type="file" multiple accept=".pdf,.png,.jpg,.jpeg,.txt,application/pdf,image/*">
        </fieldset>
        <div class="two">
        <div><label for="drafting_unit">Unit konseptor (Seksi/Subag)</label><input id="drafting_unit" name="drafting_unit" required value="\(HTML.escape(c.draftingUnit))"></div>
        <div><label for="place">Tempat (baris tanggal)</label><input id="place" name="place" value="\(HTML.escape(c.place))"></div>
        </div>
        <div class="buttons">
        <button type="submit">\(revision == 0 ? "Simpan konsep" : "Simpan sebagai revisi baru")</button>
        <button type="submit" formaction="\(action.replacingOccurrences(of: "/konsep", with: "/pratinjau"))" class="secondary-quiet">Pratinjau dulu</button>
        </div>
        </form>
        """
    }

    /// The current revision's attachments, each with a box to drop it from the next revision.
    static func attachmentRows(_ attachments: [Attachment], removed: Set<Int>) -> String {
        if attachments.isEmpty { return "<p class=\"muted\">Belum ada lampiran.</p>" }
        return "<ul class=\"attachments\">" + attachments.enumerated().map { index, file in
            let size = ByteCountFormatter.string(fromByteCount: Int64(file.content.count), countStyle: .file)
            return "<li><input type=\"checkbox\" id=\"remove_\(index)\" name=\"remove_attachment\" value=\"\(index)\"\(removed.contains(index) ? " checked" : "")>"
                + "<label for=\"remove_\(index)\">hapus \(HTML.escape(file.name)) (\(size))</label></li>"
        }.joined() + "</ul>"
    }

    /// The next revision's attachments: the current ones the drafter kept plus the uploaded files.
    static func attachments(current: [Attachment], form: FormData) -> [Attachment] {
        let removed = Set(form.all("remove_attachment").compactMap(Int.init))
        let kept = current.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        let uploaded = form.files.filter { $0.field == "attachment" && !$0.content.isEmpty }.map {
            Attachment(name: $0.filename.isEmpty ? "lampiran" : $0.filename, mediaType: $0.mediaType, content: $0.content)
        }
        return kept + uploaded
    }

    static func pick<E: CaseIterable & Hashable>(_ text: String, _ field: String) throws -> E {
        guard let found = E.allCases.first(where: { "\($0)" == text }) else {
            throw FriendlyError(text: "Pilihan \(field) tidak dikenal. Muat ulang halaman lalu pilih lagi.")
        }
        return found
    }

    static func content(from form: FormData) throws -> LetterContent {
        var content = LetterContent()
        content.type = try pick(form.text("type"), "jenis surat")
        content.classificationCode = form.text("classification_code")
        content.subject = form.text("subject")
        content.body = (form["body"] ?? "").replacingOccurrences(of: "\r\n", with: "\n")
        content.sifat = try pick(form.text("sifat"), "sifat")
        content.urgency = try pick(form.text("urgency"), "derajat kecepatan")
        for index in 1...50 {
            let name = form.text("to_name_\(index)")
            guard form["to_name_\(index)"] != nil else { break }
            if name.isEmpty { continue }
            let endpoint = form.text("to_endpoint_\(index)")
            content.addressees.append(Addressee(name: name, kind: try pick(form.text("to_kind_\(index)"), "jenis tujuan"),
                                                endpoint: endpoint.isEmpty ? nil : endpoint))
        }
        content.tembusan = (form["tembusan"] ?? "").split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        content.draftingUnit = form.text("drafting_unit")
        content.place = form.text("place")
        return content
    }
}

/// Common archive classification codes (Permendagri 83/2022 heads and the older three-digit codes
/// offices still use), offered as suggestions; any valid code may be typed.
enum ClassificationCodes {
    static let codes: [(String, String)] = [
        ("000", "Umum"), ("000.1", "Ketatausahaan dan kerumahtanggaan"), ("000.1.2", "Persuratan"), ("000.2", "Perlengkapan"),
        ("000.5", "Hubungan masyarakat"), ("000.7", "Perencanaan pembangunan"), ("000.8", "Organisasi dan tata laksana"),
        ("000.9", "Penelitian dan pengembangan"), ("005", "Undangan"), ("045", "Kearsipan"), ("065", "Organisasi dan ketatalaksanaan"),
        ("100", "Pemerintahan"), ("100.1", "Otonomi daerah"), ("100.3", "Pemerintahan desa"), ("140", "Pemerintahan desa/kelurahan"),
        ("300", "Ketenteraman dan ketertiban umum"), ("400", "Kesejahteraan rakyat"), ("400.10", "Pemberdayaan masyarakat"),
        ("400.12", "Kependudukan dan pencatatan sipil"), ("470", "Kependudukan"), ("500", "Perekonomian"), ("600", "Pekerjaan umum"),
        ("700", "Pengawasan"), ("800", "Kepegawaian"), ("800.1", "Sumber daya manusia"), ("900", "Keuangan"),
    ]

    static let datalist: String = "<datalist id=\"kode-klasifikasi\">"
        + codes.map { "<option value=\"\($0.0)\">\($0.0) \(HTML.escape($0.1))</option>" }.joined() + "</datalist>"
}
