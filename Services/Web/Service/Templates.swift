// The pages' Mustache templates. Kept in the binary (not files beside it) so a deployed
// surat-web is one file, like the other services. `{{x}}` escapes HTML; `{{{x}}}` is used only
// for HTML this app built itself (the page body, the SVG chart, the diff).
enum Templates {
    static let all: [String: String] = [
        "layout": layout, "login": login, "password": password, "home": home, "letter": letter, "letters": letters,
        "open": open, "agenda": agenda, "agendaPrint": agendaPrint, "sla": sla, "admin": admin, "error": error,
        "tokenIssued": tokenIssued, "content": content, "draftPreview": draftPreview, "signingKey": signingKey,
    ]

    /// The signer makes their own signing key (an admin only registered them as a signer).
    static let signingKey = """
    <section class="card narrow">
    <h1>Kunci tanda tangan</h1>
    {{#activated}}<p>Kunci {{keyID}} untuk jabatan {{position}} sudah aktif. Gunakan frasa sandinya saat menandatangani.</p>{{/activated}}
    {{^activated}}
    <p>Admin mendaftarkan Anda sebagai penandatangan. Buat kunci tanda tangan Anda dengan frasa sandi yang hanya Anda ketahui; admin tidak pernah melihatnya.</p>
    <form method="post" action="/kunci" class="stack">
      <input type="hidden" name="csrf" value="{{csrf}}">
      <label for="passphrase">Frasa sandi baru</label>
      <input id="passphrase" name="passphrase" type="password" autocomplete="new-password" required>
      <label for="confirm_passphrase">Ulangi frasa sandi</label>
      <input id="confirm_passphrase" name="confirm_passphrase" type="password" autocomplete="new-password" required>
      <button type="submit" class="primary">Buat kunci</button>
    </form>
    {{/activated}}
    </section>
    """

    /// The letter's structured content (used by the letter page and the draft preview).
    static let content = """
    <section class="card letter-content">
      <h2>{{heading}}</h2>
      {{#previewURL}}<p><a class="button" href="{{previewURL}}">Pratinjau PDF (KONSEP)</a> <span class="muted">tata letak surat sesuai profil kantor</span></p>{{/previewURL}}
      <dl class="meta">
        <dt>Jenis</dt><dd>{{type}}</dd><dt>Klasifikasi</dt><dd>{{classification}}</dd>
        <dt>Sifat</dt><dd>{{sifat}}</dd><dt>Derajat</dt><dd>{{urgency}}</dd>
        <dt>Perihal</dt><dd>{{subject}}</dd><dt>Unit konseptor</dt><dd>{{draftingUnit}}</dd>
        <dt>Kepada Yth.</dt><dd><ul>{{#addressees}}<li>{{name}} <small>({{kind}}{{#endpoint}}, {{endpoint}}{{/endpoint}})</small></li>{{/addressees}}</ul></dd>
        {{#hasTembusan}}<dt>Tembusan</dt><dd><ol>{{#tembusan}}<li>{{.}}</li>{{/tembusan}}</ol></dd>{{/hasTembusan}}
        {{#hasAttachments}}<dt>Lampiran</dt><dd><ul>{{#attachments}}<li>{{name}} <small>({{size}})</small></li>{{/attachments}}</ul></dd>{{/hasAttachments}}
      </dl>
      <div class="body-text">{{{bodyHTML}}}</div>
    </section>
    """

    static let draftPreview = """
    <p class="crumb"><a href="/surat/{{letterID}}">← Kembali ke surat (tanpa menyimpan)</a></p>
    <h1>Pratinjau konsep</h1>
    <p class="notice">Konsep ini <strong>belum disimpan</strong>. Periksa pratinjaunya, ubah bila perlu, lalu simpan dengan tombol di formulir. Berkas lampiran yang baru dipilih perlu dipilih lagi.</p>
    <div class="grid">
    <div class="col-main"><section class="card action"><h2>Formulir konsep</h2>{{{form}}}</section></div>
    <aside class="col-side">{{#content}}{{> content}}{{/content}}</aside>
    </div>
    """

