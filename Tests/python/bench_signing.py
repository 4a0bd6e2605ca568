#!/usr/bin/env python3
"""Signing benchmark (NOT a test; pytest does not collect it): the five services as separate
processes at the production scrypt cost (N = 2^16, r = 8, p = 1), driven through the gateway.

    swift build -c release --scratch-path .build-release
    SURAT_BUILD_DIR=.build-release/release python3 Tests/python/bench_signing.py [--parallel 200] [--bulk 40] [--single 30]

Prints, for BENCHMARKS.md:
1. the KDF time (scrypt at the production cost in optimised C, hashlib) and the p50/p90 of one
   Sign through the gateway, letters signed one after another;
2. the end-to-end time of one BulkSign call over --bulk letters;
3. --parallel letters driven through all six SOP steps at once by independent callers (one thread
   and one letter each, single Sign), every call with a 30 s deadline, retried with the same
   request id on UNAVAILABLE/DEADLINE_EXCEEDED: first-attempt failures per code and letters/s.
"""
import argparse
import hashlib
import shutil
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import compile_protos  # noqa: E402
from test_e2e_gateway import CAMAT_PASSPHRASE, Cluster, Office  # noqa: E402

DEADLINE = 30.0
RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


class ProductionCluster(Cluster):
    """The test cluster with the production scrypt cost (or `scrypt_log2_n`, to show what a Sign
    costs besides its KDF) and the gateway's default backend timeout."""

    scrypt_log2_n = 16

    def args(self, name, bootstrap=False):
        args = super().args(name, bootstrap)
        for flag in ("--scrypt-log2-n", "--backend-timeout-seconds"):
            if flag in args:
                index = args.index(flag)
                del args[index:index + 2]
        if name == "signing":
            args += ["--scrypt-log2-n", str(self.scrypt_log2_n)]
        return args


