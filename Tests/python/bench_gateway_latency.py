#!/usr/bin/env python3
"""Per-step latency through the gateway (NOT a test; pytest does not collect it): the five
services as separate processes, letters one after another through the six steps, each gateway
call timed. That the steps work is what Tests/python/test_e2e_gateway.py tests; this only measures.

    python3 Tests/python/bench_gateway_latency.py [--letters 40]                       # debug build
    SURAT_BUILD_DIR=.build-release/release python3 Tests/python/bench_gateway_latency.py  # release build

Prints letters/s and p50/p90/max per gateway method.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_signing import start_cluster  # noqa: E402
from test_e2e_gateway import Office  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--letters", type=int, default=40, help="letters driven through steps 1-6, one at a time")
    parser.add_argument("--root", default="/tmp/surat-bench-gateway-latency", help="data directories (emptied first)")
    args = parser.parse_args()

    cluster = start_cluster(Path(args.root))
    try:
        office = Office(cluster, None)
        timings = {}

        def timed(name, call, *call_args):
            start = time.perf_counter()
            result = call(*call_args)
            timings.setdefault(name, []).append((time.perf_counter() - start) * 1000)
            return result

        started = time.perf_counter()
        for i in range(args.letters):
            letter_id = timed("OpenLetter", office.open, f"Surat {i}").letter_id
            timed("AssignClerk", office.assign, letter_id)
            timed("CreateDraft", office.draft, letter_id)
            timed("Paraf", office.paraf, letter_id)
            timed("Approve", office.approve, letter_id)
            timed("UploadForSignature", office.upload, letter_id)
            timed("Sign", office.sign, letter_id)
            reply = timed("Register", office.register, letter_id)
            if reply.journey.state != office.g.JOURNEY_STATE_COMPLETED:
                raise SystemExit(f"letter {letter_id} did not complete: {reply.journey}")
            timed("GetJourney", office.journey, letter_id)
        elapsed = time.perf_counter() - started
        print(f"{args.letters} letters through steps 1-6, one at a time: {elapsed:.2f} s "
              f"({args.letters / elapsed:.1f} letters/s)")
        print(f"{'method':<20} {'p50 ms':>8} {'p90 ms':>8} {'max ms':>8}")
        for name, values in timings.items():
            values = sorted(values)
            p90 = values[max(0, int(len(values) * 0.9) - 1)]
            print(f"{name:<20} {statistics.median(values):8.1f} {p90:8.1f} {values[-1]:8.1f}")
        office.channel.close()
    finally:
        cluster.close()


if __name__ == "__main__":
    main()
