"""Helpers for the deployment tests, which follow deploy/README.md as district IT would: system users
the services and the CLI run as, executables such a user can reach, the README's own command blocks
(`<!-- recipe:NAME -->` before a fenced block) run against a throwaway root folder, and network
namespaces standing in for hosts. Everything here needs root (CI runs as root) and cleans up after
itself."""
import grp
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from conftest import ROOT, ServiceProcess, swift_bin

README = ROOT / "deploy" / "README.md"
SERVICES = ("drafting", "approval", "signing", "registry", "gateway")   # start order: backends first
EXECUTABLES = tuple(f"surat-{s}" for s in SERVICES) + ("surat",)
PORTS = {"gateway": 7400, "drafting": 7401, "approval": 7402, "signing": 7403, "registry": 7404}
# useradd, ip and setpriv live in /usr/sbin, which a CI shell's PATH need not hold.
for _folder in ("/usr/sbin", "/sbin"):
    if _folder not in os.environ.get("PATH", "").split(":"):
        os.environ["PATH"] = os.environ.get("PATH", "/usr/bin:/bin") + ":" + _folder
HEALTH_NAMES = {"gateway": "surat.gateway.v1.Gateway", "drafting": "surat.drafting.v1.Drafting",
                "approval": "surat.approval.v1.Approval", "signing": "surat.signing.v1.Signing",
                "registry": "surat.registry.v1.Registry"}


def require_root():
    if os.geteuid() != 0:
        pytest.skip("deployment tests create users and network namespaces: run them as root (CI does)")


def short_id() -> str:
    return uuid.uuid4().hex[:6]


