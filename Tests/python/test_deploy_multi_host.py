"""deploy/README.md "Several hosts", followed on simulated hosts: one network namespace per service
host plus a staff PC, joined by a bridge in a namespace of its own (10.77.0.0/24 exists only inside
these namespaces), names in each namespace's /etc/hosts. The README's own blocks make the office CA,
every host's certificate, the tokens, the configs and their multi-host keys; every service runs as
the unprivileged account its unit names, with TLS everywhere and client certificates required by
every backend. From the staff PC, a staff member's account drives one letter through all six steps
with the `surat` CLI; a plaintext client and a caller without a client certificate are refused with
messages that say so; the registry host hangs and dies with step 6 in flight and is restarted, and
the step completes when retried with the same request id, with the next number (no gap, no duplicate)."""
import json
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from conftest import ROOT
from deploy_support import (HEALTH_NAMES, Host, Netns, SystemUser, copy_executables, process_uid, recipe,
                            remove_account, require_root, run, short_id, start_unit, world_folder)

# The README's example network, and where the test puts it.
HOSTS = {"gateway": ("gw", "surat.sooko.lan", 10), "drafting": ("dr", "drafting.sooko.lan", 11),
         "approval": ("ap", "approval.sooko.lan", 12), "signing": ("sg", "signing.sooko.lan", 13),
         "registry": ("rg", "registry.sooko.lan", 14)}
STAFF_PC = ("pc", 50)
SUBNET = "10.77.0."
BACKENDS = ("drafting", "approval", "signing", "registry")


def hosts_file():
    return "".join(f"{SUBNET}{octet} {name}\n" for _, name, octet in HOSTS.values())


class Network:
    """A switch namespace with a bridge, and one namespace per host wired to it by a veth pair."""

    def __init__(self, tag):
        self.switch = Netns(f"sm{tag}-sw")
        self.hosts = {}
        run(["ip", "-n", self.switch.name, "link", "add", "br0", "type", "bridge"])
        run(["ip", "-n", self.switch.name, "link", "set", "br0", "up"])

    def add(self, tag, short, octet):
        ns = Netns(f"sm{tag}-{short}", hosts=hosts_file())
        self.hosts[short] = ns
        port = f"p{short}"
        run(["ip", "-n", self.switch.name, "link", "add", port, "type", "veth", "peer", "name", "eth0",
             "netns", ns.name])
        run(["ip", "-n", self.switch.name, "link", "set", port, "master", "br0", "up"])
        run(["ip", "-n", ns.name, "addr", "add", f"{SUBNET}{octet}/24", "dev", "eth0"])
        run(["ip", "-n", ns.name, "link", "set", "eth0", "up"])
        return ns

    def delete(self):
        for ns in self.hosts.values():
            ns.delete()
        self.switch.delete()


def install_file(source, target, group_gid, mode):
    shutil.copy(source, target)
    os.chown(target, 0, group_gid)
    os.chmod(target, mode)


def unread_bytes(ns, port):
    """Bytes waiting unread in the receive queues of the connections to `port` inside `ns`."""
    listing = run(ns.argv(["ss", "-Htn", "state", "established", f"( sport = :{port} )"])).stdout
    return sum(int(line.split()[0]) for line in listing.splitlines() if line.strip())


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def cli(staff, ns, home, bin_dir, *args, token=None, env_extra=None, timeout=120):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "SURAT_ADDRESS": "surat.sooko.lan:7400",
           "SURAT_CA_FILE": str(home / "ca.crt")}
    if token:
        env["SURAT_TOKEN_FILE"] = str(home / "demo-data/demo" / f"{token}.token")
    env.update(env_extra or {})
    env = {k: v for k, v in env.items() if v is not None}
    return run(ns.argv(staff.argv([bin_dir / "surat", *args])), env=env, check=False, timeout=timeout)


