"""The transport as an unprivileged user (what systemd's User=surat and a staff member's own account
are): the server and the `surat` CLI set TCP_NODELAY at the TCP level, never SO_DEBUG (a SOL_SOCKET
option only root may set), and a call succeeds. Then the CLI's TLS messages: each way TLS can be set
up wrongly is named, with certificates made by deploy/README.md's own recipe."""
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from conftest import free_port, ServiceProcess
from deploy_support import Host, SystemUser, copy_executables, require_root, run, short_id, world_folder


@pytest.fixture(scope="module")
def world():
    require_root()
    folder = world_folder("surat-unpriv-")
    user = SystemUser(f"srt{short_id()}")
    bin_dir = copy_executables(folder / "bin", ("surat-echo", "surat"))
    try:
        yield folder, user, bin_dir
    finally:
        user.remove()
        subprocess.run(["rm", "-rf", str(folder)], timeout=60)


def setsockopt_lines(trace_path):
    return [line for line in trace_path.read_text().splitlines() if "setsockopt(" in line]


def test_tcp_nodelay_set_as_unprivileged_user(world):
    folder, user, bin_dir = world
    port = free_port()
    server_trace, client_trace = folder / "server.strace", folder / "client.strace"
    server = ServiceProcess(["strace", "-f", "-qq", "-e", "trace=setsockopt", "-o", server_trace,
                             *user.argv([bin_dir / "surat-echo", "--port", port])],
                            log_path=folder / "echo.log")
    try:
        check = run(["strace", "-f", "-qq", "-e", "trace=setsockopt", "-o", client_trace,
                     *user.argv([bin_dir / "surat", "health", "--address", f"127.0.0.1:{port}"])],
                    env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}, check=False)
        assert check.returncode == 0 and check.stdout.strip() == "SERVING", check.stdout + check.stderr
    finally:
        # SIGTERM goes to the traced server itself (strace would kill it on its own SIGTERM); strace
        # then exits with the server's status.
        # A tracee outlives a killed strace, so the server is always signalled directly.
        children = [int(pid) for pid in
                    Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text().split()]
        for pid in children:
            os.kill(pid, signal.SIGTERM)
        try:
            status = server.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            for pid in children:
                os.kill(pid, signal.SIGKILL)
            server.proc.kill()
            raise
        assert len(children) == 1 and status == 0, (children, (folder / "echo.log").read_text())
    # NIO passes the value as a C long: strace prints it as raw bytes "\1\0\0\0\0\0\0\0" with length 8.
    nodelay = re.compile(r'setsockopt\(\d+, SOL_TCP, TCP_NODELAY, (\[1\]|"\\1(\\0)*"), \d\) = 0')
    for name, trace in (("server", server_trace), ("client", client_trace)):
        lines = setsockopt_lines(trace)
        assert any(nodelay.search(line) for line in lines), f"{name}: no TCP_NODELAY in\n" + "\n".join(lines)
        assert not any("SO_DEBUG" in line for line in lines), f"{name} sets SO_DEBUG:\n" + "\n".join(lines)
        failed = [line for line in lines if not line.rstrip().endswith("= 0")]
        assert not failed, f"{name}: a socket option was refused:\n" + "\n".join(failed)


@pytest.fixture(scope="module")
def certificates(world):
    """The office CA and host certificates made by deploy/README.md's `ca` block and its host_cert,
    plus a second, unrelated CA (another office's) for the wrong-CA cases."""
    folder, user, bin_dir = world
    host = Host(folder / "host", user.name, bin_dir)
    ca = host.path("/root/surat-ca")
    script = host.script(["ca"], folder) + "\n".join([
        f"cd {ca}",
        'host_cert echo "DNS:localhost,IP:127.0.0.1"',
        'host_cert elsewhere "DNS:elsewhere.sooko.lan,IP:192.0.2.7"',
        'host_cert staff "DNS:staff-pc.sooko.lan"',
        f"mkdir -p {folder}/other && cd {folder}/other",
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -keyout ca.key "
        "-out ca.crt -subj /CN=other-office-ca -addext basicConstraints=critical,CA:TRUE "
        "-addext keyUsage=critical,keyCertSign",
        'host_cert stranger "DNS:stranger.example"',
        f"chmod 644 {ca}/*.crt {ca}/*.key {folder}/other/*",
        f"chmod 755 {host.root}/root {ca}",
    ]) + "\n"
    run(["bash", "-c", script], cwd=folder)
    return ca, folder / "other"


def health(world, port, *flags):
    folder, user, bin_dir = world
    return run(user.argv([bin_dir / "surat", "health", "--address", f"{'127.0.0.1'}:{port}", *flags]),
               env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}, check=False, timeout=60)


def echo(world, *flags):
    folder, user, bin_dir = world
    port = free_port()
    return ServiceProcess(user.argv([bin_dir / "surat-echo", "--port", port, *map(str, flags)]),
                          log_path=folder / f"echo-{port}.log"), port


@pytest.mark.parametrize("case", ["plaintext-client", "tls-client", "unknown-ca", "wrong-name",
                                  "no-client-certificate", "foreign-client-certificate", "mutual-tls-ok"])
def test_cli_names_each_tls_mistake(world, certificates, case):
    ca, other = certificates
    server_tls = ["--tls-cert", ca / "echo.crt", "--tls-key", ca / "echo.key"]
    mutual = server_tls + ["--tls-client-ca", ca / "ca.crt"]
    server_flags, client_flags, expected_exit, expected_text = {
        "plaintext-client": (server_tls, [], 10, "expects TLS"),
        "tls-client": ([], ["--ca-file", ca / "ca.crt"], 10, "does not speak TLS"),
        "unknown-ca": (server_tls, ["--ca-file", other / "ca.crt"], 10, "not signed by a CA this client trusts"),
        "wrong-name": (["--tls-cert", ca / "elsewhere.crt", "--tls-key", ca / "elsewhere.key"],
                       ["--ca-file", ca / "ca.crt"], 10, "does not name the host"),
        "no-client-certificate": (mutual, ["--ca-file", ca / "ca.crt"], 10, "requires a client certificate"),
        "foreign-client-certificate": (mutual, ["--ca-file", ca / "ca.crt", "--cert-file", other / "stranger.crt",
                                                "--key-file", other / "stranger.key"], 10, "refused this client's certificate"),
        "mutual-tls-ok": (mutual, ["--ca-file", ca / "ca.crt", "--cert-file", ca / "staff.crt",
                                   "--key-file", ca / "staff.key"], 0, "SERVING"),
    }[case]
    server, port = echo(world, *server_flags)
    try:
        result = health(world, port, *client_flags)
    finally:
        server.stop()
    output = result.stdout + result.stderr
    assert result.returncode == expected_exit and expected_text in output, output
    assert "connection to" not in output or case == "mutual-tls-ok", output   # no bare "connection ... closing"
