"""The letter in the journey, against the five live services: the office profile set with
`surat admin office set`, a KONSEP preview at step 2 (`surat letter preview`: no number, no QR),
the final PDF of step 6 (`surat letter pdf`): every part in order in `pdftotext -layout`, the QR
decoded by `zbarimg` to <base>/v/<verification_id>, `qpdf --check`, its SHA-256 sealed in the v2
receipt; 1 and 40 addressees, every sifat, a Plh. signature; the registry's verifier methods with
a read-only `verifier` service credential."""
import hashlib
import json
import re
import secrets
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import grpc
import pytest

from conftest import swift_bin
from test_e2e_gateway import SEKCAM_PASSPHRASE, Cluster, Office

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ["pdftotext", "zbarimg", "qpdf", "pdftoppm"]


class LetterCluster(Cluster):
    """The usual cluster, plus a read-only verifier credential on the registry (as surat-verify has)."""

    def __init__(self, root):
        self.verifier_token = secrets.token_urlsafe(32)
        super().__init__(root)

    def args(self, name, bootstrap=False):
        args = super().args(name, bootstrap)
        if name == "registry":
            index = args.index("--service-tokens") + 1
            digest = hashlib.sha256(self.verifier_token.encode()).hexdigest()
            args[index] = f"{args[index]},surat-verify:{digest}:verifier"
        return args


def profile_json(base_url):
    """The sample office profile with this office's signer ids (the gateway user ids)."""
    profile = json.loads((ROOT / "deploy/letter/office-profile.json").read_text())
    profile["signers"] = [
        {"id": "camat", "name": "Drs. Bambang Wahyudi, M.Si.", "nip": "197201011998031005",
         "rank": "Pembina Tk. I", "grade": "IV/b", "positionID": "camat"},
        {"id": "sri", "name": "Siti Nur'aini, S.Sos., M.M.", "nip": "198003152005012010",
         "rank": "Pembina", "grade": "IV/a", "positionID": "sekcam"},
    ]
    profile["verificationBaseURL"] = base_url
    return profile


BASE_URL = "https://verifikasi.sooko.example.test"


@pytest.fixture(scope="module")
def live(tmp_path_factory, protos):
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    assert not missing, f"install {missing} (Tests/apt-packages.txt: poppler-utils, zbar-tools, qpdf)"
    root = tmp_path_factory.mktemp("letter")
    cluster = LetterCluster(root)
    office = Office(cluster, protos)
    office.write_tokens(root)
    (root / "config.json").write_text(json.dumps({"address": f"127.0.0.1:{cluster.ports['gateway']}"}))
    yield cluster, office, root
    office.channel.close()
    cluster.close()


def surat(live, user, *args):
    _, _, root = live
    env = {"PATH": "/usr/bin:/bin", "HOME": str(root), "SURAT_TOKEN_FILE": str(root / f"{user}.token"),
           "SURAT_CONFIG": str(root / "config.json")}
    return subprocess.run([str(swift_bin("surat")), *args], env=env, capture_output=True, text=True, timeout=120)


def ok(result):
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout + result.stderr


def pdftotext(path):
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def qr_codes(path, workdir):
    """Every QR code zbarimg finds on any page at 150 dpi (zbarimg exits 4 when it finds none)."""
    prefix = workdir / (path.stem + "-page")
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(path), str(prefix)], check=True)
    found = []
    for page in sorted(workdir.glob(prefix.name + "*.png")):
        result = subprocess.run(["zbarimg", "--quiet", "--raw", str(page)], capture_output=True, text=True)
        assert result.returncode in (0, 4), result.stderr
        found += [line for line in result.stdout.splitlines() if line]
    return found


def in_order(text, parts):
    """Each part appears after the previous one (whitespace-insensitive within a part)."""
    flat = re.sub(r"\s+", " ", text)
    position = 0
    for part in parts:
        index = flat.find(part, position)
        assert index >= 0, f"{part!r} not found after position {position} in:\n{text}"
        position = index + len(part)


def set_profile(live):
    _, _, root = live
    (root / "profile.json").write_text(json.dumps(profile_json(BASE_URL)))
    out = ok(surat(live, "admin", "admin", "office", "set", "--file", str(root / "profile.json"),
                   "--emblem", str(ROOT / "deploy/letter/sample-emblem.png")))
    assert "office profile version" in out