def world_folder(prefix: str) -> Path:
    """A temporary folder every user can traverse (pytest's tmp_path lives under a root-only folder)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    folder.chmod(0o755)
    return folder


def run(argv, timeout=120, check=True, **kwargs):
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, argv))} exited {result.returncode}\n"
                             f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


class SystemUser:
    """An unprivileged system account, as `useradd --system` makes it. `existing=True` wraps one that
    something else (a README recipe) created; `remove()` deletes it either way."""

    def __init__(self, name: str, create: bool = True):
        self.name = name
        if create:
            run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                 "--shell", "/usr/sbin/nologin", name])
        entry = pwd.getpwnam(name)
        self.uid, self.gid = entry.pw_uid, entry.pw_gid
        assert self.uid != 0 and self.gid != 0

    def argv(self, command):
        """`command` run as this user with only its own groups (what systemd's User= does)."""
        return ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--init-groups", "--", *map(str, command)]

    def give(self, path: Path, mode: int):
        os.chown(path, self.uid, self.gid)
        path.chmod(mode)

    def remove(self):
        remove_account(self.name)


def remove_account(name: str):
    """Deletes a user and its group when they exist (also after a half-finished setup)."""
    subprocess.run(["userdel", name], capture_output=True, timeout=60)
    try:
        grp.getgrnam(name)
        subprocess.run(["groupdel", name], capture_output=True, timeout=60)
    except KeyError:
        pass


def copy_executables(folder: Path, names=EXECUTABLES) -> Path:
    """Copies of the built executables in a folder any user can run them from (mode 755)."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    for name in names:
        shutil.copy2(swift_bin(name), folder / name)
        (folder / name).chmod(0o755)
    return folder


def recipe(name: str) -> str:
    """The shell (or JSON) block that deploy/README.md marks `<!-- recipe:NAME -->`, unindented."""
    text = README.read_text()
    match = re.search(r"<!-- recipe:" + re.escape(name) + r" -->\n( *)```\w*\n(.*?)\n *```", text, re.S)
    assert match, f"deploy/README.md has no block marked recipe:{name}"
    indent = match.group(1)
    return "\n".join(line[len(indent):] if line.startswith(indent) else line
                     for line in match.group(2).split("\n"))


class Host:
    """One machine's file system as a folder: /etc/surat, /opt/surat, /var/lib/surat and /root live
    under `root`; `localize` points the README's absolute paths and the account name there."""

    def __init__(self, root: Path, user_name: str, build: Path, addresses=()):
        self.root = root
        self.user_name = user_name
        self.build = build
        self.addresses = dict(addresses)
        for sub in ("etc", "opt", "var/lib", "root"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        for folder in (root, root / "etc", root / "opt", root / "var", root / "var/lib"):
            folder.chmod(0o755)
        (root / "root").chmod(0o700)

    def path(self, absolute: str) -> Path:
        return self.root / absolute.lstrip("/")

    def localize(self, text: str) -> str:
        for absolute in ("/etc/surat", "/opt/surat", "/var/lib/surat", "/root/surat-ca", "/root/admin.token"):
            text = text.replace(absolute, str(self.path(absolute)))
        text = text.replace(".build/release/", f"{self.build}/")
        text = text.replace("root:surat", f"root:{self.user_name}").replace("-g surat ", f"-g {self.user_name} ")
        text = text.replace("runuser -u surat ", f"runuser -u {self.user_name} ")
        text = re.sub(r"^(useradd .*) surat$", rf"\1 {self.user_name}", text, flags=re.M)
        for old, new in self.addresses.items():
            text = text.replace(old, new)
        return text

    def script(self, names, cwd: Path, skip_lines=()) -> str:
        """The named README blocks as one bash script; each block starts in `cwd` like a fresh paste."""
        parts = ["set -euo pipefail"]
        for name in names:
            lines = [line for line in recipe(name).split("\n") if not any(s in line for s in skip_lines)]
            parts += [f"cd {cwd}", self.localize("\n".join(lines))]
        return "\n".join(parts) + "\n"


def unit_command(service: str, host: Host):
    """ExecStart, StateDirectory, StateDirectoryMode and UMask of the shipped unit, paths localized."""
    settings = {}
    for line in (ROOT / "deploy/systemd" / f"surat-{service}.service").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings[key] = value
    assert settings["User"] == "surat" and settings["Group"] == "surat"
    return (host.localize(settings["ExecStart"]).split(), settings["StateDirectory"],
            int(settings["StateDirectoryMode"], 8), int(settings["UMask"], 8))


def start_unit(service: str, host: Host, user: SystemUser, log: Path, netns=None, timeout=90.0) -> ServiceProcess:
    """Starts a service as its systemd unit would: the unit's ExecStart as the service account, with
    the unit's umask, after making its StateDirectory (owned by the account, the unit's mode)."""
    command, state_directory, state_mode, umask = unit_command(service, host)
    state = host.path("/var/lib/" + state_directory)
    state.mkdir(parents=True, exist_ok=True)
    user.give(state, state_mode)
    argv = user.argv(["sh", "-c", f"umask {umask:04o} && exec \"$@\"", "sh", *command])
    if netns:
        argv = netns.argv(argv)
    return ServiceProcess(argv, env={"HOME": "/nonexistent"}, log_path=log, timeout=timeout)


def process_uid(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid in /proc/{pid}/status")


def owner_and_mode(path: Path):
    st = path.stat()
    return pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name, st.st_mode & 0o777


class Netns:
    """A network namespace standing for one host; `hosts` entries become its /etc/hosts (through
    /etc/netns/NAME/hosts, which `ip netns exec` mounts over /etc/hosts)."""

    def __init__(self, name: str, hosts: str = ""):
        self.name = name
        run(["ip", "netns", "add", name])
        run(["ip", "-n", name, "link", "set", "lo", "up"])
        self.etc = Path("/etc/netns") / name
        if hosts:
            self.etc.mkdir(parents=True, exist_ok=True)
            (self.etc / "hosts").write_text("127.0.0.1 localhost\n" + hosts)

    def argv(self, command):
        return ["ip", "netns", "exec", self.name, *map(str, command)]

    def delete(self):
        subprocess.run(["ip", "netns", "pids", self.name], capture_output=True, timeout=30)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=30)
        shutil.rmtree(self.etc, ignore_errors=True)