    static let layout = """
    <!DOCTYPE html>
    <html lang="id">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{title}} · Surat Keluar {{office}}</title>
    <link rel="stylesheet" href="/static/app.css">
    </head>
    <body>
    <header class="top">
      <a class="brand" href="/"><img src="/static/logo.svg" alt="Logo Surat Keluar" width="28" height="28"><span>Surat Keluar<small>{{office}}</small></span></a>
      {{#user}}
      <nav aria-label="Menu utama">
        <a href="/"{{#navHome}} aria-current="page"{{/navHome}}>Antrean saya</a>
        <a href="/surat"{{#navLetters}} aria-current="page"{{/navLetters}}>Semua surat</a>
        <a href="/agenda"{{#navAgenda}} aria-current="page"{{/navAgenda}}>Buku Agenda</a>
        <a href="/sla"{{#navSLA}} aria-current="page"{{/navSLA}}>Laporan SLA</a>
        {{#isAdmin}}<a href="/admin"{{#navAdmin}} aria-current="page"{{/navAdmin}}>Admin</a>{{/isAdmin}}
      </nav>
      <div class="who">
        <span class="who-name">{{name}}<small>{{roleLabel}}{{#actingNote}} · {{actingNote}}{{/actingNote}}</small></span>
        <a href="/sandi" class="quiet">Ganti sandi</a>
        {{#isSigner}}<a href="/kunci" class="quiet">Kunci tanda tangan</a>{{/isSigner}}
        <form method="post" action="/keluar" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="link">Keluar</button></form>
      </div>
      {{/user}}
    </header>
    <main id="isi">
    {{#flash}}<div class="flash flash-{{kind}}" role="{{#isError}}alert{{/isError}}{{^isError}}status{{/isError}}">{{text}}{{#detail}}<details><summary>Rincian teknis</summary><code>{{detail}}</code></details>{{/detail}}</div>{{/flash}}
    {{{body}}}
    </main>
    <footer>Surat Keluar · SOP 065/87/416-313/2025 · waktu ditampilkan dalam {{zone}}</footer>
    </body>
    </html>
    """

    static let login = """
    <section class="card narrow">
    <h1>Masuk</h1>
    <p class="muted">Gunakan nama pengguna dan kata sandi dari admin kecamatan.</p>
    <form method="post" action="/masuk" class="stack">
      <input type="hidden" name="csrf" value="{{csrf}}">
      <label for="user_id">Nama pengguna</label>
      <input id="user_id" name="user_id" autocomplete="username" autocapitalize="none" required value="{{userID}}">
      <label for="password">Kata sandi</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
      <button type="submit" class="primary">Masuk</button>
    </form>
    </section>
    """

    static let password = """
    <section class="card narrow">
    <h1>Ganti kata sandi</h1>
    {{#mustChange}}<p class="notice">Kata sandi Anda dibuat oleh admin. Gantilah sekarang sebelum mulai bekerja.</p>{{/mustChange}}
    <form method="post" action="/sandi" class="stack">
      <input type="hidden" name="csrf" value="{{csrf}}">
      <label for="current_password">Kata sandi sekarang</label>
      <input id="current_password" name="current_password" type="password" autocomplete="current-password" required>
      <label for="new_password">Kata sandi baru (minimal 10 karakter)</label>
      <input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength="10" required>
      <label for="confirm_password">Ulangi kata sandi baru</label>
      <input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" minlength="10" required>
      <button type="submit" class="primary">Simpan kata sandi</button>
    </form>
    </section>
    """

