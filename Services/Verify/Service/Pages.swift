import Domain
import Foundation
import LetterSeal
import ServiceKit

/// The site's pages: plain HTML in Bahasa Indonesia, one small inline-free stylesheet served
/// from /gaya.css, no JavaScript, readable on a phone (one column, viewport meta). Every value
/// from the registry or an upload is escaped.
enum Pages {
    static let stylesheet = """
    body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f5f7;color:#1d232b;line-height:1.5}
    main{max-width:42rem;margin:0 auto;padding:1rem}
    h1{font-size:1.35rem;margin:.5rem 0 1rem}
    h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
    .verdict{padding:1rem;border-radius:.5rem;font-weight:600;margin:1rem 0}
    .ok{background:#e3f4e8;border:2px solid #1e7b3b}
    .bad{background:#fbe7e6;border:2px solid #b3261e}
    .warn{background:#fff4d6;border:2px solid #a86b00}
    dl{display:grid;grid-template-columns:minmax(7rem,max-content) 1fr;gap:.35rem 1rem;background:#fff;padding:1rem;border-radius:.5rem}
    dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
    ul.checks{list-style:none;padding:0}ul.checks li{background:#fff;margin:.4rem 0;padding:.6rem .8rem;border-radius:.5rem}
    .yes{color:#1e7b3b;font-weight:700}.no{color:#b3261e;font-weight:700}
    p.note{font-size:.92rem;color:#444}
    a.button,button{display:inline-block;background:#1f4e8c;color:#fff;padding:.6rem 1rem;border-radius:.4rem;border:0;font-size:1rem;text-decoration:none}
    form{background:#fff;padding:1rem;border-radius:.5rem}
    input[type=file]{display:block;margin:.5rem 0 1rem;max-width:100%}
    code{overflow-wrap:anywhere}
    """

    static func escape(_ text: String) -> String { HTMLText.escape(text) }

