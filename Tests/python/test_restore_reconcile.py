"""Restore without duplicate numbers (issue 10), with the five services as real processes.

deploy/README.md "Backup and restore" followed as written: the registry is backed up WHILE RUNNING
(`sqlite3 .backup`), more letters are registered, the registry's host is lost, and a "fresh host"
(a new, empty data folder) gets the backup and the receipt key. Checked here:
- without registry-receipt.key the registry refuses to start and names the missing file;
- the restored registry refuses the next step 6 ("restored registry: reconcile first") because the
  gateway shows it holds later numbers, and the journey does not move;
- `surat admin registry reconcile` gives the registry back every registration it lost, with the
  original numbers (also those registered before the gateway kept registration records: it makes
  them from its stored step-6 replies at start); a second run changes nothing;
- numbering resumes after the last number: no duplicate, no gap, every number verifies (the
  registry's VerifyReceipt through the gateway and the CLI), and a replayed step 6 still shows the
  number the registry holds for that letter.
"""
import os
import shutil
import sqlite3
import subprocess
import uuid

import grpc
import pytest

from conftest import swift_bin, wait_for_log
from test_e2e_gateway import NUMBER, Cluster, Office, reconnect


def surat(cluster, root, token, *args):
    env = dict(os.environ, SURAT_ADDRESS=f"127.0.0.1:{cluster.ports['gateway']}", SURAT_TOKEN=token)
    for name in ("SURAT_TOKEN_FILE", "SURAT_CONFIG", "SURAT_CA_FILE"):
        env.pop(name, None)
    return subprocess.run([str(swift_bin("surat")), *args], env=env, capture_output=True, text=True, timeout=120,
                          cwd=root)


def sequence(number):
    match = NUMBER.match(number)
    assert match, number
    return int(match.group(1))


@pytest.fixture(scope="module")
def office(tmp_path_factory, protos):
    cluster = Cluster(tmp_path_factory.mktemp("restore"))
    o = Office(cluster, protos)
    yield cluster, o
    o.channel.close()
    cluster.close()


