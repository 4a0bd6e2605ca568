"""Upgrade (issue 18): the current gateway started on the database the release at commit 741220b
wrote (Tests/fixtures/upgrade/, made by make_upgrade_fixture.py) migrates it forward and serves
everything in it: users, tokens, and a letter through the six steps with its number, whose
registration record the new release backfills from the stored step-6 reply.
"""
import json
import subprocess
import time
from pathlib import Path

import grpc

from conftest import ServiceProcess, free_port, swift_bin

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "upgrade"


def sqlite(database, *statements):
    return subprocess.run(["sqlite3", str(database), *statements], check=True, capture_output=True, text=True).stdout


def test_the_new_gateway_migrates_the_previous_release_database_without_loss(tmp_path, protos):
    from surat.gateway.v1 import gateway_pb2, gateway_pb2_grpc
    fixture = json.loads((FIXTURE / "fixture.json").read_text())
    database = tmp_path / "gateway" / "gateway.sqlite"
    database.parent.mkdir()
    sqlite(database, ".read " + str(FIXTURE / "gateway-741220b.sql"))
    assert sqlite(database, "SELECT identifier FROM grdb_migrations ORDER BY rowid").split() == fixture["migrations"]
    counts_before = {table: sqlite(database, f"SELECT COUNT(*) FROM {table}").strip()
                     for table in ("journey", "step_record", "user", "token", "gateway_request")}
    # The fixture's tokens were issued with the usual 30-day lifetime; move their expiry past today
    # so the test does not depend on the day it runs (nothing else is touched).
    sqlite(database, f"UPDATE token SET expires_at = {time.time() + 86_400}")

    (tmp_path / "gateway.token").write_text("fixture-service-token\n")
    unused = free_port()
    gateway = ServiceProcess([swift_bin("surat-gateway"), "--port", free_port(), "--data-directory", tmp_path / "gateway",
                              "--service-token-file", tmp_path / "gateway.token",
                              *[arg for backend in ("drafting", "approval", "signing", "registry")
                                for arg in (f"--{backend}-address", f"127.0.0.1:{unused}")]])
    try:
        assert "registration records made from stored step-6 replies" in gateway.output()
        with grpc.insecure_channel(f"127.0.0.1:{gateway.port}") as channel:
            stub = gateway_pb2_grpc.GatewayStub(channel)
            admin = gateway_pb2_grpc.GatewayAdminStub(channel)
            users = admin.ListUsers(gateway_pb2.ListUsersRequest(),
                                    metadata=[("authorization", f"Bearer {fixture['admin_token']}")]).users
            assert sorted(u.id for u in users) == sorted(fixture["users"])
            journey = stub.GetJourney(gateway_pb2.GetJourneyRequest(letter_id=fixture["letter_id"]),
                                      metadata=[("authorization", f"Bearer {fixture['staf_umum_token']}")]).journey
            assert journey.state == gateway_pb2.JOURNEY_STATE_COMPLETED
            assert journey.letter_number == fixture["letter_number"]
            assert [s.step for s in journey.steps][-1] == 6
    finally:
        gateway.stop()
    # Migrated forward: the old migrations stay first, then every migration of this release ran
    # (the same list a new database gets), nothing was lost, the registration was backfilled.
    migrated = sqlite(database, "SELECT identifier FROM grdb_migrations ORDER BY rowid").split()
    assert migrated[:len(fixture["migrations"])] == fixture["migrations"]
    assert "gateway-v2-registration" in migrated[len(fixture["migrations"]):]
    fresh = ServiceProcess([swift_bin("surat-gateway"), "--port", free_port(), "--data-directory", tmp_path / "fresh",
                            "--service-token-file", tmp_path / "gateway.token",
                            *[arg for backend in ("drafting", "approval", "signing", "registry")
                              for arg in (f"--{backend}-address", f"127.0.0.1:{unused}")]])
    fresh.stop()
    assert sorted(migrated) == sorted(sqlite(tmp_path / "fresh" / "gateway.sqlite",
                                             "SELECT identifier FROM grdb_migrations").split())
    for table, count in counts_before.items():
        assert sqlite(database, f"SELECT COUNT(*) FROM {table}").strip() == count, table
    assert sqlite(database, "SELECT letter_id, number FROM registration").strip() == \
        f"{fixture['letter_id']}|{fixture['letter_number']}"
