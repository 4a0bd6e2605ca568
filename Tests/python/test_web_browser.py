"""surat-web in a real browser: Debian's headless Chromium driven by Selenium (the system
chromedriver, nothing downloaded), with all six services as separate processes.

Four users sign in with passwords an admin set (each must change it first); one letter goes
through all six steps by clicking, including one return with notes and the Sekretaris' diff; a
second letter is signed by the Sekretaris acting as Plh Camat through the bulk-signing form.
Each role sees only its own action; forged posts (wrong CSRF token, another role's action, a
step out of order) are refused and change nothing. Every page visited is checked for the basics
of accessibility (one h1, a label for every field, alt text) and saved as a screenshot under
Tests/python/artifacts/web/ (git-ignored; CI keeps it as an artifact).
"""
import http.cookiejar
import os
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import grpc
import pytest

from conftest import ServiceProcess, free_port, swift_bin
from test_e2e_gateway import CAMAT_PASSPHRASE, SEKCAM_PASSPHRASE, Cluster, Office

# Selenium is pinned in requirements.txt; a missing one fails here rather than skipping the test.
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Every wait is bounded; generous because CI shares 2 cores with everything else.
WAIT = 60
# Initial passwords as an admin would hand them out (none may contain the user id), and the ones
# each user chooses at the first sign-in.
INITIAL = {"ani": "Mulai-Satu-2026", "dedi": "Mulai-Dua-2026", "sri": "Mulai-Tiga-2026", "camat": "Mulai-Empat-2026",
           "admin": "Mulai-Lima-2026"}
CHOSEN = {user: f"Kantor-{secrets.token_hex(4)}-Sooko" for user in INITIAL}

A11Y_SCRIPT = """
const problems = [];
const h1 = document.querySelectorAll('h1').length;
if (h1 !== 1) problems.push('h1 count ' + h1);
for (const el of document.querySelectorAll('input, select, textarea')) {
  if (el.type === 'hidden') continue;
  const labelled = (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]')) || el.closest('label')
    || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
  if (!labelled) problems.push('field without label: ' + el.outerHTML.slice(0, 100));
}
for (const img of document.querySelectorAll('img')) {
  if (!img.getAttribute('alt') || !img.getAttribute('alt').trim()) problems.push('img without alt: ' + img.src);
}
for (const svg of document.querySelectorAll('svg[role="img"]')) {
  if (!svg.getAttribute('aria-labelledby') && !svg.getAttribute('aria-label')) problems.push('svg image without a name');
}
return problems;
"""


class WebCluster(Cluster):
    """The five services plus surat-web; passwords hashed at a low scrypt cost to keep the test fast."""

    def __init__(self, root):
        super().__init__(root)
        self.web_port = free_port()
        try:
            self.procs["web"] = ServiceProcess(
                [swift_bin("surat-web"), "--port", self.web_port, "--gateway-address", f"127.0.0.1:{self.ports['gateway']}",
                 "--data-directory", root / "web"], log_path=root / "web.log")
        except BaseException:
            self.close()
            raise
        self.base = f"http://127.0.0.1:{self.web_port}"

    def args(self, name, bootstrap=False):
        args = super().args(name, bootstrap)
        if name == "gateway":
            args += ["--password-scrypt-log2-n", "12", "--session-minutes", "60"]
        return args


def set_up_office(cluster, office):
    # The office profile the letter PDFs are laid out with (the sample that ships in deploy/letter).
    # Its signers are keyed by the gateway's signer ids: here the Camat and Sri (as Plh).
    import json
    letter_dir = Path(__file__).resolve().parents[2] / "deploy" / "letter"
    profile = json.loads((letter_dir / "office-profile.json").read_text())
    profile["signers"][0]["id"], profile["signers"][1]["id"] = "camat", "sri"
    office.admin.SetOfficeProfile(office.g.SetOfficeProfileRequest(
        request_id="web-profile", profile_json=json.dumps(profile).encode(),
        emblem_png=(letter_dir / "sample-emblem.png").read_bytes()), metadata=office.md("admin"))
    for user in ("ani", "dedi", "sri", "camat", "admin"):
        office.admin.SetPassword(office.g.SetPasswordRequest(user_id=user, password=INITIAL[user]), metadata=office.md("admin"))