    static let home = """
    <h1>Antrean kerja {{firstName}}</h1>
    <ul class="counts" aria-label="Ringkasan kantor">
      <li><strong>{{countParaf}}</strong> perlu diparaf</li>
      <li><strong>{{countSign}}</strong> perlu ditandatangani</li>
      <li><strong>{{countNumber}}</strong> belum dinomori</li>
    </ul>
    {{#canOpen}}<p><a class="button primary" href="/surat/baru">+ Buka surat baru</a></p>{{/canOpen}}
    {{#queues}}
    <section class="card">
      <h2>{{title}} <span class="badge">{{count}}</span></h2>
      {{#empty}}<p class="muted">Tidak ada surat yang menunggu Anda.</p>{{/empty}}
      {{^empty}}
      {{#bulk}}<form method="post" action="/tandatangani" class="bulk"><input type="hidden" name="csrf" value="{{csrf}}">{{/bulk}}
      <div class="table-wrap"><table>
        <thead><tr>{{#bulk}}<th scope="col">Pilih</th>{{/bulk}}<th scope="col">Perihal</th><th scope="col">Langkah</th><th scope="col">Menunggu sejak</th><th scope="col">Lama / baku</th></tr></thead>
        <tbody>
        {{#items}}
        <tr class="{{#overdue}}overdue{{/overdue}}">
          {{#bulk}}<td><input type="checkbox" name="letter_id" value="{{letterID}}" id="pilih-{{letterID}}"><label for="pilih-{{letterID}}" class="sr-only">Pilih {{subject}}</label></td>{{/bulk}}
          <td><a href="/surat/{{letterID}}">{{subject}}</a></td>
          <td>{{step}}. {{stepTitle}}</td>
          <td>{{since}}</td>
          <td>{{age}} / {{standard}} {{#overdue}}<span class="badge late">terlambat</span>{{/overdue}}</td>
        </tr>
        {{/items}}
        </tbody>
      </table></div>
      {{#bulk}}
      <div class="bulk-sign">
        <label for="bulk_passphrase">Frasa sandi tanda tangan</label>
        <input id="bulk_passphrase" name="passphrase" type="password" autocomplete="off" required>
        <button type="submit" class="primary">Tandatangani surat terpilih</button>
      </div>
      </form>
      {{/bulk}}
      {{/empty}}
    </section>
    {{/queues}}
    {{#noRole}}<p class="muted">Akun Anda tidak memegang langkah SOP. Gunakan menu Admin atau Buku Agenda.</p>{{/noRole}}
    """

    static let letters = """
    <h1>Semua surat</h1>
    <form method="get" action="/surat" class="filters">
      <label for="state">Keadaan</label>
      <select id="state" name="state">{{#states}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/states}}</select>
      <button type="submit">Tampilkan</button>
    </form>
    <div class="table-wrap"><table>
      <thead><tr><th scope="col">Perihal</th><th scope="col">Klasifikasi</th><th scope="col">Keadaan</th><th scope="col">Nomor</th><th scope="col">Dibuka</th></tr></thead>
      <tbody>{{#letters}}<tr><td><a href="/surat/{{letterID}}">{{subject}}</a></td><td>{{classification}}</td><td>{{state}}</td><td>{{number}}</td><td>{{opened}}</td></tr>{{/letters}}
      {{^letters}}<tr><td colspan="5" class="muted">Belum ada surat.</td></tr>{{/letters}}</tbody>
    </table></div>
    """

    static let open = """
    <section class="card narrow">
    <h1>Buka surat baru (langkah 1)</h1>
    <form method="post" action="/surat/baru" class="stack">
      <input type="hidden" name="csrf" value="{{csrf}}">
      <label for="subject">Perihal</label>
      <input id="subject" name="subject" required maxlength="500">
      <label for="classification">Kode klasifikasi</label>
      <input id="classification" name="classification" list="kode-klasifikasi" required placeholder="mis. 005 atau 400.10">
      {{{classificationList}}}
      <label for="unit">Kode unit (pada nomor surat)</label>
      <input id="unit" name="unit" value="416-313" required maxlength="40">
      <label for="clerk_id">Staf Umum yang ditugaskan (kosongkan = saya sendiri)</label>
      <input id="clerk_id" name="clerk_id" autocapitalize="none">
      <button type="submit" class="primary">Buka surat</button>
    </form>
    </section>
    """