def test_restore_from_an_older_backup_never_issues_a_number_twice(office, tmp_path):
    cluster, o = office
    registered = {}          # letter id -> (number, gateway request id of step 6)

    def register_new(subject):
        letter_id = o.through_step5(subject)
        rid = uuid.uuid4().hex
        registered[letter_id] = (o.register(letter_id, rid=rid).registration.letter_number, rid)
        return letter_id

    for i in range(10):
        register_new(f"Surat sebelum pencadangan {i + 1}")

    # The backup, taken while the registry runs, as deploy/README.md says (database and key).
    data = cluster.root / "registry"
    backup = tmp_path / "backup"
    backup.mkdir()
    done = subprocess.run(["sqlite3", str(data / "registry.sqlite"), f".backup '{backup / 'registry.sqlite'}'"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    shutil.copy2(data / "registry-receipt.key", backup / "registry-receipt.key")

    lost = [register_new(f"Surat setelah pencadangan {i + 1}") for i in range(5)]
    numbers = [number for number, _ in registered.values()]
    assert sorted(map(sequence, numbers)) == list(range(1, 16))

    # The first 12 as a gateway of an earlier version registered them: no registration records. At
    # start the gateway makes them from its stored step-6 replies (reconcile then fetches their
    # content and signature from the signing service).
    cluster.stop("gateway")
    with sqlite3.connect(cluster.root / "gateway" / "gateway.sqlite") as db:
        db.executemany("DELETE FROM registration WHERE letter_id = ?", [(l,) for l in list(registered)[:12]])
    db.close()
    cluster.start("gateway")
    reconnect(cluster, o)
    log = wait_for_log(cluster.root / "gateway.log", lambda t: "registration records made from stored step-6 replies" in t)
    assert "registration records made from stored step-6 replies" in log and "count=12" in log, log

    # The registry's host is lost; a fresh host gets the same data folder path, empty.
    cluster.stop("registry")
    data.rename(cluster.root / "registry-lost-host")
    data.mkdir()
    shutil.copy2(backup / "registry.sqlite", data / "registry.sqlite")

    # Forgetting the receipt key: the registry refuses to start and says which file is missing.
    with pytest.raises(RuntimeError) as refused_start:
        cluster.start("registry")
    key_path = data / "registry-receipt.key"
    assert f"{key_path} is missing" in str(refused_start.value), str(refused_start.value)
    assert "restore registry-receipt.key" in str(refused_start.value)
    assert not key_path.exists()

    shutil.copy2(backup / "registry-receipt.key", key_path)
    os.chmod(key_path, 0o600)
    cluster.start("registry")

    # The next new letter's step 6 is refused with the clear message; the journey stays at step 6.
    waiting = o.through_step5("Surat pertama setelah pemulihan")
    with pytest.raises(grpc.RpcError) as refused:
        o.register(waiting)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION, refused.value.details()
    assert "restored registry: reconcile first" in refused.value.details()
    assert "surat admin registry reconcile" in refused.value.details()
    assert o.journey(waiting).state == o.g.JOURNEY_STATE_SIGNED
    clerk = surat(cluster, tmp_path, o.tokens["ani"], "register", waiting)
    assert clerk.returncode == 3, clerk.stdout + clerk.stderr
    assert "restored registry: reconcile first" in clerk.stderr
    assert "an admin runs `surat admin registry reconcile`" in clerk.stderr, clerk.stderr

    # What reconcile would do (over the published gateway.proto), then doing it with the CLI as
    # district IT would.
    year = o.journey(lost[0]).letter_number.rsplit("/", 1)[1]
    dry = o.admin.ReconcileRegistry(o.g.ReconcileRegistryRequest(request_id=uuid.uuid4().hex, dry_run=True),
                                    metadata=o.md("admin"))
    assert dry.reconcile_required_before and dry.reconcile_required and dry.sent == 5 and dry.imported == 0
    assert list(dry.missing) == [f"{year}/{n}" for n in range(11, 16)], dry.missing
    assert "restored" not in dry.detail and "stopped" in dry.detail, dry.detail
    with pytest.raises(grpc.RpcError) as not_admin:
        o.admin.ReconcileRegistry(o.g.ReconcileRegistryRequest(request_id=uuid.uuid4().hex), metadata=o.md("ani"))
    assert not_admin.value.code() == grpc.StatusCode.PERMISSION_DENIED
    admin = cluster.admin_token
    status = surat(cluster, tmp_path, admin, "admin", "registry", "status")
    assert status.returncode == 0, status.stderr
    assert "would send 5 registration(s)" in status.stdout and "STOPPED" in status.stdout, status.stdout
    reconciled = surat(cluster, tmp_path, admin, "admin", "registry", "reconcile")
    assert reconciled.returncode == 0, reconciled.stderr + reconciled.stdout
    assert "5 taken back with their original numbers" in reconciled.stdout, reconciled.stdout
    assert "numbering: on" in reconciled.stdout, reconciled.stdout
    again = surat(cluster, tmp_path, admin, "admin", "registry", "reconcile")
    assert again.returncode == 0 and "sent 0 registration(s)" in again.stdout, again.stdout + again.stderr

    # Numbering resumes after the last acknowledged number.
    number = o.register(waiting).registration.letter_number
    registered[waiting] = (number, None)
    assert sequence(number) == 16
    registered_later = register_new("Surat kedua setelah pemulihan")
    assert sequence(registered[registered_later][0]) == 17

    numbers = [number for number, _ in registered.values()]
    assert len(set(numbers)) == len(numbers) == 17, numbers
    assert sorted(map(sequence, numbers)) == list(range(1, 18))

    # Every number verifies, and the registry holds each for the letter the gateway shows it for.
    for letter_id, (number, _) in registered.items():
        verified = o.gateway.VerifyNumber(o.g.VerifyNumberRequest(letter_number=number), metadata=o.md("sri"))
        assert verified.valid and verified.letter_id == letter_id, (number, verified.detail)
    cli = surat(cluster, tmp_path, o.tokens["sri"], "verify", "number", registered[lost[2]][0])
    assert cli.returncode == 0 and "valid     YES" in cli.stdout, cli.stdout + cli.stderr

    # A replayed step 6 of a letter the restore had lost answers the number the registry now holds.
    letter_id = lost[0]
    number, rid = registered[letter_id]
    assert o.register(letter_id, rid=rid).registration.letter_number == number
    entry = o.gateway.VerifyNumber(o.g.VerifyNumberRequest(letter_number=number), metadata=o.md("ani"))
    assert entry.letter_id == letter_id
