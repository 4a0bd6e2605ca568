"""Upgrade (issue 18): the current binaries started on the databases a previous release wrote
migrate them forward and serve everything in them.

- Gateway alone on the database of the release at 741220b (Tests/fixtures/upgrade/, made by
  make_upgrade_fixture.py): users, tokens, and a letter through the six steps with its number,
  whose registration record the new release backfills from the stored step-6 reply.
- All five services on the databases of the release at e4d2fe5 (Tests/fixtures/upgrade/e4d2fe5/,
  made by make_upgrade_cluster_fixture.py): three letters through the six steps (one returned
  once, one signed by a Plh) keep their journeys, numbers, receipts, signatures and agenda rows;
  every database records its schema (old migrations first, then this release's, as on a new
  database) in `surat_database_schema_*`; the letter left awaiting signature and a new letter
  complete, numbered after the old ones.

Neither test names this release's migrations: they compare with what a new database gets.
"""
import csv
import io
import json
import re
import secrets
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import grpc
from prometheus_client.parser import text_string_to_metric_families

from conftest import ServiceProcess, free_port, swift_bin
from test_e2e_gateway import BACKENDS, Cluster, Office

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "upgrade"


def sqlite(database, *statements):
    return subprocess.run(["sqlite3", str(database), *statements], check=True, capture_output=True, text=True).stdout


def test_the_new_gateway_migrates_the_previous_release_database_without_loss(tmp_path, protos):
    from surat.gateway.v1 import gateway_pb2, gateway_pb2_grpc
    fixture = json.loads((FIXTURE / "fixture.json").read_text())
    database = tmp_path / "gateway" / "gateway.sqlite"
    database.parent.mkdir()
    shutil.copy(FIXTURE / "gateway-741220b.sqlite", database)
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


CLUSTER_FIXTURE = FIXTURE / "e4d2fe5"
SERVICES = ["gateway"] + BACKENDS


class UpgradedCluster(Cluster):
    """The five current binaries on the previous release's data directories, metrics on (no
    bootstrap: the admin and users are in the gateway's database)."""

    def __init__(self, root, fixture):
        self.root = root
        self.tokens = {"gateway": secrets.token_urlsafe(32), "registry": secrets.token_urlsafe(32)}
        self.ports = {name: free_port() for name in SERVICES}
        self.procs, self.metrics_ports = {}, {}
        (root / "gateway.token").write_text(self.tokens["gateway"] + "\n")
        self.admin_token = fixture["tokens"]["admin"]
        for name in BACKENDS + ["gateway"]:
            self.start(name)

    def args(self, name, bootstrap=False):
        return super().args(name, bootstrap) + ["--metrics-port", "0"]

    def start(self, name):
        super().start(name)
        found = re.search(r"metrics on 127\.0\.0\.1:(\d+)", self.procs[name].output())
        assert found, self.procs[name].output()
        self.metrics_ports[name] = int(found.group(1))

    def scrape(self, name):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_ports[name]}/metrics", timeout=10) as reply:
            return {f.name: f for f in text_string_to_metric_families(reply.read().decode())}