@pytest.fixture(scope="module")
def web(tmp_path_factory, protos):
    cluster = WebCluster(tmp_path_factory.mktemp("web"))
    try:
        office = Office(cluster, protos)
        set_up_office(cluster, office)
    except BaseException:
        cluster.close()   # no service outlives a failed setup
        raise
    yield cluster, office
    office.channel.close()
    # Graceful stop: SIGTERM ends surat-web with exit code 0 after it logged its stop.
    web_process = cluster.procs.pop("web")
    assert web_process.stop() == 0, web_process.output()
    assert "stopped" in web_process.output()
    cluster.close()


class Browser:
    """One headless Chromium; `page()` checks accessibility and saves a numbered screenshot."""

    def __init__(self, base):
        self.base = base
        options = Options()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1100",
                    "--lang=id-ID", "--no-first-run", "--disable-extensions"):
            options.add_argument(arg)
        self.driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(WAIT)
        self.shots = 0
        self.pages_checked = []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def close(self):
        self.driver.quit()

    def go(self, path):
        self.driver.get(self.base + path)
        WebDriverWait(self.driver, WAIT).until(EC.presence_of_element_located((By.TAG_NAME, "h1")))

    def page(self, name):
        """Accessibility basics of the current page, then a screenshot."""
        problems = self.driver.execute_script(A11Y_SCRIPT)
        assert problems == [], f"{name}: {problems}"
        self.pages_checked.append(name)
        self.shots += 1
        height = self.driver.execute_script("return Math.min(document.body.scrollHeight + 40, 4000)")
        self.screenshot(f"{self.shots:02d}-{name}.png", 1280, max(height, 700))

    def screenshot(self, file, width, height):
        """A full-page picture at `width`. Chromium under load sometimes fails a capture right after a
        resize ("unable to capture screenshot"): that is retried a few times; assertions never are."""
        from selenium.common.exceptions import WebDriverException
        for attempt in range(4):
            try:
                self.driver.set_window_size(width, height)
                self.driver.save_screenshot(str(ARTIFACTS / file))
                break
            except WebDriverException:
                if attempt == 3:
                    raise
                time.sleep(1)
        self.driver.set_window_size(1280, 1100)

    def phone(self, name):
        """The current page at a phone's width: nothing may be wider than the screen."""
        self.driver.set_window_size(390, 900)
        overflow = self.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        self.shots += 1
        self.screenshot(f"{self.shots:02d}-{name}-ponsel.png", 390, 900)
        assert overflow <= 0, f"{name}: {overflow}px wider than a phone screen"

    def fill(self, field_id, value):
        element = self.driver.find_element(By.ID, field_id)
        element.clear()
        element.send_keys(value)

    def select(self, field_id, value):
        self.driver.find_element(By.CSS_SELECTOR, f"#{field_id} option[value='{value}']").click()

    def click(self, css):
        """Clicks a submit button or link and waits until the next page has loaded completely.
        The old page is marked with a script variable, which the new document no longer has; while
        the documents swap, chromedriver may answer with an error, which counts as not yet."""
        from selenium.common.exceptions import WebDriverException
        self.driver.execute_script("window.__suratOldPage = true")
        self.driver.find_element(By.CSS_SELECTOR, css).click()

        def loaded(driver):
            try:
                return driver.execute_script(
                    "return window.__suratOldPage === undefined && document.readyState === 'complete'"
                    " && document.querySelector('h1') !== null")
            except WebDriverException:
                return False
        WebDriverWait(self.driver, WAIT).until(loaded)

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def flash(self):
        found = self.driver.find_elements(By.CSS_SELECTOR, ".flash")
        return found[0].text if found else ""

    def sign_in(self, user, password):
        self.go("/masuk")
        if not self.driver.find_elements(By.ID, "user_id"):   # still signed in from an earlier test
            self.sign_out()
        self.fill("user_id", user)
        self.fill("password", password)
        self.click("form[action='/masuk'] button[type=submit]")

    def sign_in_first_time(self, user):
        """The admin-set password only opens the change-password page; the new one opens the app."""
        self.sign_in(user, INITIAL[user])
        assert self.driver.current_url.endswith("/sandi"), self.driver.current_url
        self.go("/")   # anything else leads back to the password page
        assert self.driver.current_url.endswith("/sandi")
        if user == "ani":
            self.page("ganti-sandi-pertama")
        self.fill("current_password", INITIAL[user])
        self.fill("new_password", CHOSEN[user])
        self.fill("confirm_password", CHOSEN[user])
        self.click("form[action='/sandi'] button[type=submit]")
        assert "Kata sandi sudah diganti" in self.flash()

    def sign_out(self):
        self.click("form[action='/keluar'] button[type=submit]")
        assert "Anda sudah keluar" in self.flash()

    def session_cookie(self):
        return self.driver.get_cookie("surat_sesi")

    def csrf(self):
        return self.driver.find_element(By.CSS_SELECTOR, "input[name=csrf]").get_attribute("value")

    def action_forms(self):
        """Action paths of the step forms on a letter page (what this user is offered)."""
        return sorted(f.get_attribute("action").rsplit("/", 1)[1]
                      for f in self.driver.find_elements(By.CSS_SELECTOR, "#tindakan form"))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def raw(base, path, fields=None, cookie=None):
    """A request outside the browser (forged posts, headers): status, headers, body; no redirects followed."""
    data = urllib.parse.urlencode(fields, doseq=True).encode() if fields is not None else None
    request = urllib.request.Request(base + path, data=data)
    if cookie:
        request.add_header("Cookie", f"surat_sesi={cookie}")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=WAIT) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def raw_bytes(base, path, cookie):
    request = urllib.request.Request(base + path)
    request.add_header("Cookie", f"surat_sesi={cookie}")
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=WAIT) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def browser(web):
    cluster, _ = web
    b = Browser(cluster.base)
    yield b
    b.close()