    static let letter = """
    <p class="crumb"><a href="/">← Antrean</a></p>
    <h1>{{subject}}</h1>
    <div class="facts">
      <span class="state state-{{stateKey}}">{{stateLabel}}</span>
      <span>{{stepText}}</span>
      <span>Klasifikasi {{classification}}</span>
      {{#number}}<span>Nomor <strong>{{number}}</strong></span>{{/number}}
      <span>Dibuka {{opened}} oleh {{openedBy}}</span>
    </div>
    <div class="grid">
    <div class="col-main">
    {{#action}}
    <section class="card action" id="tindakan">
      <h2>Tindakan Anda: {{title}}</h2>
      {{{html}}}
    </section>
    {{/action}}
    {{#waiting}}<section class="card muted-card"><h2>Menunggu</h2><p>{{waiting}}</p></section>{{/waiting}}
    {{#withdrawal}}<section class="card muted-card" id="ditarik"><h2>Surat ditarik</h2><p>Ditarik oleh {{by}} pada {{at}} (langkah {{step}}): {{reason}}</p></section>{{/withdrawal}}
    {{#contentHidden}}<section class="card muted-card" id="isi-tertutup"><h2>Isi surat tertutup</h2><p>Surat ini bersifat rahasia: isinya hanya untuk pihak yang menangani surat ini.</p></section>{{/contentHidden}}
    {{#diff}}
    <section class="card">
      <h2>Perubahan sejak dikembalikan (revisi {{fromRevision}} → {{toRevision}})</h2>
      {{{diff}}}
    </section>
    {{/diff}}
    {{#content}}
    {{> content}}
    {{/content}}
    {{#hasDeliveries}}
    <section class="card">
      <h2>Pengiriman</h2>
      <table><thead><tr><th scope="col">Tujuan</th><th scope="col">Keadaan</th><th scope="col">Percobaan</th></tr></thead>
      <tbody>{{#deliveries}}<tr><td>{{addressee}}</td><td>{{state}}</td><td>{{attempts}}</td></tr>{{/deliveries}}</tbody></table>
      {{#finalPDF}}<p><a class="button primary" href="{{finalPDF}}">Unduh PDF final</a></p>{{/finalPDF}}
    </section>
    {{/hasDeliveries}}
    </div>
    <aside class="col-side">
    <section class="card">
      <h2>Perjalanan surat</h2>
      <ol class="timeline">
      {{#steps}}
        <li class="{{#late}}late{{/late}} {{#current}}current{{/current}} {{#returned}}returned{{/returned}}">
          <strong>{{step}}. {{title}}</strong>{{#round}} <small>(putaran {{round}})</small>{{/round}}
          <span>{{actor}}{{#actingFor}} <em>a.n. {{actingFor}}</em>{{/actingFor}}</span>
          <span class="muted">{{started}}{{#ended}} → {{ended}}{{/ended}}</span>
          <span>{{duration}} / baku {{standard}} {{#late}}<span class="badge late">terlambat</span>{{/late}}{{#returned}}<span class="badge warn">dikembalikan</span>{{/returned}}</span>
        </li>
      {{/steps}}
      </ol>
      {{#total}}<p class="muted">Seluruh perjalanan: {{total}}</p>{{/total}}
    </section>
    {{#withdrawAction}}
    <section class="card" id="tarik">
      <h2>Tarik surat</h2>
      <p class="muted">Sebelum dinomori, surat dapat ditarik dengan alasan; setelah itu tidak ada langkah lagi.</p>
      <form method="post" action="{{withdrawAction}}" class="stack">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="request_id" value="{{withdrawRequestID}}">
        <label for="withdraw_reason">Alasan penarikan</label><input id="withdraw_reason" name="reason" required>
        <button type="submit">Tarik surat</button>
      </form>
    </section>
    {{/withdrawAction}}
    {{#reassignAction}}
    <section class="card" id="alihkan">
      <h2>Alihkan penugasan</h2>
      <form method="post" action="{{reassignAction}}" class="stack">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="request_id" value="{{reassignRequestID}}">
        <label for="reassign_role">Tugas</label>
        <select id="reassign_role" name="role"><option value="staf_umum">Staf Umum (langkah 4 dan 6)</option><option value="drafter">Konseptor (langkah 2)</option></select>
        <label for="reassign_to">Kepada (nama pengguna)</label><input id="reassign_to" name="to_user_id" required autocapitalize="none">
        <label for="reassign_reason">Alasan</label><input id="reassign_reason" name="reason" required>
        <button type="submit">Alihkan</button>
      </form>
    </section>
    {{/reassignAction}}
    {{#hasReturns}}
    <section class="card">
      <h2>Catatan pengembalian</h2>
      <ul class="returns">{{#returns}}<li><strong>{{by}}</strong>, {{at}}:<blockquote>{{notes}}</blockquote></li>{{/returns}}</ul>
    </section>
    {{/hasReturns}}
    </aside>
    </div>
    """

