"""The public verification site in a real browser (Debian's headless Chromium, driven by Selenium
through Debian's /usr/bin/chromedriver): all services as processes plus surat-verify with its own
read-only verifier credential; a letter through the six steps with the office seal configured on
the registry; pdfsig and pyHanko validate the registry's sealed final PDF and reject a tampered
copy; the QR code of the final PDF (zbarimg) opens the verification page, which says valid; the
upload form says valid for the original and not valid for the tampered copy; clear pages for an
unknown id, a non-PDF and an over-size upload; security headers; a Rahasia letter shows no
subject and offers no PDF. Screenshots go to Tests/python/artifacts/ (git-ignored; CI keeps them).
"""
import contextlib
import hashlib
import json
import shutil
import subprocess
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ServiceProcess, free_port, swift_bin
from seal_support import pdfsig_report, pdfsig_valid, pyhanko_valid, tampered_copies
from test_e2e_gateway import Office
from test_letter_pdf import BODY, LetterCluster, content, ok, profile_json, qr_codes, receipt_fields, surat

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MAX_UPLOAD = 512 * 1024
WAIT_SECONDS = 20   # every browser wait is bounded


class SealedCluster(LetterCluster):
    """The letter cluster with the office seal on the registry (a local office CA from `surat-letter seal init`)."""

    def __init__(self, root):
        subprocess.run([str(swift_bin("surat-letter")), "seal", "init", "--office", "Kecamatan Sooko", "-o", str(root / "seal")],
                       check=True, capture_output=True, timeout=120)
        super().__init__(root)

    def args(self, name, bootstrap=False):
        args = super().args(name, bootstrap)
        if name == "registry":
            args += ["--office-seal-certificate-path", self.root / "seal" / "office-seal.pem",
                     "--office-seal-key-path", self.root / "seal" / "office-seal.key"]
        return args


@contextlib.contextmanager
def sealed_site(root, protos, *verify_args):
    """A sealed cluster with the office profile set, the CLI's token files and config in `root`, and
    surat-verify (given `verify_args`) on it; yields ((cluster, office, root), surat-verify's base URL)."""
    cluster = SealedCluster(root)
    office = Office(cluster, protos)
    office.write_tokens(root)
    (root / "config.json").write_text(json.dumps({"address": f"127.0.0.1:{cluster.ports['gateway']}"}))
    (root / "verifier.token").write_text(cluster.verifier_token + "\n")
    port = free_port()
    verify = ServiceProcess([swift_bin("surat-verify"), "--port", port, "--registry-address", f"127.0.0.1:{cluster.ports['registry']}",
                             "--service-token-file", root / "verifier.token", "--office-ca-path", root / "seal" / "office-ca.pem",
                             *verify_args],
                            log_path=root / "verify.log")
    base = f"http://127.0.0.1:{port}"
    live = (cluster, office, root)
    try:
        (root / "profile.json").write_text(json.dumps(profile_json(base)))
        ok(surat(live, "admin", "admin", "office", "set", "--file", str(root / "profile.json"),
                 "--emblem", str(ROOT / "deploy/letter/sample-emblem.png")))
        yield live, base
    finally:
        verify.stop()
        office.channel.close()
        cluster.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory, protos):
    for tool in ("chromium", "chromedriver", "pdfsig", "zbarimg", "pdftoppm"):
        assert shutil.which(tool) or Path(f"/usr/bin/{tool}").exists(), f"{tool} missing (Tests/apt-packages.txt)"
    with sealed_site(tmp_path_factory.mktemp("verify"), protos, "--max-upload-bytes", MAX_UPLOAD, "--cache-seconds", "1") as site:
        yield site


def registered_letter(live, sifat, tmp_path):
    """A letter through the six steps, signed by the Camat; returns (number, receipt fields, final PDF path)."""
    _, office, _ = live
    letter_id = office.open("Undangan rapat koordinasi data desa").letter_id
    office.assign(letter_id)
    office.gateway.CreateDraft(office.g.CreateDraftRequest(
        request_id=uuid.uuid4().hex, letter_id=letter_id, content=content(office, getattr(office.letter, sifat), 1, BODY)),
        metadata=office.md("dedi"))
    office.paraf(letter_id)
    office.approve(letter_id)
    office.upload(letter_id)
    office.sign(letter_id)
    registered = office.register(letter_id)
    number = registered.journey.letter_number
    final = tmp_path / f"final-{sifat}.pdf"
    ok(surat(live, "ani", "letter", "pdf", number, "-o", str(final)))
    return number, receipt_fields(registered.registration), final


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=412,915"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    yield driver
    driver.quit()


def verdict(driver):
    return WebDriverWait(driver, WAIT_SECONDS).until(expected_conditions.visibility_of_element_located((By.ID, "verdict"))).text


def shot(driver, name):
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"verify-{name}.png"))


def upload(driver, base, path):
    driver.get(f"{base}/periksa")
    WebDriverWait(driver, WAIT_SECONDS).until(expected_conditions.presence_of_element_located((By.ID, "berkas")))
    driver.find_element(By.ID, "berkas").send_keys(str(path))
    driver.find_element(By.ID, "periksa").click()
    WebDriverWait(driver, WAIT_SECONDS).until(expected_conditions.url_to_be(f"{base}/periksa"))
    WebDriverWait(driver, WAIT_SECONDS).until(expected_conditions.title_contains("Hasil pemeriksaan"))
    return verdict(driver)