def letter_id_from_url(url):
    match = re.search(r"/surat/([0-9a-f-]{36})", url)
    assert match, url
    return match.group(1)


@pytest.mark.timeout(900)
def test_security_headers_and_sign_in_protection(web):
    cluster, office = web
    status, headers, body = raw(cluster.base, "/masuk")
    assert status == 200
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    pre = headers["Set-Cookie"]
    assert "HttpOnly" in pre and "SameSite=Strict" in pre
    assert raw(cluster.base, "/")[0] == 303   # signed out: to the sign-in page
    # A sign-in post without the pre-session token is refused before the gateway is asked.
    assert raw(cluster.base, "/masuk", {"user_id": "ani", "password": INITIAL["ani"], "csrf": "x"})[0] == 403
    # Wrong passwords: the same answer for a wrong password and an unknown user, then a lockout.
    token = re.search(r'name="csrf" value="([^"]+)"', body).group(1)
    cookie_value = pre.split(";", 1)[0].split("=", 1)[1]

    def attempt(user, password):
        request = urllib.request.Request(cluster.base + "/masuk", data=urllib.parse.urlencode(
            {"user_id": user, "password": password, "csrf": token}).encode())
        request.add_header("Cookie", f"surat_pra={cookie_value}")
        try:
            with urllib.request.build_opener(NoRedirect).open(request, timeout=WAIT) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    office.admin.CreateUser(office.g.CreateUserRequest(user_id="tamu", name="Tamu", role="drafter"), metadata=office.md("admin"))
    office.admin.SetPassword(office.g.SetPasswordRequest(user_id="tamu", password="Mulai-Enam-2026"), metadata=office.md("admin"))
    status, page = attempt("tidak.ada", "apa-saja-123")
    assert status == 401 and "Nama pengguna atau kata sandi salah" in page
    for _ in range(5):
        status, page = attempt("tamu", "salah-salah-123")
        assert status == 401 and "Nama pengguna atau kata sandi salah" in page
    status, page = attempt("tamu", "Mulai-Enam-2026")   # even the right password waits now
    assert status == 429 and "Terlalu banyak percobaan" in page
    # The passwords never appear in the web app's log.
    log = (cluster.root / "web.log").read_text()
    assert "salah-salah-123" not in log and "Mulai-Enam-2026" not in log


