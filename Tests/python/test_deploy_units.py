"""The shipped systemd units pass `systemd-analyze verify` (deploy/README.md installs them as they are).

verify needs the ExecStart executables and the system's own units (sysinit.target, ...): the test
lays out a throwaway root with both (the real built executables at /opt/surat/bin) and verifies the
units there, so nothing is installed on the machine. Warnings count as failures, because systemd
ignores a misspelt key or a bad value with only a warning and the service then runs without it.
"""
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, swift_bin

SERVICES = ("gateway", "drafting", "approval", "signing", "registry", "web")
UNITS = ROOT / "deploy" / "systemd"
SYSTEM_UNITS = [Path("/usr/lib/systemd/system"), Path("/lib/systemd/system")]


def make_root(tmp_path):
    root = tmp_path / "root"
    system = next((p for p in SYSTEM_UNITS if (p / "sysinit.target").exists()), None)
    if system is None:
        pytest.fail("systemd's own units are missing: install the Debian package systemd (Tests/apt-packages.txt)")
    shutil.copytree(system, root / "usr/lib/systemd/system", symlinks=True)
    (root / "opt/surat/bin").mkdir(parents=True)
    for service in SERVICES:
        shutil.copy2(swift_bin(f"surat-{service}"), root / "opt/surat/bin" / f"surat-{service}")
    (root / "etc/systemd/system").mkdir(parents=True)
    (root / "etc/surat").mkdir(parents=True)
    for unit in UNITS.glob("surat-*.service"):
        shutil.copy2(unit, root / "etc/systemd/system" / unit.name)
    return root


def verify(root, units):
    return subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={root}", *units],
                          capture_output=True, text=True, timeout=120)


def test_shipped_units_verify_clean(tmp_path):
    shipped = sorted(p.name for p in UNITS.glob("surat-*.service"))
    assert shipped == sorted(f"surat-{s}.service" for s in SERVICES)
    root = make_root(tmp_path)
    result = verify(root, shipped)
    assert result.returncode == 0 and result.stdout.strip() == "" and result.stderr.strip() == "", \
        f"rc={result.returncode}\n{result.stdout}\n{result.stderr}"
    for name in shipped:
        text = (UNITS / name).read_text()
        service = name.removeprefix("surat-").removesuffix(".service")
        # What deploy/README.md promises about every unit.
        assert "\nUser=surat\n" in text and "\nGroup=surat\n" in text
        assert f"\nExecStart=/opt/surat/bin/surat-{service} --config /etc/surat/{service}.json\n" in text
        assert f"\nStateDirectory=surat/{service}\n" in text and "\nStateDirectoryMode=0750\n" in text
        assert "\nLimitNOFILE=8192\n" in text
        assert "\nProtectSystem=strict\n" in text and "\nNoNewPrivileges=true\n" in text


@pytest.mark.parametrize("breakage", [
    ("StateDirectoryMode=0750", "StateDirectoryMode=07x50"),       # bad value: ignored with a warning
    ("LimitNOFILE=8192", "LimitNOFILES=8192"),                     # misspelt key: ignored with a warning
    ("ExecStart=/opt/surat/bin/surat-signing", "ExecStart=/opt/surat/bin/surat-signer"),   # no such program
])
def test_a_broken_unit_is_caught(tmp_path, breakage):
    """The check above can fail: the same verification flags a unit with one mistake in it."""
    root = make_root(tmp_path)
    unit = root / "etc/systemd/system/surat-signing.service"
    text = unit.read_text()
    assert breakage[0] in text
    unit.write_text(text.replace(breakage[0], breakage[1]))
    result = verify(root, ["surat-signing.service"])
    assert result.returncode != 0 or result.stderr.strip() != ""
