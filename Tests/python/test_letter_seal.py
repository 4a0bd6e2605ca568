"""The office seal (LetterSeal through `surat-letter seal`): a sealed final PDF is accepted by
poppler's pdfsig and by pyHanko with the office CA as trust root; one changed byte anywhere in
the signed ranges makes both say invalid; the same PDF and time seal to the same bytes; a PKCS#12
identity from a CA works like the PEM files; our own verifier agrees with both tools.
"""
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, swift_bin
from seal_support import pdfsig_report, pdfsig_valid, pyhanko_status, pyhanko_valid, tampered_copies

LETTER = ROOT / "deploy" / "letter"


def run(*args, check=True):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120, check=check)


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seal")
    tool = swift_bin("surat-letter")
    run(tool, "seal", "init", "--office", "Kecamatan Sooko", "-o", folder / "ca")
    run(tool, "render", "--profile", LETTER / "office-profile.json", "--letter", LETTER / "sample-letter.json",
        "-o", folder / "final.pdf")
    return folder


def seal(office, output, *identity):
    identity = identity or ("--certificate", office / "ca" / "office-seal.pem", "--key", office / "ca" / "office-seal.key")
    run(swift_bin("surat-letter"), "seal", "apply", *identity, "--time", "2026-11-28T02:15:00Z",
        office / "final.pdf", "-o", output)
    return output


def test_init_writes_keys_readable_by_owner_only(office):
    for name in ("office-ca.key", "office-seal.key"):
        assert (office / "ca" / name).stat().st_mode & 0o777 == 0o600
    with pytest.raises(subprocess.CalledProcessError) as refused:
        run(swift_bin("surat-letter"), "seal", "init", "--office", "X", "-o", office / "ca")
    assert "--force" in refused.value.stderr


def test_sealed_pdf_is_accepted_by_pdfsig_and_pyhanko(office):
    sealed = seal(office, office / "sealed.pdf")
    report = pdfsig_report(sealed)
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert "Signing Time: Nov 28 2026 02:15:00" in report
    assert pdfsig_valid(sealed), report
    status = pyhanko_status(sealed, office / "ca" / "office-ca.pem")
    assert status is not None and pyhanko_valid(sealed, office / "ca" / "office-ca.pem"), status and status.pretty_print_details()
    assert status.signing_cert.subject.native["common_name"] == "Segel Elektronik Kecamatan Sooko"
    assert status.modification_level.name == "NONE"
    # The document under the seal is the renderer's output, byte for byte.
    original = (office / "final.pdf").read_bytes()
    assert sealed.read_bytes().startswith(original)
    assert run("qpdf", "--check", sealed).returncode == 0
    ours = run(swift_bin("surat-letter"), "seal", "verify", "--ca", office / "ca" / "office-ca.pem", sealed)
    assert ours.stdout.startswith("valid: sealed by CN=Segel Elektronik Kecamatan Sooko")


def test_one_changed_byte_makes_both_tools_say_invalid(office):
    sealed = seal(office, office / "sealed.pdf").read_bytes()
    for label, changed in tampered_copies(sealed):
        copy = office / f"tampered-{label.strip('/').replace(' ', '-')}.pdf"
        copy.write_bytes(changed)
        assert not pdfsig_valid(copy), (label, pdfsig_report(copy))
        assert not pyhanko_valid(copy, office / "ca" / "office-ca.pem"), label
        ours = run(swift_bin("surat-letter"), "seal", "verify", "--ca", office / "ca" / "office-ca.pem", copy, check=False)
        assert ours.returncode == 1 and ours.stdout.startswith("not valid"), (label, ours.stdout)


def test_sealing_is_deterministic(office):
    first = seal(office, office / "first.pdf").read_bytes()
    second = seal(office, office / "second.pdf").read_bytes()
    assert first == second


def test_other_ca_and_unsealed_pdf_are_not_valid(office, tmp_path):
    run(swift_bin("surat-letter"), "seal", "init", "--office", "Kecamatan Lain", "-o", tmp_path / "other")
    sealed = seal(office, office / "sealed.pdf")
    assert not pyhanko_valid(sealed, tmp_path / "other" / "office-ca.pem")
    ours = run(swift_bin("surat-letter"), "seal", "verify", "--ca", tmp_path / "other" / "office-ca.pem", sealed, check=False)
    assert ours.returncode == 1
    plain = run(swift_bin("surat-letter"), "seal", "verify", "--ca", office / "ca" / "office-ca.pem", office / "final.pdf", check=False)
    assert plain.stdout.strip() == "not valid: no office seal"


def test_pkcs12_identity_seals_the_same_way(office, tmp_path):
    ca = office / "ca"
    (tmp_path / "pass").write_text("rahasia kantor\n")
    run("openssl", "pkcs12", "-export", "-inkey", ca / "office-seal.key", "-in", ca / "office-seal.pem",
        "-passout", "pass:rahasia kantor", "-out", tmp_path / "seal.p12")
    sealed = seal(office, tmp_path / "p12.pdf", "--pkcs12", tmp_path / "seal.p12", "--pkcs12-passphrase", tmp_path / "pass")
    assert pdfsig_valid(sealed) and pyhanko_valid(sealed, ca / "office-ca.pem")
    assert sealed.read_bytes() == seal(office, tmp_path / "pem.pdf").read_bytes()
    (tmp_path / "wrong").write_text("salah\n")
    refused = run(swift_bin("surat-letter"), "seal", "apply", "--pkcs12", tmp_path / "seal.p12", "--pkcs12-passphrase",
                  tmp_path / "wrong", office / "final.pdf", "-o", tmp_path / "x.pdf", check=False)
    assert refused.returncode != 0 and "passphrase" in refused.stderr