    static func layout(title: String, _ body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="id"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex">
        <title>\(escape(title))</title><link rel="stylesheet" href="/gaya.css"></head>
        <body><main>
        \(body)
        </main></body></html>
        """
    }

    static func dateText(_ date: Date?) -> String {
        guard let date else { return "-" }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Jakarta") ?? TimeZone(secondsFromGMT: 7 * 3600) ?? .gmt  // WIB
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"]
        let minute = parts.minute! < 10 ? "0\(parts.minute!)" : "\(parts.minute!)"
        return "\(parts.day!) \(months[parts.month! - 1]) \(parts.year!), pukul \(parts.hour!).\(minute) WIB"
    }

    static func check(_ label: String, _ passed: Bool?, yes: String = "sah", no: String = "TIDAK SAH", unknown: String = "tidak dapat diperiksa") -> String {
        let verdict = switch passed {
        case true?: "<span class=\"yes\">\(yes)</span>"
        case false?: "<span class=\"no\">\(no)</span>"
        case nil: "<span>\(unknown)</span>"
        }
        return "<li>\(label): \(verdict)</li>"
    }

    static func isConfidential(_ sifat: Sifat) -> Bool { sifat == .rahasia || sifat == .sangatRahasia }

    static func sealPassed(_ verdict: SealVerdict?) -> Bool? {
        switch verdict {
        case .valid?: true
        case .invalid?, .notSealed?, .notPDF?: false
        case nil: nil
        }
    }

    /// GET /v/<id>: the registered letter and what verifies.
    static func verification(_ record: RegistryAPI.PublicRecord, seal: SealVerdict?) -> String {
        let confidential = isConfidential(record.sifat)
        let allValid = record.signatureValid && record.receiptValid && sealPassed(seal) != false && !record.cancelled
        let verdict: String
        if record.cancelled {
            verdict = "<div class=\"verdict bad\" id=\"verdict\">Nomor surat ini telah DIBATALKAN. Surat tidak berlaku.</div>"
        } else if allValid {
            verdict = "<div class=\"verdict ok\" id=\"verdict\">SAH: surat ini terdaftar di buku agenda surat keluar dan tanda tangannya terverifikasi.</div>"
        } else {
            verdict = "<div class=\"verdict bad\" id=\"verdict\">TIDAK SAH: salah satu pemeriksaan di bawah gagal.</div>"
        }
        var rows = "<dt>Nomor</dt><dd id=\"nomor\">\(escape(record.number))</dd>"
        rows += "<dt>Tanggal</dt><dd>\(escape(dateText(record.registeredAt)))</dd>"
        if !confidential {
            rows += "<dt>Hal</dt><dd>\(escape(record.subject))</dd>"
            rows += "<dt>Sifat</dt><dd>\(escape(record.sifat.displayName))</dd>"
        }
        rows += "<dt>Penanda tangan</dt><dd>\(escape(record.signerName))</dd>"
        rows += "<dt>Jabatan</dt><dd>\(escape(record.signerPosition))</dd>"
        if !record.onBehalfOf.isEmpty { rows += "<dt>Atas nama</dt><dd>\(escape(record.onBehalfOf))</dd>" }
        if record.cancelled {
            rows += "<dt>Dibatalkan</dt><dd id=\"dibatalkan\">\(escape(dateText(record.cancelledAt)))</dd>"
            rows += "<dt>Alasan pembatalan</dt><dd id=\"alasan-pembatalan\">\(escape(record.cancelReason))</dd>"
        }
        var checks = check("Tanda tangan elektronik Camat", record.signatureValid)
        checks += check("Tanda terima registri (buku agenda)", record.receiptValid)
        checks += check("Segel elektronik kantor pada PDF", sealPassed(seal), unknown: "tidak diperiksa di sini")
        var download = ""
        if record.pdfDownloadable && !record.cancelled {
            download = "<p><a class=\"button\" href=\"/v/\(escape(record.verificationID))/pdf\">Unduh PDF surat</a></p>"
        } else if confidential {
            download = "<p class=\"note\">Surat bersifat \(escape(record.sifat.displayName)): isi dan PDF-nya tidak ditampilkan di halaman umum.</p>"
        }
        let digest = record.pdfSHA256.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        let body = """
        <h1>Verifikasi Naskah Dinas</h1>
        \(verdict)
        <dl>\(rows)</dl>
        <h2>Hasil pemeriksaan</h2>
        <ul class="checks">\(checks)</ul>
        \(download)
        <h2>Apa yang dijamin</h2>
        <p class="note"><strong>Tanda tangan Camat</strong> mencakup isi surat yang disetujui (hal, tujuan, isi, tembusan) saat ditandatangani; nomor dan tanggal belum ada saat itu.</p>
        <p class="note"><strong>Segel elektronik kantor</strong> mencakup seluruh berkas PDF final, termasuk nomor, tanggal, tanda tangan dan kode QR: satu bita yang berubah membuat segel tidak sah.</p>
        <p class="note"><strong>Tanda terima registri</strong> mengikat nomor surat, surat, tanda tangan dan sidik SHA-256 PDF final\(digest.isEmpty ? "" : " (<code>\(digest)</code>)").</p>
        <h2>Periksa berkas PDF</h2>
        <p class="note">Punya berkas PDF surat ini? <a href="/periksa">Unggah untuk memeriksa</a> apakah sama persis dengan dokumen terdaftar.</p>
        """
        return layout(title: "Verifikasi \(record.number)", body)
    }

    static func uploadForm(maxBytes: Int, message: String = "") -> String {
        layout(title: "Periksa PDF surat", """
        <h1>Periksa berkas PDF surat</h1>
        \(message)
        <form method="post" action="/periksa" enctype="multipart/form-data">
        <label for="berkas">Berkas PDF (paling besar \(maxBytes / (1 << 20)) MiB)</label>
        <input type="file" id="berkas" name="berkas" accept="application/pdf,.pdf" required>
        <button type="submit" id="periksa">Periksa</button>
        </form>
        <p class="note">Berkas hanya dihitung sidik SHA-256-nya dan diperiksa segelnya; tidak disimpan.</p>
        """)
    }

    enum UploadResult {
        case registered(RegistryAPI.PublicRecord, SealVerdict)
        case sealValidNotRegistered(signer: String)
        case sealInvalid(reason: String)
        case notSealedNotRegistered
        case notPDF
        case tooLarge(limit: Int)
        case malformed(String)
    }

    static func upload(_ result: UploadResult, maxBytes: Int) -> String {
        let verdict: String
        var details = ""
        switch result {
        case .registered(let record, _):
            verdict = record.cancelled
                ? "<div class=\"verdict bad\" id=\"verdict\">Berkas ini persis dokumen terdaftar, tetapi nomornya telah DIBATALKAN.</div>"
                : "<div class=\"verdict ok\" id=\"verdict\">SAH: berkas ini persis sama dengan dokumen terdaftar.</div>"
            details = "<dl><dt>Nomor</dt><dd>\(escape(record.number))</dd><dt>Tanggal</dt><dd>\(escape(dateText(record.registeredAt)))</dd>"
                + "<dt>Penanda tangan</dt><dd>\(escape(record.signerName))</dd></dl>"
                + "<p><a href=\"/v/\(escape(record.verificationID))\">Lihat halaman verifikasi surat ini</a></p>"
        case .sealValidNotRegistered(let signer):
            verdict = "<div class=\"verdict warn\" id=\"verdict\">TIDAK SAH sebagai dokumen terdaftar: segelnya sah (\(escape(signer))), tetapi berkas ini bukan dokumen yang terdaftar di buku agenda.</div>"
        case .sealInvalid(let reason):
            verdict = "<div class=\"verdict bad\" id=\"verdict\">TIDAK SAH: segel elektronik kantor tidak sah; berkas telah diubah setelah disegel atau bukan dari kantor ini.</div>"
            details = "<p class=\"note\">Rincian teknis: \(escape(reason))</p>"
        case .notSealedNotRegistered:
            verdict = "<div class=\"verdict bad\" id=\"verdict\">TIDAK SAH: berkas ini tidak bersegel dan tidak terdaftar.</div>"
        case .notPDF:
            verdict = "<div class=\"verdict bad\" id=\"verdict\">Berkas yang diunggah bukan PDF.</div>"
        case .tooLarge(let limit):
            verdict = "<div class=\"verdict bad\" id=\"verdict\">Berkas terlalu besar: paling besar \(limit / (1 << 20)) MiB.</div>"
        case .malformed(let reason):
            verdict = "<div class=\"verdict bad\" id=\"verdict\">Unggahan tidak dapat dibaca: \(escape(reason)).</div>"
        }
        return layout(title: "Hasil pemeriksaan PDF", """
        <h1>Hasil pemeriksaan berkas PDF</h1>
        \(verdict)
        \(details)
        <p><a href="/periksa">Periksa berkas lain</a></p>
        """)
    }

    static func notFound(_ what: String) -> String {
        layout(title: "Tidak ditemukan", """
        <h1>Tidak ditemukan</h1>
        <div class="verdict bad" id="verdict">\(escape(what))</div>
        <p class="note">Periksa kembali alamat pada kode QR surat. Alamat verifikasi yang sah dibuat oleh kantor saat surat diberi nomor.</p>
        <p><a href="/periksa">Periksa berkas PDF</a></p>
        """)
    }

    static func unavailable() -> String {
        layout(title: "Sementara tidak tersedia", """
        <h1>Sementara tidak tersedia</h1>
        <div class="verdict warn" id="verdict">Layanan registri kantor sedang tidak dapat dihubungi. Silakan coba lagi beberapa saat lagi.</div>
        """)
    }
}