@pytest.mark.timeout(1500)
def test_one_letter_through_six_steps_by_clicking(web, browser):
    cluster, office = web
    b = browser
    g = office.g

    # Sign-in page, then the admin's first sign-in and the admin pages.
    b.go("/masuk")
    b.page("masuk")
    b.sign_in_first_time("admin")
    b.go("/admin")
    assert "Pengguna dan peran" in b.text()
    assert "verificationBaseURL" in b.driver.find_element(By.ID, "profile_json").get_attribute("value")
    assert "versi 1" in b.text()
    b.page("admin")
    b.sign_out()

    # Step 1: Ani (Staf Umum) opens the letter; opening assigns her as the clerk.
    b.sign_in_first_time("ani")
    assert "Antrean kerja Ani" in b.text()
    b.page("antrean-staf-umum")
    b.click("a[href='/surat/baru']")
    b.page("buka-surat")
    b.fill("subject", "Undangan rapat koordinasi posyandu")
    b.fill("classification", "005")
    b.click("form[action='/surat/baru'] button[type=submit]")
    letter = letter_id_from_url(b.driver.current_url)
    assert "langkah 1 selesai" in b.flash()
    assert b.action_forms() == []   # step 2 is the drafter's: Ani is offered nothing
    assert office.journey(letter).state == g.JOURNEY_STATE_DRAFTING
    b.page("surat-langkah-2-dilihat-staf-umum")
    b.sign_out()

    # Step 2: Dedi drafts every field and initials it.
    b.sign_in_first_time("dedi")
    assert "Undangan rapat koordinasi posyandu" in b.text()
    b.page("antrean-konseptor")
    b.click(f"a[href='/surat/{letter}']")
    assert b.action_forms() == ["konsep"]
    b.select("type", "undangan")
    b.fill("classification_code", "005")
    b.select("sifat", "biasa")
    b.select("urgency", "segera")
    b.fill("draft_subject", "Undangan rapat koordinasi posyandu")
    b.fill("body", "Dengan hormat,\n\nkami mengundang Saudara pada rapat koordinasi posyandu.\n\n- hari: Senin\n- tempat: Pendopo")
    b.fill("to_name_1", "Kepala Desa Sooko")
    b.select("to_kind_1", "desa")
    b.fill("to_name_2", "Kepala Puskesmas Sooko")
    b.select("to_kind_2", "instansi")
    b.fill("tembusan", "Bupati Mojokerto\nArsip")
    b.fill("drafting_unit", "Seksi Kesejahteraan Sosial")
    b.fill("place", "Sooko")
    # Preview without saving: the markup as it will read (bold, the label : value rows).
    b.fill("body", "Dengan hormat,\n\nkami mengundang Saudara pada rapat **koordinasi posyandu**.\n\n| hari : Senin\n| tempat : Pendopo")
    b.click("form[action$='/konsep'] button[formaction$='/pratinjau']")
    assert b.driver.find_element(By.CSS_SELECTOR, ".letter-content strong").text == "koordinasi posyandu"
    assert len(b.driver.find_elements(By.CSS_SELECTOR, ".letter-content table.fields tr")) == 2
    assert office.journey(letter).revision == 0   # nothing saved by a preview
    b.page("pratinjau-konsep")
    b.fill("body", "Dengan hormat,\n\nkami mengundang Saudara pada rapat koordinasi posyandu.\n\n- hari: Senin\n- tempat: Pendopo")
    attachment = cluster.root / "daftar-hadir.pdf"
    attachment.write_bytes(b"%PDF-1.4\n% daftar hadir rapat posyandu\n%%EOF\n")
    b.driver.find_element(By.ID, "attachment").send_keys(str(attachment))
    b.page("konsep-formulir")
    b.click("form[action$='/konsep'] button[type=submit]")
    assert "Konsep disimpan" in b.flash(), b.flash()
    assert "daftar-hadir.pdf" in b.driver.find_element(By.CSS_SELECTOR, ".letter-content").text
    assert b.action_forms() == ["konsep", "paraf"]
    b.click("form[action$='/paraf'] button[type=submit]")
    assert "Langkah 2 selesai" in b.flash()
    assert office.journey(letter).state == g.JOURNEY_STATE_IN_REVIEW
    b.sign_out()

    # Step 3, first round: Sri returns it with notes.
    b.sign_in_first_time("sri")
    b.go(f"/surat/{letter}")
    assert b.action_forms() == ["kembalikan", "setujui"]
    b.page("pemeriksaan-sekretaris")
    b.fill("notes", "Tambahkan jam rapat dan Kepala Desa Jampirogo.")
    b.click("form[action$='/kembalikan'] button[type=submit]")
    assert "dikembalikan" in b.flash()
    assert office.journey(letter).state == g.JOURNEY_STATE_DRAFTING
    b.sign_out()

    # Step 2 again: Dedi reads the notes and edits.
    b.sign_in("dedi", CHOSEN["dedi"])
    b.go(f"/surat/{letter}")
    assert "Tambahkan jam rapat" in b.text()
    b.fill("body", "Dengan hormat,\n\nkami mengundang Saudara pada rapat koordinasi posyandu.\n\n- hari: Senin\n- waktu: 09.00 WIB\n- tempat: Pendopo")
    b.fill("to_name_3", "Kepala Desa Jampirogo")
    b.select("to_kind_3", "desa")
    b.page("konsep-setelah-dikembalikan")
    b.click("form[action$='/konsep'] button[type=submit]")
    assert "Konsep disimpan" in b.flash(), b.flash()
    assert "daftar-hadir.pdf" in b.driver.find_element(By.CSS_SELECTOR, ".letter-content").text
    b.click("form[action$='/paraf'] button[type=submit]")
    assert "Langkah 2 selesai" in b.flash()
    b.sign_out()

    # Step 3, second round: Sri sees what changed since her return, then approves.
    b.sign_in("sri", CHOSEN["sri"])
    b.go(f"/surat/{letter}")
    diff = b.driver.find_element(By.CSS_SELECTOR, ".diff").text
    assert "09.00 WIB" in diff and "Kepala Desa Jampirogo" in diff
    assert b.driver.find_elements(By.CSS_SELECTOR, ".diff ins")
    b.page("sekretaris-melihat-perubahan")
    b.click("form[action$='/setujui'] button[type=submit]")
    assert "Langkah 3 selesai" in b.flash()
    b.sign_out()

    # Step 4: Ani uploads for signature.
    b.sign_in("ani", CHOSEN["ani"])
    b.go(f"/surat/{letter}")
    assert b.action_forms() == ["unggah"]
    b.click("form[action$='/unggah'] button[type=submit]")
    assert "Langkah 4 selesai" in b.flash()
    b.sign_out()

    # Step 5: the Camat signs with the passphrase; a wrong one first, which changes nothing.
    b.sign_in_first_time("camat")
    assert "1" in b.driver.find_element(By.CSS_SELECTOR, ".counts li:nth-child(2) strong").text
    b.page("antrean-camat")
    b.go(f"/surat/{letter}")
    assert b.action_forms() == ["tandatangani"]
    b.fill("passphrase", "bukan-frasa-sandinya")
    b.click("form[action$='/tandatangani'] button[type=submit]")
    assert "Frasa sandi tanda tangan salah" in b.flash(), b.flash()
    assert office.journey(letter).state == g.JOURNEY_STATE_AWAITING_SIGNATURE
    b.page("tanda-tangan-gagal")
    b.fill("passphrase", CAMAT_PASSPHRASE)
    b.click("form[action$='/tandatangani'] button[type=submit]")
    assert "Langkah 5 selesai" in b.flash(), b.flash()
    b.go("/")
    b.phone("antrean-camat")
    b.sign_out()

    # Step 6: Ani registers; the number and the delivery states show.
    b.sign_in("ani", CHOSEN["ani"])
    b.go(f"/surat/{letter}")
    assert b.action_forms() == ["daftarkan"]
    b.click("form[action$='/daftarkan'] button[type=submit]")
    assert "Langkah 6 selesai" in b.flash(), b.flash()
    journey = office.journey(letter)
    assert journey.state == g.JOURNEY_STATE_COMPLETED
    assert journey.letter_number in b.text()
    assert "Pengiriman" in b.text()
    # The final PDF (registry-rendered, fetched in chunks, checked against its SHA-256) and the
    # KONSEP preview, both as the signed-in clerk.
    cookie = b.session_cookie()["value"]
    status, headers, _ = raw_bytes(cluster.base, f"/surat/{letter}/surat.pdf", cookie)
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert b.driver.find_elements(By.CSS_SELECTOR, f"a[href='/surat/{letter}/surat.pdf']")
    preview = b.driver.find_element(By.CSS_SELECTOR, "a[href*='pratinjau.pdf']").get_attribute("href")
    status, headers, body = raw_bytes(cluster.base, preview.replace(cluster.base, ""), cookie)
    assert status == 200 and body.startswith(b"%PDF")
    assert "baku" in b.text()
    b.page("surat-selesai")
    b.phone("surat-selesai")
    b.sign_out()