    static let agenda = """
    <h1>Buku Agenda Surat Keluar {{year}}</h1>
    <form method="get" action="/agenda" class="filters">
      <label for="year">Tahun</label><input id="year" name="year" type="number" min="2000" max="2100" value="{{year}}">
      <label for="month">Bulan</label><select id="month" name="month">{{#months}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/months}}</select>
      <label for="classification">Klasifikasi</label><input id="classification" name="classification" value="{{classification}}" list="kode-klasifikasi">
      {{{classificationList}}}
      <label for="q">Cari perihal/tujuan</label><input id="q" name="q" type="search" value="{{q}}">
      <button type="submit">Saring</button>
    </form>
    <p class="exports"><a class="button" href="/agenda.csv?{{query}}">Unduh CSV</a> <a class="button" href="/agenda/cetak?{{query}}">Versi cetak</a> <span class="muted">{{count}} entri</span></p>
    <div class="table-wrap"><table>
      <thead><tr>{{#header}}<th scope="col">{{.}}</th>{{/header}}</tr></thead>
      <tbody>{{#rows}}<tr>{{#cells}}<td>{{.}}</td>{{/cells}}</tr>{{/rows}}
      {{^rows}}<tr><td colspan="11" class="muted">Tidak ada entri untuk saringan ini.</td></tr>{{/rows}}</tbody>
    </table></div>
    """

    static let agendaPrint = """
    <!DOCTYPE html>
    <html lang="id"><head><meta charset="utf-8"><title>Buku Agenda Surat Keluar {{year}}</title>
    <link rel="stylesheet" href="/static/print.css"></head>
    <body>
    <h1>BUKU AGENDA SURAT KELUAR</h1>
    <p class="sub">{{office}} · Tahun {{year}}{{#filter}} · {{filter}}{{/filter}}</p>
    <table><thead><tr>{{#header}}<th scope="col">{{.}}</th>{{/header}}</tr></thead>
    <tbody>{{#rows}}<tr>{{#cells}}<td>{{.}}</td>{{/cells}}</tr>{{/rows}}</tbody></table>
    <p class="sub">Dicetak {{printed}}</p>
    </body></html>
    """

    static let sla = """
    <h1>Laporan SLA</h1>
    <form method="get" action="/sla" class="filters">
      <label for="from">Dari</label><input id="from" name="from" type="date" value="{{from}}">
      <label for="to">Sampai</label><input id="to" name="to" type="date" value="{{to}}">
      <button type="submit">Tampilkan</button>
    </form>
    <section class="card">
      <h2>Median dan p90 per langkah dibanding waktu baku</h2>
      {{{chart}}}
      <p class="muted legend">Batang tebal: median · batang tipis: p90 · garis kuning: waktu baku · merah: melewati waktu baku.</p>
    </section>
    <div class="table-wrap"><table>
      <thead><tr><th scope="col">Langkah</th><th scope="col">Jumlah</th><th scope="col">Median</th><th scope="col">p90</th><th scope="col">Baku</th><th scope="col">Terlambat</th></tr></thead>
      <tbody>{{#steps}}<tr><td>{{step}}. {{title}}</td><td>{{count}}</td><td>{{median}}</td><td>{{p90}}</td><td>{{standard}}</td><td>{{late}}</td></tr>{{/steps}}</tbody>
    </table></div>
    """

