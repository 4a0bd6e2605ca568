"""deploy/README.md "A real host", followed word for word on a simulated host: the README's own command
blocks (binaries, the `surat` account, the office CA and the gateway's certificate, tokens, configs,
the first admin, the health checks) run as root against a throwaway root folder inside a network
namespace of its own; every service runs as the unprivileged account the way its shipped systemd
unit says (ExecStart, User=, StateDirectory=, UMask=); a staff member's own unprivileged account
then drives one letter through all six SOP steps with the `surat` CLI over TLS
(deploy/run-demo --against-running)."""
import json
import re
import shutil
import subprocess

import pytest

from conftest import ROOT
from deploy_support import (HEALTH_NAMES, SERVICES, Host, Netns, SystemUser, copy_executables, owner_and_mode,
                            process_uid, remove_account, require_root, run, short_id, start_unit, world_folder)


def make_kit(folder, host):
    """The unpacked source folder the README's commands run in: deploy/ with configs whose paths
    point into the simulated host."""
    kit = folder / "kit"
    shutil.copytree(ROOT / "deploy", kit / "deploy")
    for config in (kit / "deploy/config").glob("*.json"):
        config.write_text(host.localize(config.read_text()))
    return kit


@pytest.mark.timeout(900)
def test_real_host_as_the_readme_says():
    require_root()
    tag = short_id()
    folder = world_folder("surat-host-")
    account = f"srh{tag}"
    netns = Netns(f"surat-host-{tag}")
    processes = {}
    service_user = staff = None
    try:
        build = copy_executables(folder / "build")
        host = Host(folder / "host", account, build)
        kit = make_kit(folder, host)
        script = host.script(["binaries", "user", "ca", "single-host-cert", "tokens", "configs"], kit)
        setup = run(["bash", "-c", script], cwd=kit, timeout=300, check=False)
        try:
            service_user = SystemUser(account, create=False)
        except KeyError:
            pass
        assert setup.returncode == 0, setup.stdout + setup.stderr

        # What the README's table promises, file by file.
        etc = host.path("/etc/surat")
        expect = {etc: ("root", account, 0o750), etc / "secrets": ("root", account, 0o750),
                  etc / "tls": ("root", account, 0o750), etc / "tls/ca.crt": ("root", account, 0o644),
                  etc / "tls/gateway.crt": ("root", account, 0o644), etc / "tls/gateway.key": ("root", account, 0o640),
                  host.path("/root/surat-ca"): ("root", "root", 0o700)}
        for service in SERVICES:
            expect[etc / f"{service}.json"] = ("root", account, 0o640)
        for caller in ("gateway", "registry"):
            expect[etc / f"secrets/{caller}.token"] = ("root", account, 0o640)
        for name in ("surat-gateway", "surat"):
            expect[host.path(f"/opt/surat/bin/{name}")] = ("root", "root", 0o755)
        assert {path: owner_and_mode(path) for path in expect} == expect
        for service in SERVICES:
            config = json.loads((etc / f"{service}.json").read_text())
            assert "REPLACE_WITH" not in json.dumps(config), service
            for entry in config.get("serviceTokens", []):
                assert re.fullmatch(r"(gateway|registry):[0-9a-f]{64}", entry), entry

        # systemd's part: each unit's ExecStart as the account, backends first.
        for service in SERVICES:
            processes[service] = start_unit(service, host, service_user, folder / f"{service}.log", netns=netns)
        for service, process in processes.items():
            assert process_uid(process.proc.pid) == service_user.uid, service
            state = host.path(f"/var/lib/surat/{service}")
            assert owner_and_mode(state) == (account, account, 0o750)
            assert owner_and_mode(state / f"{service}.sqlite")[:2] == (account, account)
        assert owner_and_mode(host.path("/var/lib/surat/registry/registry-receipt.key"))[:2] == (account, account)

        # Step 7 and 8 as root on the server: the first admin, `surat whoami` and every health check over
        # the README's variables (TLS to the gateway, plaintext to the backends on loopback).
        admin = run(netns.argv(["bash", "-c", host.script(["admin", "check"], kit)]), cwd=kit, timeout=300,
                    check=False, env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": str(host.path("/root"))})
        assert admin.returncode == 0, admin.stdout + admin.stderr
        assert admin.stdout.count("SERVING") == 5 and "admin" in admin.stdout, admin.stdout

        # A staff member's own account (not the service account, no access to /etc/surat) with a copy
        # of the CA certificate and the admin token, as step 9 gives them.
        staff = SystemUser(f"srs{tag}")
        home = folder / "staff"
        home.mkdir()
        staff.give(home, 0o700)
        for name, source in (("ca.crt", etc / "tls/ca.crt"), ("admin.token", host.path("/root/admin.token"))):
            shutil.copy(source, home / name)
            staff.give(home / name, 0o600)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "SURAT_ADDRESS": "localhost:7400",
               "SURAT_CA_FILE": str(home / "ca.crt"), "SURAT_ADMIN_TOKEN_FILE": str(home / "admin.token"),
               "SURAT_BIN_DIR": str(host.path("/opt/surat/bin")), "SURAT_DATA_DIR": str(home / "demo-data")}
        denied = run(netns.argv(staff.argv(["cat", etc / "gateway.json"])), check=False, env=env)
        assert denied.returncode != 0   # the configs are the service account's to read, not everyone's
        demo = run(netns.argv(staff.argv([kit / "deploy/run-demo", "--against-running"])), cwd=home,
                   env=env, timeout=600, check=False)
        assert demo.returncode == 0, demo.stdout + demo.stderr
        for step in range(1, 7):
            assert f"  step {step}  " in demo.stdout, demo.stdout
        assert re.search(r"went through all six steps as 005/\d+/416-313/\d{4}", demo.stdout), demo.stdout

        for service in reversed(SERVICES):
            assert processes.pop(service).stop() == 0, (folder / f"{service}.log").read_text()
    finally:
        for process in processes.values():
            process.stop()
        netns.delete()
        if staff:
            staff.remove()
        remove_account(account)   # made by the README's useradd line
        subprocess.run(["rm", "-rf", str(folder)], timeout=120)