@pytest.mark.timeout(1200)
def test_several_hosts_as_the_readme_says():
    require_root()
    tag = short_id()
    folder = world_folder("surat-hosts-")
    account = f"smh{tag}"
    network = Network(tag)
    processes = {}
    staff = None
    try:
        build = copy_executables(folder / "build")
        addresses = {"192.168.10.": SUBNET}
        hosts = {service: Host(folder / "hosts" / service, account, build, addresses) for service in HOSTS}
        server = hosts["gateway"]
        ca_machine = Host(folder / "hosts/ca", account, build, addresses)
        kit = folder / "kit"
        shutil.copytree(ROOT / "deploy", kit / "deploy")
        for config in (kit / "deploy/config").glob("*.json"):
            config.write_text(server.localize(config.read_text()))

        # The office CA and every host's certificate, on the CA machine.
        made = run(["bash", "-c", ca_machine.script(["ca", "multi-host-certs"], kit)], cwd=kit, check=False)
        assert made.returncode == 0, made.stdout + made.stderr
        # Binaries and the account on every host (one user database here, so useradd runs once);
        # tokens and configs once, on the server.
        for index, (service, host) in enumerate(hosts.items()):
            blocks = ["binaries", "user"] + (["tokens", "configs"] if service == "gateway" else [])
            step = run(["bash", "-c", host.script(blocks, kit, skip_lines=("useradd",) if index else ())],
                       cwd=kit, check=False, timeout=300)
            assert step.returncode == 0, step.stdout + step.stderr
        service_user = SystemUser(account, create=False)
        gid = service_user.gid

        # Each host gets ca.crt, its certificate and key, and its config with the README's multi-host keys.
        ca_dir = ca_machine.path("/root/surat-ca")
        for service, host in hosts.items():
            tls = host.path("/etc/surat/tls")
            install_file(ca_dir / "ca.crt", tls / "ca.crt", gid, 0o644)
            install_file(ca_dir / f"{service}.crt", tls / f"{service}.crt", gid, 0o644)
            install_file(ca_dir / f"{service}.key", tls / f"{service}.key", gid, 0o640)
            config_path = host.path(f"/etc/surat/{service}.json")
            if host is not server:
                install_file(server.path(f"/etc/surat/{service}.json"), config_path, gid, 0o640)
                config_path.write_text(config_path.read_text().replace(str(server.root), str(host.root)))
            config = json.loads(config_path.read_text())
            config.update(json.loads(host.localize(recipe(f"multi-{service}.json"))))
            config_path.write_text(json.dumps(config, indent=2))

        # The network, then the services as their units run them: backends first.
        for service, (short, _, octet) in HOSTS.items():
            network.add(tag, short, octet)
        pc = network.add(tag, *STAFF_PC)
        for service in BACKENDS + ("gateway",):
            ns = network.hosts[HOSTS[service][0]]
            processes[service] = start_unit(service, hosts[service], service_user, folder / f"{service}.log", netns=ns)
            assert process_uid(processes[service].proc.pid) == service_user.uid

        # The first admin and the README's health checks, on the server (mutual TLS with the
        # gateway's certificate as the client certificate).
        gw = network.hosts["gw"]
        checked = run(gw.argv(["bash", "-c", server.script(["admin", "multi-check"], kit)]), cwd=kit, check=False,
                      env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": str(server.path("/root"))}, timeout=300)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert checked.stdout.count("SERVING") == 4, checked.stdout

        # A staff member's account on the staff PC, with the CA certificate and the admin's token.
        staff = SystemUser(f"sms{tag}")
        home = folder / "staff"
        home.mkdir()
        staff.give(home, 0o700)
        for name, source in (("ca.crt", ca_dir / "ca.crt"), ("admin.token", server.path("/root/admin.token"))):
            shutil.copy(source, home / name)
            staff.give(home / name, 0o600)
        bin_dir = server.path("/opt/surat/bin")

        # One letter through the six steps (deploy/run-demo --against-running) from the staff PC.
        demo = run(pc.argv(staff.argv([kit / "deploy/run-demo", "--against-running"])), cwd=home, check=False,
                   timeout=600, env={"PATH": "/usr/bin:/bin", "HOME": str(home), "SURAT_ADDRESS": "surat.sooko.lan:7400",
                                     "SURAT_CA_FILE": str(home / "ca.crt"), "SURAT_BIN_DIR": str(bin_dir),
                                     "SURAT_ADMIN_TOKEN_FILE": str(home / "admin.token"),
                                     "SURAT_DATA_DIR": str(home / "demo-data")})
        assert demo.returncode == 0, demo.stdout + demo.stderr
        first = re.search(r"went through all six steps as 005/(\d+)/416-313/\d{4}", demo.stdout)
        assert first, demo.stdout

        # A plaintext client is told the gateway expects TLS.
        plain = cli(staff, pc, home, bin_dir, "whoami", token="ani", env_extra={"SURAT_CA_FILE": None})
        assert plain.returncode == 10 and "expects TLS" in plain.stderr, plain.stdout + plain.stderr
        # A caller without a client certificate is refused by a backend (a staff PC going around the gateway).
        for service in BACKENDS:
            _, name, _ = HOSTS[service]
            direct = cli(staff, pc, home, bin_dir, "health", "--address", f"{name}:{7400 + BACKENDS.index(service) + 1}",
                         "--service", HEALTH_NAMES[service])
            assert direct.returncode == 10 and "requires a client certificate" in direct.stdout, \
                direct.stdout + direct.stderr

        # A second letter to step 5, the registry host down at step 6, the step retried after its restart.
        subject = "Pemberitahuan Jadwal Posyandu"
        opened = cli(staff, pc, home, bin_dir, "open", "--json", "--subject", subject, "--classification", "005",
                     "--unit", "416-313", token="ani")
        assert opened.returncode == 0, opened.stderr
        letter = json.loads(opened.stdout)["journey"]["letterID"]
        steps = [
            ("dedi", ["draft", "create", letter, "--type", "undangan", "--classification", "005", "--subject", subject,
                      "--body", "Dengan hormat, jadwal posyandu bulan ini terlampir.", "--sifat", "biasa",
                      "--urgency", "segera", "--to", "Kepala Desa Sooko|desa", "--drafting-unit", "Seksi Pemerintahan",
                      "--place", "Sooko"], {}),
            ("dedi", ["paraf", letter], {}),
            ("sri", ["approve", letter], {}),
            ("ani", ["upload", letter], {}),
            ("camat", ["sign", letter], {"SURAT_PASSPHRASE_FILE": str(home / "demo-data/demo/camat.passphrase")}),
        ]
        for who, args, extra in steps:
            done = cli(staff, pc, home, bin_dir, *args, token=who, env_extra=extra)
            assert done.returncode == 0, f"{args[0]}: {done.stdout}{done.stderr}"

        # The registry host hangs with step 6 in flight (its process stopped: the gateway's request sits
        # unread in its socket) and dies; the staff member is told to retry with the request id.
        registry = processes["registry"]   # stays listed until killed, so a failure here still ends it
        registry.proc.send_signal(signal.SIGSTOP)
        pending = subprocess.Popen(
            [str(a) for a in pc.argv(staff.argv([bin_dir / "surat", "register", letter]))],
            env={"PATH": "/usr/bin:/bin", "HOME": str(home), "SURAT_ADDRESS": "surat.sooko.lan:7400",
                 "SURAT_CA_FILE": str(home / "ca.crt"), "SURAT_TOKEN_FILE": str(home / "demo-data/demo/ani.token")},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: unread_bytes(network.hosts["rg"], 7404) > 0, 60, "step 6 to reach the stopped registry")
        finally:
            registry.kill()
            del processes["registry"]
        out, err = pending.communicate(timeout=120)
        failed = subprocess.CompletedProcess(pending.args, pending.returncode, out, err)
        assert failed.returncode == 7, failed.stdout + failed.stderr
        request_id = re.search(r"--request-id (\S+)", failed.stderr).group(1)
        processes["registry"] = start_unit("registry", hosts["registry"], service_user, folder / "registry-2.log",
                                           netns=network.hosts["rg"])
        retried = cli(staff, pc, home, bin_dir, "register", letter, "--request-id", request_id, token="ani")
        assert retried.returncode == 0, retried.stdout + retried.stderr
        status = cli(staff, pc, home, bin_dir, "status", "--json", letter, token="ani")
        number = json.loads(status.stdout)["journey"]["letterNumber"]
        assert re.fullmatch(rf"005/{int(first.group(1)) + 1}/416-313/\d{{4}}", number), number   # gapless
        verified = cli(staff, pc, home, bin_dir, "verify", "number", number, token="sri")
        assert verified.returncode == 0, verified.stdout + verified.stderr

        for service in ("gateway",) + tuple(reversed(BACKENDS)):
            assert processes.pop(service).stop() == 0, (folder / f"{service}.log").read_text()
    finally:
        for process in processes.values():
            process.stop()
        network.delete()
        if staff:
            staff.remove()
        remove_account(account)
        subprocess.run(["rm", "-rf", str(folder)], timeout=120)