@pytest.mark.timeout(900)
def test_acting_official_bulk_signs_and_reports(web, browser):
    cluster, office = web
    b = browser
    g = office.g
    from google.protobuf.timestamp_pb2 import Timestamp
    until = Timestamp(seconds=int(time.time()) + 3600)
    # Two letters wait for a signature; the Camat is away and Sri is Plh Camat.
    letters = []
    for subject in ("Surat tugas pendataan (Plh)", "Pemberitahuan jadwal (Plh)"):
        letter = office.open(subject).letter_id
        office.assign(letter)
        office.draft(letter, subject=subject)
        for step in (office.paraf, office.approve, office.upload):
            step(letter)
        letters.append(letter)
    office.admin.CreateDelegation(g.CreateDelegationRequest(request_id="web-plh-sri", from_user_id="camat", to_user_id="sri",
                                                            kind="plh", valid_until=until), metadata=office.md("admin"))
    office.admin.GrantActing(g.GrantActingRequest(user_id="sri", role="camat", acting_for="camat", valid_until=until),
                             metadata=office.md("admin"))
    b.sign_in("sri", CHOSEN["sri"])
    assert "Plh/Plt" in b.text()
    for letter in letters:
        b.driver.find_element(By.ID, f"pilih-{letter}").click()
    b.fill("bulk_passphrase", SEKCAM_PASSPHRASE)
    b.page("plh-tanda-tangan-massal")
    b.click("form[action='/tandatangani'] button[type=submit]")
    assert "2 surat ditandatangani" in b.flash(), b.flash()
    for letter in letters:
        step5 = [s for s in office.journey(letter).steps if s.step == 5][0]
        assert step5.actor.id == "sri" and step5.actor.acting_for == "camat"
    b.go(f"/surat/{letters[0]}")
    assert "a.n. camat" in b.text()
    b.sign_out()
    b.sign_in("ani", CHOSEN["ani"])
    for letter in letters:
        b.go(f"/surat/{letter}")
        b.click("form[action$='/daftarkan'] button[type=submit]")
        assert "Langkah 6 selesai" in b.flash(), b.flash()

    # Agenda book with filters, CSV and the printable page.
    b.go("/agenda")
    assert "Undangan rapat koordinasi posyandu" in b.text() and "Surat tugas pendataan (Plh)" in b.text()
    b.page("buku-agenda")
    b.fill("q", "posyandu")
    b.click("form[action='/agenda'] button[type=submit]")
    rows = b.driver.find_elements(By.CSS_SELECTOR, "table tbody tr")
    assert len(rows) == 1 and "posyandu" in rows[0].text
    cookie = b.session_cookie()["value"]
    status, headers, csv = raw(cluster.base, "/agenda.csv?" + urllib.parse.urlencode({"year": time.gmtime().tm_year, "q": "Plh"}),
                               cookie=cookie)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert csv.count("\r\n") == 3 and "Surat tugas pendataan (Plh)" in csv and "posyandu" not in csv
    b.go("/agenda/cetak?year=%d" % time.gmtime().tm_year)
    assert "BUKU AGENDA SURAT KELUAR" in b.text()
    b.page("agenda-cetak")

    # SLA report with its SVG chart.
    b.go("/sla")
    assert b.driver.find_elements(By.CSS_SELECTOR, "svg.chart[role=img]")
    assert "konsep & paraf konseptor" in b.text()
    b.page("laporan-sla")
    b.go("/surat")
    b.page("semua-surat")
    b.sign_out()