def restore_previous_release(root, fixture):
    """Each service's data directory as the previous release left it; returns the row count of
    every table in it."""
    counts = {}
    for name in SERVICES:
        folder = root / name
        folder.mkdir()
        database = folder / f"{name}.sqlite"
        shutil.copy(CLUSTER_FIXTURE / f"{name}.sqlite", database)
        for extra in (CLUSTER_FIXTURE / "files" / name).glob("*") if (CLUSTER_FIXTURE / "files" / name).exists() else []:
            shutil.copy(extra, folder / extra.name)
        assert migrations(database) == fixture["migrations"][name], name
        tables = sqlite(database, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").split()
        counts[name] = {table: int(sqlite(database, f'SELECT COUNT(*) FROM "{table}"')) for table in tables}
    # User tokens were issued with the usual 30-day lifetime; move their expiry past today so the
    # test does not depend on the day it runs (nothing else is touched).
    sqlite(root / "gateway" / "gateway.sqlite", f"UPDATE token SET expires_at = {time.time() + 86_400}")
    return counts


def migrations(database):
    return sqlite(database, "SELECT identifier FROM grdb_migrations ORDER BY rowid").split()


def fixture_office(cluster, fixture):
    """An Office over the fixture's users and tokens (the users exist already)."""
    from surat.gateway.v1 import gateway_pb2, gateway_pb2_grpc
    from surat.common.v1 import letter_pb2
    office = Office.__new__(Office)
    office.g, office.letter = gateway_pb2, letter_pb2
    office.channel = grpc.insecure_channel(f"127.0.0.1:{cluster.ports['gateway']}")
    office.gateway = gateway_pb2_grpc.GatewayStub(office.channel)
    office.admin = gateway_pb2_grpc.GatewayAdminStub(office.channel)
    office.tokens = dict(fixture["tokens"])
    return office


def number_sequence(letter_number):
    return int(letter_number.split("/")[1])


def test_every_service_migrates_the_previous_release_databases_without_loss(tmp_path, protos):
    fixture = json.loads((CLUSTER_FIXTURE / "fixture.json").read_text())
    counts_before = restore_previous_release(tmp_path, fixture)
    newest = {}
    cluster = UpgradedCluster(tmp_path, fixture)
    try:
        office = fixture_office(cluster, fixture)
        g = office.g
        try:
            # Schema versions recorded: each service exports what its database now has (compared
            # with a new database's below).
            for name in SERVICES:
                families = cluster.scrape(name)
                applied = migrations(tmp_path / name / f"{name}.sqlite")
                recorded = [s for s in families["surat_database_schema_migrations"].samples
                            if s.labels["database"] == name]
                assert [s.value for s in recorded] == [len(applied)], name
                newest[name] = [s.labels["migration"] for s in families["surat_database_schema_info"].samples
                                if s.labels["database"] == name]

            # The letters: journeys, numbers with verified receipts, signatures, agenda.
            for letter in fixture["completed"]:
                journey = office.journey(letter["letter_id"])
                assert journey.state == g.JOURNEY_STATE_COMPLETED
                assert journey.letter_number == letter["letter_number"]
                assert journey.signature_id == letter["signature_id"]
                assert [s.step for s in journey.steps] == letter["steps"]
                by_number = office.gateway.VerifyNumber(g.VerifyNumberRequest(letter_number=letter["letter_number"]),
                                                        metadata=office.md("sri"))
                assert by_number.valid and by_number.letter_id == letter["letter_id"], by_number.detail
                assert by_number.registration.receipt_verified, by_number.registration.receipt_detail
                by_signature = office.gateway.VerifySignature(g.VerifySignatureRequest(letter_id=letter["letter_id"]),
                                                              metadata=office.md("sri"))
                assert by_signature.valid, by_signature.detail
                assert by_signature.signature.signature_id == letter["signature_id"]
            # A step-6 call retried after the upgrade with its first request id gets the reply
            # the previous release stored (proto-notes/failures.md: retry with the same request_id).
            gateway_db = tmp_path / "gateway" / "gateway.sqlite"
            for letter in fixture["completed"]:
                request_id = sqlite(gateway_db, "SELECT request_id FROM gateway_request WHERE method = "
                                    "'surat.gateway.v1.Gateway/Register' AND instr(response, CAST('"
                                    + letter["letter_id"] + "' AS BLOB)) > 0").strip()
                assert request_id, letter
                replayed = office.register(letter["letter_id"], rid=request_id)
                assert replayed.journey.letter_number == letter["letter_number"]
                assert replayed.registration.letter_number == letter["letter_number"]
                # Stored replies are migrated (gateway-stored-replies-bytes-enums-v1): the previous
                # release's hex digests are their 32 bytes (not 64 ASCII ones), state names the enum.
                current = office.journey(letter["letter_id"])
                assert len(replayed.journey.revision_digest) == 32
                assert replayed.journey.revision_digest == current.revision_digest
                assert [r.revision_digest for r in replayed.journey.returns] == \
                    [r.revision_digest for r in current.returns]
                assert [d.state for d in replayed.deliveries] == [g.DELIVERY_STATE_MANUAL]
            plh = office.gateway.VerifySignature(g.VerifySignatureRequest(letter_id=fixture["completed"][2]["letter_id"]),
                                                 metadata=office.md("sri")).signature
            assert plh.signer_id == "sri" and plh.on_behalf_of == "camat" and plh.delegation_id == fixture["delegation_id"]
            returned = office.journey(fixture["completed"][1]["letter_id"])
            assert [r.notes for r in returned.returns] == ["Perbaiki paragraf pertama"]
            year = int(fixture["completed"][0]["letter_number"].rsplit("/", 1)[1])
            agenda = office.gateway.ExportAgenda(g.ExportAgendaRequest(year=year, format="csv"), metadata=office.md("ani"))
            cells = {cell for row in csv.reader(io.StringIO(agenda.content.decode())) for cell in row}
            assert {letter["letter_number"] for letter in fixture["completed"]} <= cells

            # The letter left at step 5 and a new letter complete, numbered after the old ones
            # (the new one in the same year; a run in a later year starts that year at 1).
            pending = fixture["awaiting_signature"]
            assert office.journey(pending).state == g.JOURNEY_STATE_AWAITING_SIGNATURE
            signed = office.sign(pending, passphrase=fixture["passphrases"]["camat"])
            assert signed.signature.verified, signed.signature.verification_detail
            numbers = [office.register(pending).journey.letter_number]
            fresh = office.through_step5("Undangan rapat sesudah pemutakhiran")
            numbers.append(office.register(fresh).journey.letter_number)
            old = [letter["letter_number"] for letter in fixture["completed"]]
            assert not set(numbers) & set(old) and numbers[0] != numbers[1]
            if all(number.endswith(f"/{year}") for number in numbers):
                assert [number_sequence(n) for n in numbers] == [max(map(number_sequence, old)) + 1,
                                                                 max(map(number_sequence, old)) + 2]
            for letter_id in (pending, fresh):
                assert office.journey(letter_id).state == g.JOURNEY_STATE_COMPLETED
            # The Camat signed the waiting letter long after the previous release had it uploaded:
            # step 5 is late against its 5-minute standard, in the journey and in the SOP metrics.
            step5 = [s for s in office.journey(pending).steps if s.step == 5][-1]
            assert step5.late
            sop = cluster.scrape("gateway")
            late = {s.labels["step"]: s.value for s in sop["surat_sop_steps_late"].samples
                    if s.name == "surat_sop_steps_late_total"}
            assert late.get("5") == 1, late
            assert sum(late.values()) == 1, late
        finally:
            office.channel.close()
    finally:
        cluster.close()

    # Migrated forward: the old migrations stay first, every migration of this release ran (the
    # same set a new database gets, and the same newest one exported), and no table of the old
    # schema lost a row.
    fresh = UpgradedCluster.__new__(UpgradedCluster)
    fresh.root, fresh.tokens, fresh.procs, fresh.metrics_ports = tmp_path / "fresh", {
        "gateway": "unused", "registry": "unused"}, {}, {}
    fresh.root.mkdir()
    fresh.ports = {name: free_port() for name in SERVICES}
    (fresh.root / "gateway.token").write_text("unused\n")
    for name in SERVICES:
        fresh.start(name)
        fresh.stop(name)
        applied = migrations(tmp_path / name / f"{name}.sqlite")
        assert applied[:len(fixture["migrations"][name])] == fixture["migrations"][name], name
        new_database = migrations(fresh.root / name / f"{name}.sqlite")
        assert sorted(applied) == sorted(new_database), name
        assert newest[name] == [new_database[-1]], name
        for table, count in counts_before[name].items():
            assert int(sqlite(tmp_path / name / f"{name}.sqlite", f'SELECT COUNT(*) FROM "{table}"')) >= count, (name, table)
