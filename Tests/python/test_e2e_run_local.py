"""deploy/run-local as district IT uses it: start all five services and surat-web, status, a call
through the gateway with the bootstrap admin token, the web app's sign-in page, stop."""
import os
import random
import socket
import subprocess
from pathlib import Path

from conftest import ROOT, build_dir, swift_bin


def five_free_ports():
    for _ in range(50):
        base = random.randrange(20000, 60000, 10)
        try:
            sockets = []
            for port in [*range(base, base + 5), base + 80]:   # the five services and surat-web
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no five consecutive free ports (and base + 80)")


def test_run_local_start_status_stop(tmp_path):
    base = five_free_ports()
    env = dict(os.environ, SURAT_DATA_DIR=str(tmp_path), SURAT_PORT_BASE=str(base), SURAT_BIN_DIR=str(build_dir()))
    run = lambda *args: subprocess.run([str(ROOT / "deploy" / "run-local"), *args], env=env,
                                       capture_output=True, text=True, timeout=180)
    try:
        started = run("start")
        assert started.returncode == 0, started.stderr + started.stdout
        assert started.stdout.count("SERVING") == 6
        assert f"http://127.0.0.1:{base + 80}/" in started.stdout
        status = run("status")
        assert status.returncode == 0 and status.stdout.count("SERVING") == 6, status.stdout
        for service in ("gateway", "drafting", "approval", "signing", "registry"):
            assert (tmp_path / service / f"{service}.sqlite").exists()
            assert (tmp_path / "logs" / f"{service}.log").exists()
        token_file = tmp_path / "secrets" / "admin.token"
        assert oct(token_file.stat().st_mode & 0o777) == "0o600"
        whoami = subprocess.run([str(swift_bin("surat")), "whoami", "--address", f"127.0.0.1:{base}",
                                 "--token-file", str(token_file)], capture_output=True, text=True, timeout=60)
        assert whoami.returncode == 0 and "admin" in whoami.stdout, whoami.stderr
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{base + 80}/masuk", timeout=30) as page:
            assert page.status == 200 and "Masuk" in page.read().decode()
        again = run("start")   # idempotent: already running
        assert again.returncode == 0 and again.stdout.count("already running") == 6
    finally:
        stopped = run("stop")
    assert stopped.returncode == 0 and stopped.stdout.count("stopped") == 6, stopped.stdout
    after = run("status")
    assert after.returncode == 1 and after.stdout.count("stopped") == 6
    assert "stopped" in (tmp_path / "logs" / "gateway.log").read_text()   # graceful: the service logged its stop