@pytest.mark.timeout(900)
def test_forged_posts_are_refused_and_change_nothing(web, browser):
    cluster, office = web
    b = browser
    g = office.g
    letter = office.open("Surat untuk uji pemalsuan").letter_id
    for step in (office.assign, office.draft, office.paraf):
        step(letter)
    assert office.journey(letter).state == g.JOURNEY_STATE_IN_REVIEW

    # Each role sees only its action: the drafter is offered nothing at step 3, the Sekretaris is.
    b.sign_in("dedi", CHOSEN["dedi"])
    b.go(f"/surat/{letter}")
    assert b.action_forms() == []
    assert "Menunggu Sekretaris" in b.text()
    b.page("konseptor-melihat-langkah-3")
    dedi_cookie = b.session_cookie()["value"]
    dedi_csrf = b.csrf()
    before = office.journey(letter)

    # 1. A wrong CSRF token: refused before the gateway, nothing changes.
    status, _, body = raw(cluster.base, f"/surat/{letter}/setujui", {"csrf": "palsu", "request_id": uuid.uuid4().hex},
                          cookie=dedi_cookie)
    assert status == 403 and "Formulir tidak sah" in body
    # No CSRF token at all, and no session at all.
    assert raw(cluster.base, f"/surat/{letter}/kembalikan", {"notes": "x"}, cookie=dedi_cookie)[0] == 403
    assert raw(cluster.base, f"/surat/{letter}/setujui", {"csrf": dedi_csrf})[0] == 303
    # 2. Another role's action with a valid token: the gateway refuses; the page says whose step it is.
    status, headers, _ = raw(cluster.base, f"/surat/{letter}/setujui", {"csrf": dedi_csrf, "request_id": uuid.uuid4().hex},
                             cookie=dedi_cookie)
    assert status == 303
    b.go(f"/surat/{letter}")
    assert "bukan tugas Anda" in b.flash() and "Sekretaris" in b.flash()
    b.sign_out()
    # 3. A step out of order: the clerk tries to register a letter that is at step 3.
    b.sign_in("ani", CHOSEN["ani"])
    ani_cookie = b.session_cookie()["value"]
    b.go(f"/surat/{letter}")
    status, _, _ = raw(cluster.base, f"/surat/{letter}/daftarkan", {"csrf": b.csrf(), "request_id": uuid.uuid4().hex},
                       cookie=ani_cookie)
    assert status == 303
    b.go(f"/surat/{letter}")
    assert "langkah 3" in b.flash()
    # A forged admin action by a clerk.
    status, _, _ = raw(cluster.base, "/admin/pengguna", {"csrf": b.csrf(), "user_id": "penyusup", "name": "X", "role": "admin",
                                                         "password": "penyusup-12345"}, cookie=ani_cookie)
    assert status == 303
    users = office.admin.ListUsers(g.ListUsersRequest(), metadata=office.md("admin")).users
    assert "penyusup" not in [u.id for u in users]
    after = office.journey(letter)
    assert after.state == before.state == g.JOURNEY_STATE_IN_REVIEW
    assert len(after.steps) == len(before.steps) and list(after.returns) == list(before.returns)

    # Sign-out revokes the gateway session: the old cookie no longer opens a page.
    b.sign_out()
    assert raw(cluster.base, "/", cookie=ani_cookie)[0] == 303
    assert len(b.pages_checked) >= 15


