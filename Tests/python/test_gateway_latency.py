"""Per-step latency through the gateway (all five services as processes, debug or release build):
letters one after another through the six steps, timing each gateway call. Prints a table (run with
`-s` to see it); asserts only that every letter completed, never a time.

    python3 -m pytest -s -q Tests/python/test_gateway_latency.py
"""
import statistics
import time

import pytest

from test_e2e_gateway import Cluster, Office

LETTERS = 40


@pytest.fixture(scope="module")
def office(tmp_path_factory, protos):
    cluster = Cluster(tmp_path_factory.mktemp("latency"))
    o = Office(cluster, protos)
    yield o
    o.channel.close()
    cluster.close()


def test_step_latency_table(office):
    timings = {}

    def timed(name, call, *args):
        start = time.perf_counter()
        result = call(*args)
        timings.setdefault(name, []).append((time.perf_counter() - start) * 1000)
        return result

    started = time.perf_counter()
    for i in range(LETTERS):
        letter_id = timed("OpenLetter", office.open, f"Surat {i}").letter_id
        timed("AssignClerk", office.assign, letter_id)
        timed("CreateDraft", office.draft, letter_id)
        timed("Paraf", office.paraf, letter_id)
        timed("Approve", office.approve, letter_id)
        timed("UploadForSignature", office.upload, letter_id)
        timed("Sign", office.sign, letter_id)
        reply = timed("Register", office.register, letter_id)
        assert reply.journey.state == office.g.JOURNEY_STATE_COMPLETED
        timed("GetJourney", office.journey, letter_id)
    elapsed = time.perf_counter() - started
    print(f"\n{LETTERS} letters through steps 1-6, one at a time: {elapsed:.2f} s "
          f"({LETTERS / elapsed:.1f} letters/s)")
    print(f"{'method':<20} {'p50 ms':>8} {'p90 ms':>8} {'max ms':>8}")
    for name, values in timings.items():
        values = sorted(values)
        p90 = values[max(0, int(len(values) * 0.9) - 1)]
        print(f"{name:<20} {statistics.median(values):8.1f} {p90:8.1f} {values[-1]:8.1f}")