    static let admin = """
    <h1>Administrasi</h1>
    <section class="card">
      <h2>Pengguna dan peran</h2>
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">Nama pengguna</th><th scope="col">Nama</th><th scope="col">Peran</th><th scope="col">Aktif</th><th scope="col">Atur ulang sandi</th><th scope="col">Status</th></tr></thead>
        <tbody>
        {{#users}}
        <tr><td>{{id}}</td><td>{{name}}</td><td>{{role}}</td><td>{{active}}</td>
          <td><form method="post" action="/admin/pengguna/{{id}}/sandi" class="inline"><input type="hidden" name="csrf" value="{{csrf}}">
            <label for="pw-{{id}}" class="sr-only">Sandi awal baru untuk {{id}}</label><input id="pw-{{id}}" name="password" type="password" minlength="10" autocomplete="new-password" required placeholder="sandi awal baru">
            <button type="submit">Atur</button></form></td>
          <td><form method="post" action="/admin/pengguna/{{id}}/aktif" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="active" value="{{toggleValue}}"><button type="submit">{{toggleLabel}}</button></form></td>
        </tr>
        {{/users}}
        </tbody>
      </table></div>
      <h3>Tambah pengguna</h3>
      <form method="post" action="/admin/pengguna" class="row-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="new_user_id">Nama pengguna</label><input id="new_user_id" name="user_id" required autocapitalize="none" placeholder="mis. ani.umum">
        <label for="new_name">Nama lengkap</label><input id="new_name" name="name" required>
        <label for="new_role">Peran</label><select id="new_role" name="role">{{#roles}}<option value="{{value}}">{{label}}</option>{{/roles}}</select>
        <label for="new_nip">NIP</label><input id="new_nip" name="nip">
        <label for="new_password">Sandi awal</label><input id="new_password" name="password" type="password" minlength="10" autocomplete="new-password" required>
        <button type="submit" class="primary">Tambah</button>
      </form>
    </section>
    <section class="card">
      <h2>Token akses (skrip dan instansi)</h2>
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">Token</th><th scope="col">Pengguna</th><th scope="col">Label</th><th scope="col">Berlaku sampai</th><th scope="col">Dicabut</th><th scope="col">Cabut</th></tr></thead>
        <tbody>{{#tokens}}<tr><td>{{id}}</td><td>{{userID}}</td><td>{{label}}</td><td>{{expires}}</td><td>{{revoked}}</td>
          <td>{{^revoked}}<form method="post" action="/admin/token/{{id}}/cabut" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Cabut</button></form>{{/revoked}}</td></tr>{{/tokens}}</tbody>
      </table></div>
      <h3>Terbitkan token</h3>
      <form method="post" action="/admin/token" class="row-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="token_user">Pengguna</label><input id="token_user" name="user_id" required autocapitalize="none">
        <label for="token_label">Label</label><input id="token_label" name="label" placeholder="mis. skrip arsip">
        <label for="token_days">Hari berlaku</label><input id="token_days" name="days" type="number" min="1" max="400" value="30">
        <button type="submit">Terbitkan</button>
      </form>
    </section>
    <section class="card">
      <h2>Pelaksana harian / tugas (Plh/Plt)</h2>
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">Pengguna</th><th scope="col">Sebagai</th><th scope="col">Atas nama</th><th scope="col">Mulai</th><th scope="col">Sampai</th></tr></thead>
        <tbody>{{#grants}}<tr><td>{{userID}}</td><td>{{role}}</td><td>{{actingFor}}</td><td>{{from}}</td><td>{{until}}</td></tr>{{/grants}}</tbody>
      </table></div>
      <h3>Tunjuk Plh/Plt</h3>
      <form method="post" action="/admin/plh" class="row-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="acting_user">Pengguna</label><input id="acting_user" name="user_id" required autocapitalize="none">
        <label for="acting_role">Sebagai</label><select id="acting_role" name="role">{{#roles}}<option value="{{value}}">{{label}}</option>{{/roles}}</select>
        <label for="acting_for">Atas nama (pengguna)</label><input id="acting_for" name="acting_for" required autocapitalize="none">
        <label for="acting_until">Sampai tanggal</label><input id="acting_until" name="until" type="date" required>
        <button type="submit">Tunjuk</button>
      </form>
    </section>
    <section class="card">
      <h2>Profil kantor (kop, jabatan, penandatangan, penomoran)</h2>
      <p class="muted">{{profileSet}}. Format: proto-notes/letter-document.md.</p>
      <form method="post" action="/admin/profil" class="stack" enctype="multipart/form-data">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="expected_version" value="{{profileVersion}}">
        <label for="profile_json">Profil (JSON)</label>
        <textarea id="profile_json" name="profile_json" rows="12" class="code">{{profileJSON}}</textarea>
        <label for="emblem">Lambang baru (PNG; kosongkan bila tetap)</label>
        <input id="emblem" name="emblem" type="file" accept="image/png">
        <button type="submit">Simpan profil</button>
      </form>
    </section>
    <section class="card">
      <h2>Penandatangan dan delegasi</h2>
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">Penandatangan</th><th scope="col">Nama</th><th scope="col">Jabatan</th><th scope="col">Kunci</th></tr></thead>
        <tbody>{{#signers}}<tr><td>{{userID}}</td><td>{{name}}</td><td>{{position}}</td><td>{{keyID}}</td></tr>{{/signers}}</tbody>
      </table></div>
      <h3>Daftarkan penandatangan</h3>
      <form method="post" action="/admin/penandatangan" class="row-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="signer_user">Pengguna</label><input id="signer_user" name="user_id" required autocapitalize="none">
        <label for="signer_position">Jabatan</label><input id="signer_position" name="position" placeholder="Camat Sooko">
        <p class="hint">Kunci tanda tangan dibuat saat penandatangan sendiri menetapkan frasa sandinya (<code>surat signer activate</code>).</p>
        <button type="submit">Daftarkan</button>
      </form>
      <h3>Delegasi tanda tangan (a.n.)</h3>
      <form method="post" action="/admin/delegasi" class="row-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="delegation_from">Dari (pejabat)</label><input id="delegation_from" name="from_user_id" required autocapitalize="none">
        <label for="delegation_to">Kepada (Plh/Plt)</label><input id="delegation_to" name="to_user_id" required autocapitalize="none">
        <label for="delegation_kind">Jenis</label><select id="delegation_kind" name="kind"><option value="plh">Plh</option><option value="plt">Plt</option></select>
        <label for="delegation_until">Sampai tanggal</label><input id="delegation_until" name="until" type="date" required>
        <button type="submit">Buat delegasi</button>
      </form>
    </section>
    """

    static let tokenIssued = """
    <section class="card narrow">
    <h1>Token diterbitkan</h1>
    <p>Token untuk <strong>{{userID}}</strong> (berlaku sampai {{expires}}). Salin sekarang: token ini <strong>tidak akan ditampilkan lagi</strong>.</p>
    <label for="issued-token">Token</label>
    <textarea id="issued-token" readonly rows="2">{{token}}</textarea>
    <p><a class="button" href="/admin">Kembali ke Admin</a></p>
    </section>
    """

    static let error = """
    <section class="card narrow">
    <h1>{{heading}}</h1>
    <p>{{text}}</p>
    <p><a class="button" href="{{back}}">{{backLabel}}</a></p>
    </section>
    """
}