def test_profile_is_validated_versioned_and_admin_only(live):
    _, _, root = live
    bad = profile_json(BASE_URL)
    bad["kop"]["unitLine"] = ["typo"]
    (root / "bad.json").write_text(json.dumps(bad))
    refused = surat(live, "admin", "admin", "office", "set", "--file", str(root / "bad.json"))
    assert refused.returncode == 65 and "profile.kop.unitLine" in refused.stderr, refused.stderr
    no_url = profile_json("")
    (root / "no-url.json").write_text(json.dumps(no_url))
    refused = surat(live, "admin", "admin", "office", "set", "--file", str(root / "no-url.json"))
    assert refused.returncode == 65 and "verificationBaseURL" in refused.stderr, refused.stderr
    assert surat(live, "ani", "admin", "office", "show").returncode == 5
    set_profile(live)
    shown = surat(live, "admin", "admin", "office", "show", "--json")
    assert shown.returncode == 0, shown.stderr
    version = int(json.loads(shown.stdout)["version"])
    assert version >= 1
    assert ok(surat(live, "admin", "admin", "office", "emblem", "--file",
                    str(ROOT / "deploy/letter/sample-emblem.png"))).count(f"version {version + 1}") == 1
    stale = surat(live, "admin", "admin", "office", "set", "--file", str(root / "profile.json"),
                  "--expected-version", str(version))
    assert stale.returncode == 3 and "expected_version" in stale.stderr, stale.stderr


def content(office, sifat, addressees, body):
    L = office.letter
    return L.LetterContent(
        type=L.LETTER_TYPE_UNDANGAN, classification_code="005", subject="Undangan rapat koordinasi data desa",
        body=body, sifat=sifat, urgency=L.URGENCY_SEGERA,
        addressees=[L.Addressee(name=f"Kepala Desa Nomor {i + 1}", kind=L.ADDRESSEE_KIND_DESA, address="di Tempat")
                    for i in range(addressees)],
        tembusan=["Bupati Mojokerto (sebagai laporan)"], drafting_unit="Seksi Pemerintahan", place="Sooko")


BODY = ("Dengan hormat, bersama ini kami mengundang Saudara untuk hadir pada:\n\n"
        "| hari : Senin\n| tempat : Pendopo Kecamatan Sooko\n\n"
        "1. membawa data penduduk;\n2. hadir tepat waktu.\n\n"
        "Demikian atas perhatian Saudara, kami sampaikan **terima kasih**.")


def receipt_fields(registration):
    text = registration.receipt[:-64].decode()
    lines = text.split("\n")
    assert lines[0] == "surat-registry-receipt/v2" and lines[-1] == "", text
    return dict(line.split("=", 1) for line in lines[1:-1])


CASES = [  # (sifat, addressees, signed by)
    ("SIFAT_BIASA", 1, "camat"),
    ("SIFAT_TERBATAS", 40, "plh"),
    ("SIFAT_RAHASIA", 1, "camat"),
    ("SIFAT_SANGAT_RAHASIA", 3, "plt"),
]