class Driver:
    """Calls with a 30 s deadline; a retryable failure is counted (first attempts only) and retried
    with the same request, after the server's retry-after-ms hint when it gave one."""

    def __init__(self, office):
        self.office = office
        self.first_failures = Counter()
        self.retries = 0
        self.lock = threading.Lock()

    def call(self, method, request, user):
        first = True
        while True:
            try:
                return method(request, metadata=self.office.md(user), timeout=DEADLINE)
            except grpc.RpcError as error:
                if error.code() not in RETRYABLE:
                    raise
                with self.lock:
                    if first:
                        name = getattr(method, "_method", b"?")
                        name = (name.decode() if isinstance(name, bytes) else str(name)).rsplit("/", 1)[-1]
                        self.first_failures[(name, error.code().name)] += 1
                    self.retries += 1
                first = False
                hint = dict(error.trailing_metadata() or ()).get("retry-after-ms")
                time.sleep(min(int(hint), 5000) / 1000 if hint else 0.2)

    def to_upload(self, subject):
        g, gw = self.office.g, self.office.gateway
        rid = uuid.uuid4().hex
        letter = self.call(gw.OpenLetter, g.OpenLetterRequest(request_id=rid + "-open", subject=subject, classification="005",
                                                             unit="416-313"), "ani").journey.letter_id
        self.call(gw.AssignClerk, g.AssignClerkRequest(request_id=rid + "-assign", letter_id=letter), "ani")
        self.call(gw.CreateDraft, g.CreateDraftRequest(request_id=rid + "-draft", letter_id=letter,
                                                       content=self.office.content(subject)), "dedi")
        shown = self.call(gw.GetDraft, g.GetDraftRequest(letter_id=letter), "dedi")
        self.call(gw.Paraf, g.ParafRequest(request_id=rid + "-paraf", letter_id=letter, revision=shown.revision,
                                           revision_digest=shown.revision_digest), "dedi")
        self.call(gw.Approve, g.ApproveRequest(request_id=rid + "-approve", letter_id=letter), "sri")
        self.call(gw.UploadForSignature, g.UploadForSignatureRequest(request_id=rid + "-upload", letter_id=letter), "ani")
        return letter

    def sign(self, letter):
        g = self.office.g
        return self.call(self.office.gateway.Sign, g.SignRequest(request_id=letter + "-sign", letter_id=letter,
                                                                 passphrase=CAMAT_PASSPHRASE), "camat")

    def register(self, letter):
        g = self.office.g
        return self.call(self.office.gateway.Register, g.RegisterRequest(request_id=letter + "-register", letter_id=letter), "ani")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def start_cluster(root: Path, cluster_class=Cluster):
    """The five services started as processes with their data under `root` (emptied first), after
    compiling the protos; the other benchmarks start theirs here too."""
    compile_protos()
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    return cluster_class(root)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--single", type=int, default=30, help="letters signed one after another (p50 of Sign)")
    parser.add_argument("--bulk", type=int, default=40, help="letters in the one BulkSign call")
    parser.add_argument("--parallel", type=int, default=200, help="letters driven through all six steps at once")
    parser.add_argument("--root", default="/tmp/surat-bench-signing", help="data directories (emptied first)")
    parser.add_argument("--scrypt-log2-n", type=int, default=16,
                        help="scrypt cost of the Camat's key (16 = production; 10 shows the cost of a Sign besides its KDF)")
    args = parser.parse_args()
    ProductionCluster.scrypt_log2_n = args.scrypt_log2_n

    kdf = []
    for _ in range(5):
        started = time.perf_counter()
        hashlib.scrypt(b"passphrase", salt=b"0" * 16, n=2 ** args.scrypt_log2_n, r=8, p=1, maxmem=2 ** 28, dklen=32)
        kdf.append(time.perf_counter() - started)
    print(f"KDF (hashlib.scrypt N=2^{args.scrypt_log2_n} r=8 p=1, optimised C): median {statistics.median(kdf) * 1000:.0f} ms")

    root = Path(args.root)
    cluster = start_cluster(root, ProductionCluster)
    try:
        office = Office(cluster, None)
        driver = Driver(office)

        # The signing service's own measurement of one derivation (BoringSSL, at start-up).
        for line in (root / "signing.log").read_text().splitlines():
            if "scrypt calibrated" in line:
                print("KDF in surat-signing (start-up calibration): " + line.split("kdf.ms=", 1)[1].split()[0] + " ms")

        # 1. One Sign through the gateway, letters one after another.
        letters = [driver.to_upload(f"Surat tunggal {n}") for n in range(args.single + 3)]
        for letter in letters[:3]:  # warm-up: connections, caches, the KDF estimate
            driver.sign(letter)
        times = []
        for letter in letters[3:]:
            started = time.perf_counter()
            driver.sign(letter)
            times.append(time.perf_counter() - started)
        print(f"Sign through the gateway, {len(times)} letters one after another: p50 {statistics.median(times) * 1000:.0f} ms, "
              f"p90 {percentile(times, 0.9) * 1000:.0f} ms, min {min(times) * 1000:.0f} ms")

        # 2. One bulk call.
        stack = [driver.to_upload(f"Surat tumpukan {n}") for n in range(args.bulk)]
        g = office.g
        started = time.perf_counter()
        reply = driver.call(office.gateway.BulkSign, g.BulkSignRequest(request_id=uuid.uuid4().hex, letter_ids=stack,
                                                                       passphrase=CAMAT_PASSPHRASE), "camat")
        elapsed = time.perf_counter() - started
        signed = sum(1 for r in reply.results if r.code == 0 and r.signature.verified)
        print(f"BulkSign of {len(stack)} letters: {elapsed * 1000:.0f} ms end to end, {signed} signed and verified")

        # Warm-up for step 6: the registry caches the published keys and refetches at most once a
        # second when it meets an unknown one (a signer registered after it started), refusing the
        # other Registers of that second; an office that has been running knows its Camat's key.
        for attempt in range(10):
            try:
                driver.register(letters[3])
                break
            except grpc.RpcError as error:
                if "not among the published keys" not in (error.details() or ""):
                    raise
                time.sleep(1.1)

        # 3. Independent callers, all six steps each, at once.
        driver = Driver(office)
        barrier = threading.Barrier(args.parallel)

        def journey(n):
            barrier.wait()
            letter = driver.to_upload(f"Surat paralel {n}")
            driver.sign(letter)
            return driver.register(letter).registration.letter_number

        started = time.perf_counter()
        with ThreadPoolExecutor(args.parallel) as pool:
            numbers = list(pool.map(journey, range(args.parallel)))
        elapsed = time.perf_counter() - started
        assert len(set(numbers)) == args.parallel, "duplicate letter numbers"
        failures = dict(driver.first_failures) or "none"
        print(f"{args.parallel} letters through all six steps by independent callers (single Sign, {DEADLINE:.0f} s deadline): "
              f"{elapsed:.1f} s, {args.parallel / elapsed:.1f} letters/s; first-attempt UNAVAILABLE/DEADLINE_EXCEEDED: {failures}; "
              f"retries: {driver.retries}")
        office.channel.close()
    finally:
        cluster.close()


if __name__ == "__main__":
    main()
