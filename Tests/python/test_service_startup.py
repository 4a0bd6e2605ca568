"""Process-level startup failures (ServiceStartupError, proto-notes/services.md "Running one"):
the real executables print `surat-<service>: cannot start (<code>): ...` on standard error and
exit with the code's status, 64 for configuration and TLS files, 69 when the port cannot be bound.
"""
import hashlib
import socket
import subprocess

import pytest

from conftest import swift_bin

TOKEN_HASH = "gateway:" + hashlib.sha256(b"t").hexdigest()


def run(args, timeout=60):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def busy_port():
    """A port something else already listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def gateway_args(tmp_path, port):
    token = tmp_path / "gateway.token"
    token.write_text("t\n")
    return [swift_bin("surat-gateway"), "--port", port, "--data-directory", tmp_path,
            "--service-token-file", token]


def test_backend_port_in_use_exits_69(tmp_path, busy_port):
    done = run([swift_bin("surat-drafting"), "--port", busy_port, "--data-directory", tmp_path,
                "--service-tokens", TOKEN_HASH])
    assert done.returncode == 69, done.stderr
    assert f"surat-drafting: cannot start (bind): cannot listen on 127.0.0.1:{busy_port}" in done.stderr


def test_gateway_port_in_use_exits_69(tmp_path, busy_port):
    # The gateway starts through ServiceMain like every backend, so it fails the same way.
    done = run(gateway_args(tmp_path, busy_port))
    assert done.returncode == 69, done.stderr
    assert f"surat-gateway: cannot start (bind): cannot listen on 127.0.0.1:{busy_port}" in done.stderr


def test_missing_tls_file_exits_64(tmp_path):
    done = run([swift_bin("surat-approval"), "--port", "0", "--data-directory", tmp_path,
                "--service-tokens", TOKEN_HASH, "--tls-certificate-path", tmp_path / "missing-cert.pem",
                "--tls-key-path", tmp_path / "missing-key.pem"])
    assert done.returncode == 64, done.stderr
    assert "surat-approval: cannot start (tls): " in done.stderr
    assert "listening on" not in done.stderr


def test_bad_configuration_exits_64(tmp_path):
    done = run([swift_bin("surat-drafting"), "--port", "seventy", "--data-directory", tmp_path])
    assert done.returncode == 64, done.stderr
    assert "surat-drafting: cannot start (configuration): --port must be a whole number" in done.stderr
    unpaired = run(gateway_args(tmp_path, 0) + ["--tls-certificate-path", tmp_path / "cert.pem"])
    assert unpaired.returncode == 64, unpaired.stderr
    assert "surat-gateway: cannot start (configuration): tlsCertificatePath and tlsKeyPath must be set together" in unpaired.stderr