@pytest.mark.parametrize("sifat,addressees,signer", CASES)
def test_letter_preview_then_final_pdf(live, tmp_path, sifat, addressees, signer):
    cluster, office, root = live
    g = office.g
    set_profile(live)
    letter_id = office.open("Undangan rapat koordinasi data desa").letter_id
    office.assign(letter_id)
    office.gateway.CreateDraft(g.CreateDraftRequest(request_id=uuid.uuid4().hex, letter_id=letter_id,
                                                    content=content(office, getattr(office.letter, sifat), addressees, BODY)),
                               metadata=office.md("dedi"))

    # Step 2: the drafter previews the draft: KONSEP, no number, no QR code.
    preview = tmp_path / "preview.pdf"
    ok(surat(live, "dedi", "letter", "preview", letter_id, "-o", str(preview)))
    text = pdftotext(preview)
    assert "KONSEP" in text and "Undangan rapat koordinasi data desa" in text
    assert not re.search(r"005/\d+/416-313", text)
    assert qr_codes(preview, tmp_path) == []
    assert subprocess.run(["qpdf", "--check", str(preview)], capture_output=True).returncode == 0

    office.paraf(letter_id)
    office.approve(letter_id)
    office.upload(letter_id)
    grant = None
    if signer == "camat":
        office.sign(letter_id)
        name, position = "Drs. Bambang Wahyudi, M.Si.", "CAMAT SOOKO"
    else:
        from google.protobuf.timestamp_pb2 import Timestamp
        until = Timestamp(seconds=int(time.time()) + 3600)
        office.admin.CreateDelegation(g.CreateDelegationRequest(request_id=f"{signer}-sri-{letter_id}", from_user_id="camat",
                                                                to_user_id="sri", kind=signer, valid_until=until),
                                      metadata=office.md("admin"))
        grant = office.admin.GrantActing(g.GrantActingRequest(user_id="sri", role="camat", acting_for="camat",
                                                              valid_until=until), metadata=office.md("admin"))
        office.gateway.Sign(g.SignRequest(request_id=uuid.uuid4().hex, letter_id=letter_id, passphrase=SEKCAM_PASSPHRASE),
                            metadata=office.md("sri"))
        name, position = "Siti Nur'aini, S.Sos., M.M.", ("Plh." if signer == "plh" else "Plt.") + " CAMAT SOOKO"
    try:
        registered = office.register(letter_id)
    finally:
        if grant is not None:
            office.admin.EndActing(g.EndActingRequest(grant_id=grant.id), metadata=office.md("admin"))
    number = registered.journey.letter_number
    fields = receipt_fields(registered.registration)
    assert fields["number"] == number

    # Step 6 done: the clerk downloads the final PDF.
    final = tmp_path / "final.pdf"
    out = ok(surat(live, "ani", "letter", "pdf", number, "-o", str(final)))
    assert number in out
    data = final.read_bytes()
    assert hashlib.sha256(data).hexdigest() == fields["pdf-sha256"]
    assert subprocess.run(["qpdf", "--check", str(final)], capture_output=True).returncode == 0
    text = pdftotext(final)
    assert "KONSEP" not in text
    sifat_words = {"SIFAT_BIASA": "Biasa", "SIFAT_TERBATAS": "Terbatas", "SIFAT_RAHASIA": "Rahasia",
                   "SIFAT_SANGAT_RAHASIA": "Sangat Rahasia"}
    yth = "Yth. Kepala Desa Nomor 1" if addressees == 1 else "Yth."
    in_order(text, ["PEMERINTAH KABUPATEN MOJOKERTO", "KECAMATAN SOOKO", "Jalan Raya Sooko", number,
                    sifat_words[sifat], "Undangan rapat koordinasi data desa", yth, "bersama ini kami mengundang",
                    "terima kasih", position, name, "NIP. 19", "Tembusan", "Bupati Mojokerto"])
    if addressees > 5:   # the addressee list page
        in_order(text, ["DAFTAR PENERIMA SURAT", "Kepala Desa Nomor 1", "Kepala Desa Nomor 40"])
    assert qr_codes(final, tmp_path) == [f"{BASE_URL}/v/{fields['verification-id']}"]
    assert fields["verification-id"] != letter_id and letter_id not in fields["verification-id"]

    # The public side, with the read-only verifier credential.
    from surat.registry.v1 import registry_pb2, registry_pb2_grpc
    with grpc.insecure_channel(f"127.0.0.1:{cluster.ports['registry']}") as channel:
        registry = registry_pb2_grpc.RegistryStub(channel)
        verifier = [("authorization", f"Bearer {cluster.verifier_token}")]
        record = registry.GetPublicRecord(registry_pb2.GetPublicRecordRequest(verification_id=fields["verification-id"]),
                                          metadata=verifier)
        confidential = sifat in ("SIFAT_RAHASIA", "SIFAT_SANGAT_RAHASIA")
        assert record.number == number and record.signature_valid and record.receipt_valid and not record.cancelled
        assert record.subject == ("" if confidential else "Undangan rapat koordinasi data desa")
        assert record.pdf_sha256.hex() == fields["pdf-sha256"] and record.pdf_size == len(data)
        assert record.pdf_downloadable == (not confidential)
        assert record.signer_position == position
        found = registry.FindByPDFDigest(registry_pb2.FindByPDFDigestRequest(sha256=hashlib.sha256(data).digest()),
                                         metadata=verifier)
        assert found.verification_id == fields["verification-id"]
        if confidential:
            with pytest.raises(grpc.RpcError) as denied:
                registry.GetLetterPDF(registry_pb2.GetLetterPDFRequest(verification_id=fields["verification-id"]),
                                      metadata=verifier)
            assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
        else:
            chunks, offset = [], 0
            while True:   # small chunks: the paging works for any size
                chunk = registry.GetLetterPDF(registry_pb2.GetLetterPDFRequest(
                    verification_id=fields["verification-id"], offset=offset, max_bytes=7000), metadata=verifier)
                assert len(chunk.data) <= 7000 and chunk.total_size == len(data)
                chunks.append(chunk.data)
                offset += len(chunk.data)
                if offset == chunk.total_size:
                    break
            assert b"".join(chunks) == data
        with pytest.raises(grpc.RpcError) as denied:
            registry.ListAgenda(registry_pb2.ListAgendaRequest(), metadata=verifier)
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(grpc.RpcError) as missing:
            registry.GetPublicRecord(registry_pb2.GetPublicRecordRequest(verification_id="A" * 22), metadata=verifier)
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND
