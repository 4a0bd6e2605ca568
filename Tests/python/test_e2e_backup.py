"""deploy/README.md's backup and restore, done as written: `sqlite3 FILE ".backup DEST"` of every
service's database while the services run, then a restore of the gateway from its backup."""
import shutil
import sqlite3
import subprocess

import pytest

from test_e2e_gateway import BACKENDS, Cluster, Office


@pytest.fixture(scope="module")
def running(tmp_path_factory, protos):
    cluster = Cluster(tmp_path_factory.mktemp("backup"))
    office = Office(cluster, protos)
    yield cluster, office
    office.channel.close()
    cluster.close()


def test_online_backup_of_each_service_and_restore_of_the_gateway(running, tmp_path):
    cluster, office = running
    letter_id = office.through_step5("Surat yang dicadangkan")
    number = office.register(letter_id).registration.letter_number
    for service in BACKENDS + ["gateway"]:
        source = cluster.root / service / f"{service}.sqlite"
        target = tmp_path / f"{service}.sqlite"
        done = subprocess.run(["sqlite3", str(source), f".backup '{target}'"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        with sqlite3.connect(target) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with sqlite3.connect(tmp_path / "gateway.sqlite") as db:
        assert db.execute("SELECT state FROM journey WHERE letter_id = ?", (letter_id,)).fetchone()[0] == "completed"

    later = office.open("Setelah pencadangan").letter_id   # exists only in the live database
    cluster.stop("gateway")
    gateway_db = cluster.root / "gateway" / "gateway.sqlite"
    for suffix in ("-wal", "-shm"):
        (gateway_db.parent / (gateway_db.name + suffix)).unlink(missing_ok=True)
    shutil.copy(tmp_path / "gateway.sqlite", gateway_db)
    cluster.start("gateway")
    from test_e2e_gateway import reconnect
    reconnect(cluster, office)
    assert office.journey(letter_id).letter_number == number
    import grpc
    with pytest.raises(grpc.RpcError) as error:
        office.journey(later)
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
