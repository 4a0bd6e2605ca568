"""Shared pytest fixtures: built Swift executables, free ports, service processes, compiled protos.

The Swift executables are built by `Tests/run-all` (swift build) before pytest runs; the
fixtures here only locate them. Protos are compiled from proto-notes/ with grpcio-tools into
Tests/python/generated (git-ignored) once per session, so the tests use exactly what an
outside integrator would compile.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROTO_ROOT = ROOT / "proto-notes"
GENERATED = Path(__file__).resolve().parent / "generated"


def build_dir() -> Path:
    """The SwiftPM debug products folder (override with SURAT_BUILD_DIR)."""
    override = os.environ.get("SURAT_BUILD_DIR")
    if override:
        return Path(override)
    out = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def swift_bin(name: str) -> Path:
    path = build_dir() / name
    if not path.exists():
        raise RuntimeError(f"{path} is missing: run `swift build` first (Tests/run-all does)")
    return path


def wait_for_log(path, predicate, timeout: float = 10.0) -> str:
    """The text of the log file at `path` once `predicate(text)` holds, or as it is after `timeout`
    seconds. Services write their log from a queue on a thread of its own (issue 12: logging never
    blocks an event loop), so a line can land a moment after the call that logged it returned."""
    deadline = time.monotonic() + timeout
    while True:
        text = Path(path).read_text(errors="replace") if Path(path).exists() else ""
        if predicate(text) or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def compile_protos() -> Path:
    """Compile every proto-notes/**/*.proto into GENERATED and put it on sys.path."""
    from grpc_tools import protoc
    import grpc_tools

    GENERATED.mkdir(exist_ok=True)
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    include = str(Path(grpc_tools.__file__).parent / "_proto")
    args = ["protoc", f"-I{PROTO_ROOT}", f"-I{include}", f"--python_out={GENERATED}",
            f"--grpc_python_out={GENERATED}", *protos]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed on proto-notes/")
    if str(GENERATED) not in sys.path:
        sys.path.insert(0, str(GENERATED))
    return GENERATED


class ServiceProcess:
    """A Swift service started as a real process; waits for its `listening on HOST:PORT` log line."""

    def __init__(self, args, env=None, ready="listening on", timeout=60.0, log_path=None):
        self.args = [str(a) for a in args]
        full_env = dict(os.environ)
        full_env.update(env or {})
        # Output always goes to a file: an undrained pipe would block a chatty service, and a
        # file lets the readiness wait check its deadline even while the service prints nothing.
        if log_path:
            self.log_path = Path(log_path)
        else:
            fd, name = tempfile.mkstemp(prefix=Path(self.args[0]).name + "-", suffix=".log")
            os.close(fd)
            self.log_path = Path(name)
        self.log = open(self.log_path, "w+")
        self.proc = subprocess.Popen(self.args, env=full_env, stdout=self.log, stderr=subprocess.STDOUT, text=True)
        self.port = None
        self._wait_ready(ready, timeout)

    def _lines(self, deadline):
        """Lines of the log as they are written; ends at the deadline or when the process exits."""
        with open(self.log_path) as f:
            while time.time() < deadline:
                line = f.readline()
                if line:
                    yield line
                else:
                    if self.proc.poll() is not None:
                        yield from f.readlines()
                        return
                    time.sleep(0.02)

    def output(self):
        """Everything the process has printed so far."""
        return self.log_path.read_text(errors="replace")

    def _wait_ready(self, ready, timeout):
        seen = []
        for line in self._lines(time.time() + timeout):
            seen.append(line)
            if ready in line:
                tail = line.split(ready, 1)[1].strip().split()[0]
                if ":" in tail:
                    self.port = int(tail.rsplit(":", 1)[1].strip("]),"))
                return
        self.stop()
        raise RuntimeError(f"{self.args[0]} did not become ready within {timeout:.0f} s "
                           f"(exit code {self.proc.returncode}); output:\n{''.join(seen)}")

    def stop(self, sig=signal.SIGTERM, timeout=15.0):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def kill(self):
        return self.stop(signal.SIGKILL)


@pytest.fixture(scope="session")
def protos():
    return compile_protos()