@pytest.mark.timeout(300)
def test_cli_sign_in_with_a_password(web, tmp_path):
    """The same SignIn from the command line: an admin sets a first password, `surat login` prints a
    session token that only allows changing it, `surat password` changes it, then the token works."""
    import subprocess
    cluster, office = web
    surat = str(swift_bin("surat"))
    address = f"127.0.0.1:{cluster.ports['gateway']}"
    office.admin.CreateUser(office.g.CreateUserRequest(user_id="rudi", name="Rudi", role="drafter"), metadata=office.md("admin"))
    admin_token = tmp_path / "admin.token"
    admin_token.write_text(cluster.admin_token + "\n")
    first, second = tmp_path / "first.pw", tmp_path / "second.pw"
    first.write_text("Mulai-Tujuh-2026\n")
    second.write_text("Kantor-Baru-2026\n")

    def run(*args, **env):
        return subprocess.run([surat, *args, "--address", address], capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, **env))

    set_pw = run("admin", "user", "password", "rudi", "--token-file", str(admin_token), SURAT_PASSWORD_FILE=str(first))
    assert set_pw.returncode == 0, set_pw.stderr
    login = run("login", "rudi", SURAT_PASSWORD_FILE=str(first))
    assert login.returncode == 0 and "set by an admin" in login.stderr, login.stderr
    session = tmp_path / "rudi.token"
    session.write_text(login.stdout)
    assert "Mulai-Tujuh-2026" not in login.stdout + login.stderr
    blocked = run("queue", "--token-file", str(session))
    assert blocked.returncode == 5, blocked.stdout + blocked.stderr   # PERMISSION_DENIED until changed
    changed = run("password", "--token-file", str(session), SURAT_PASSWORD_FILE=str(first), SURAT_NEW_PASSWORD_FILE=str(second))
    assert changed.returncode == 0, changed.stderr
    assert run("queue", "--token-file", str(session)).returncode == 0
    assert run("login", "rudi", SURAT_PASSWORD_FILE=str(first)).returncode == 6   # the old password is gone


def test_no_secret_in_any_log(web):
    """After everything above: no password, passphrase or session token in surat-web's or the
    gateway's log (the tests ran every form that carries one)."""
    cluster, _ = web
    logs = "".join((cluster.root / f"{name}.log").read_text(errors="replace") for name in ("web", "gateway"))
    secrets_used = [*INITIAL.values(), *CHOSEN.values(), CAMAT_PASSPHRASE, SEKCAM_PASSPHRASE, "Mulai-Tujuh-2026", "Kantor-Baru-2026"]
    assert [s for s in secrets_used if s in logs] == []
    assert re.search(r"surat_[A-Za-z0-9_-]{43}", logs) is None   # no bearer token either