def http(url, data=None, headers=None):
    """(status, headers, body text) without following anything clever."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.headers, reply.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")


def multipart(field, filename, payload):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + payload + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def test_sealed_letter_verified_in_a_browser(site, browser, tmp_path):
    live, base = site
    _, _, root = live
    number, fields, final = registered_letter(live, "SIFAT_BIASA", tmp_path)
    ca = root / "seal" / "office-ca.pem"

    # The registry's final PDF carries the office seal: both independent tools accept it.
    data = final.read_bytes()
    assert hashlib.sha256(data).hexdigest() == fields["pdf-sha256"]
    assert pdfsig_valid(final), pdfsig_report(final)
    assert "Segel Elektronik Kecamatan Sooko" in pdfsig_report(final)
    assert pyhanko_valid(final, ca)
    tampered = None
    for label, changed in tampered_copies(data):
        copy = tmp_path / f"tampered-{abs(hash(label))}.pdf"
        copy.write_bytes(changed)
        assert not pdfsig_valid(copy), label
        assert not pyhanko_valid(copy, ca), label
        tampered = tampered or copy

    # The QR code leads to the verification page.
    urls = qr_codes(final, tmp_path)
    assert urls == [f"{base}/v/{fields['verification-id']}"]
    browser.get(urls[0])
    text = verdict(browser)
    assert text.startswith("SAH"), text
    assert browser.find_element(By.ID, "nomor").text == number
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "Undangan rapat koordinasi data desa" in page and "Bambang" in page and "CAMAT SOOKO" in page, page
    assert "Segel elektronik kantor pada PDF: sah" in page
    assert "Tanda tangan elektronik Camat: sah" in page and "Tanda terima registri (buku agenda): sah" in page
    assert "isi surat yang disetujui" in page and "seluruh berkas PDF final" in page
    shot(browser, "page")
    download = browser.find_element(By.LINK_TEXT, "Unduh PDF surat").get_attribute("href")
    status, headers, _ = http(download)
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    with urllib.request.urlopen(download, timeout=30) as reply:
        assert reply.read() == data

    # The upload check: the original is exactly the registered document, the tampered copy is not.
    text = upload(browser, base, final)
    assert text.startswith("SAH: berkas ini persis sama dengan dokumen terdaftar"), text
    shot(browser, "upload-original")
    text = upload(browser, base, tampered)
    assert text.startswith("TIDAK SAH: segel elektronik kantor tidak sah"), text
    shot(browser, "upload-tampered")
    not_pdf = tmp_path / "catatan.pdf"
    not_pdf.write_text("bukan PDF sama sekali")
    assert upload(browser, base, not_pdf) == "Berkas yang diunggah bukan PDF."
    unsealed = tmp_path / "unsealed.pdf"
    unsealed.write_bytes(data[:data.index(b"%%EOF") + 6])   # the renderer's output before the seal's update
    assert upload(browser, base, unsealed).startswith("TIDAK SAH: berkas ini tidak bersegel dan tidak terdaftar")

    # An unknown id gets a clear page.
    browser.get(f"{base}/v/{'Z' * 22}")
    assert "tidak dikenal" in verdict(browser)
    shot(browser, "unknown")


def test_bad_uploads_and_headers(site):
    _, base = site
    status, headers, body = http(f"{base}/periksa")
    assert status == 200 and "enctype=\"multipart/form-data\"" in body and "<script" not in body
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"] and "script-src" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    big, big_headers = multipart("berkas", "besar.pdf", b"%PDF-1.5\n" + b"0" * (MAX_UPLOAD + 4096))
    status, headers, body = http(f"{base}/periksa", big, big_headers)
    assert status == 413 and "Berkas terlalu besar" in body and headers["X-Frame-Options"] == "DENY"
    wrong, wrong_headers = multipart("lain", "x.pdf", b"%PDF-1.5\n")
    status, _, body = http(f"{base}/periksa", wrong, wrong_headers)
    assert status == 400 and "Unggahan tidak dapat dibaca" in body
    status, _, body = http(f"{base}/periksa", b"berkas=1", {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400 and "multipart/form-data" in body
    status, headers, body = http(f"{base}/v/<script>")
    assert status == 404 and "<script>" not in body and headers["X-Content-Type-Options"] == "nosniff"
    status, _, body = http(f"{base}/tidak-ada")
    assert status == 404 and "Halaman tidak ada" in body


def test_confidential_letter_shows_no_subject_and_no_pdf(site, tmp_path):
    live, base = site
    number, fields, final = registered_letter(live, "SIFAT_RAHASIA", tmp_path)
    status, _, body = http(f"{base}/v/{fields['verification-id']}")
    assert status == 200 and number in body and "Bambang" in body
    assert "Undangan rapat koordinasi data desa" not in body and "Unduh PDF" not in body
    assert "bersifat Rahasia" in body
    status, _, _ = http(f"{base}/v/{fields['verification-id']}/pdf")
    assert status == 403
    # The addressee's copy still checks out by upload: the digest is registered.
    payload, headers = multipart("berkas", "surat.pdf", final.read_bytes())
    status, _, body = http(f"{base}/periksa", payload, headers)
    assert status == 200 and "SAH: berkas ini persis sama" in body and "Undangan rapat" not in body
