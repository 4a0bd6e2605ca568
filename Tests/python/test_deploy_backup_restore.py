"""deploy/README.md "Backup and restore", its own command blocks run as written on simulated hosts, with
the registry running as an unprivileged service account, driven from Python stubs compiled from
proto-notes/ (what another agency's tooling would use):

- the backup block (recipe:backup) run as root while the registry runs: it makes its folder, backs
  up as the service account (no root-owned -wal/-shm left behind), checks integrity, takes the
  receipt key and /etc/surat, and writes checksums that `sha256sum -c` accepts;
- a "fresh host" restored with the restore block (recipe:restore-registry): owners and modes, the
  registry starts with its original key and book;
- the restored registry refuses to number once a caller shows a later agenda position, imports the
  lost registrations over `ImportRegistrations` (admin only, each receipt checked by its seal; a
  forged one refused; idempotent) and then numbers on without gap or duplicate.
"""
import hashlib
import shutil
import subprocess
import uuid

import grpc
import pytest

from conftest import ServiceProcess, free_port
from deploy_support import (Host, SystemUser, copy_executables, owner_and_mode, recipe, require_root, run, short_id,
                            world_folder)
from test_registry import Camat, signed_letter

TOKEN = "backup-test-" + uuid.uuid4().hex
CLERK = [("authorization", f"Bearer {TOKEN}"), ("surat-actor-id", "ani"), ("surat-actor-role", "staf_umum")]
ADMIN = [("authorization", f"Bearer {TOKEN}"), ("surat-actor-id", "it-kecamatan"), ("surat-actor-role", "admin")]


def localize(host: Host, account: str, text: str) -> str:
    """The README block with its paths inside `host` and the service account's name."""
    text = host.localize(text).replace("/var/backups/surat", str(host.path("/var/backups/surat")))
    return text.replace("-o surat ", f"-o {account} ")


def script(host: Host, account: str, name: str, skip=()) -> str:
    lines = [line for line in recipe(name).split("\n") if not any(s in line for s in skip)]
    return "set -euo pipefail\n" + localize(host, account, "\n".join(lines)) + "\n"


class Registry:
    """surat-registry as the service account, on `host`'s /var/lib/surat/registry."""

    def __init__(self, host: Host, user: SystemUser, build, keys, log):
        self.process = ServiceProcess(user.argv([
            build / "surat-registry", "--port", free_port(), "--data-directory", host.path("/var/lib/surat/registry"),
            "--signing-endpoint", "", "--trusted-keys-file", keys, "--office-id", "kec-sooko", "--unit", "416-313",
            "--service-tokens", "backup-test:" + hashlib.sha256(TOKEN.encode()).hexdigest()]),
            env={"HOME": "/nonexistent"}, log_path=log)
        from surat.registry.v1 import registry_pb2_grpc
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.process.port}")
        self.stub = registry_pb2_grpc.RegistryStub(self.channel)

    def stop(self):
        self.channel.close()
        return self.process.stop()


def held(request, entry):
    from surat.registry.v1 import registry_pb2
    return registry_pb2.HeldRegistration(
        receipt=registry_pb2.Receipt(text=entry.receipt.text, signature=entry.receipt.signature),
        content=request.content, signature=request.signature, registered_by=entry.registered_by,
        request_id=request.request_id)


def make_host(folder, name, account, build):
    host = Host(folder / name, account, build)
    for path in ("/var/lib/surat", "/etc/surat"):
        host.path(path).mkdir(parents=True, exist_ok=True)
        host.path(path).chmod(0o755)
    return host


@pytest.mark.timeout(600)
def test_backup_and_restore_blocks_of_the_readme(protos):
    from surat.registry.v1 import registry_pb2
    require_root()
    tag = short_id()
    folder = world_folder("surat-backup-")
    account = f"srb{tag}"
    user = SystemUser(account)
    registries = []
    try:
        build = copy_executables(folder / "build", names=("surat-registry",))
        camat = Camat()
        keys = folder / "trusted-keys.json"
        keys.write_text(camat.trusted_keys_json())
        keys.chmod(0o644)

        first = make_host(folder, "host1", account, build)
        data = first.path("/var/lib/surat/registry")
        data.mkdir()
        user.give(data, 0o750)
        first.path("/etc/surat/registry.json").write_text("{}\n")
        registry = Registry(first, user, build, keys, folder / "registry-1.log")
        registries.append(registry)
        kept = []
        for i in range(3):
            request = signed_letter(camat, subject=f"Surat sebelum pencadangan {i + 1}")
            kept.append((request, registry.stub.Register(request, metadata=CLERK).entry))
        key_id = registry.stub.GetRegistryKey(registry_pb2.GetRegistryKeyRequest(), metadata=CLERK).key_id

        # The backup block, as root, while the registry runs.
        backup = run(["bash", "-c", script(first, account, "backup")], timeout=120)
        assert backup.stdout.split() == ["ok"], backup.stdout       # one database on this host, intact
        days = [p for p in first.path("/var/backups/surat").iterdir() if p.is_dir()]
        assert len(days) == 1
        day = days[0]
        # The marker `surat doctor` reads for the age of the last backup (deploy/README.md, Monitoring).
        assert first.path("/var/backups/surat/last-backup").is_file()
        assert owner_and_mode(day) == (account, account, 0o700)
        assert sorted(p.name for p in day.iterdir()) == ["SHA256SUMS", "etc-surat.tar.gz", "registry-receipt.key",
                                                          "registry.sqlite"]
        assert owner_and_mode(day / "registry-receipt.key") == (account, account, 0o600)
        assert (day / "registry-receipt.key").read_bytes() == (data / "registry-receipt.key").read_bytes()
        run(["sha256sum", "-c", "SHA256SUMS"], cwd=day)
        assert "  -" not in (day / "SHA256SUMS").read_text()
        listing = run(["tar", "-tzf", day / "etc-surat.tar.gz"]).stdout
        assert "./registry.json" in listing.split()
        for path in data.iterdir():      # nothing the service account could not open afterwards
            assert owner_and_mode(path)[0] == account, path

        lost = []
        for i in range(2):
            request = signed_letter(camat, subject=f"Surat setelah pencadangan {i + 1}")
            lost.append((request, registry.stub.Register(request, metadata=CLERK).entry))
        year = lost[-1][1].agenda_year
        assert [e.agenda_sequence for _, e in kept + lost] == [1, 2, 3, 4, 5]
        assert registry.stop() == 0
        registries.remove(registry)

        # A fresh host: the backup folder copied onto it, then the restore block (systemd's lines aside).
        second = make_host(folder, "host2", account, build)
        copied = second.path("/var/backups/surat/2026-11-28")
        shutil.copytree(day, copied)
        restore = run(["bash", "-c", script(second, account, "restore-registry", skip=("systemctl",))], timeout=120)
        assert "registry.sqlite: OK" in restore.stdout, restore.stdout
        restored = second.path("/var/lib/surat/registry")
        assert owner_and_mode(restored) == (account, account, 0o750)
        assert owner_and_mode(restored / "registry.sqlite") == (account, account, 0o640)
        assert owner_and_mode(restored / "registry-receipt.key") == (account, account, 0o600)

        registry = Registry(second, user, build, keys, folder / "registry-2.log")
        registries.append(registry)
        stub = registry.stub
        assert stub.GetRegistryKey(registry_pb2.GetRegistryKeyRequest(), metadata=CLERK).key_id == key_id
        for _, entry in kept:
            assert stub.VerifyReceipt(registry_pb2.VerifyReceiptRequest(number=entry.number), metadata=CLERK).valid
        status = stub.GetReconcileStatus(registry_pb2.GetReconcileStatusRequest(), metadata=CLERK)
        assert not status.reconcile_required

        # A caller holding agenda YEAR/5 shows the book is behind: nothing new is numbered.
        waiting = signed_letter(camat, subject="Surat pertama setelah pemulihan")
        waiting.known_agenda.append(registry_pb2.AgendaPosition(year=year, sequence=5))
        with pytest.raises(grpc.RpcError) as refused:
            stub.Register(waiting, metadata=CLERK)
        assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "restored registry: reconcile first" in refused.value.details()
        status = stub.GetReconcileStatus(registry_pb2.GetReconcileStatusRequest(), metadata=CLERK)
        assert status.reconcile_required
        (state,) = [y for y in status.years if y.year == year]
        assert (state.last_sequence, state.entry_count, state.known_sequence, list(state.missing)) == (3, 3, 5, [4, 5])

        # The import: admin only; a forged receipt refused; the real ones taken back; idempotent.
        importing = registry_pb2.ImportRegistrationsRequest(request_id="import-1", registrations=[held(*r) for r in lost])
        with pytest.raises(grpc.RpcError) as denied:
            stub.ImportRegistrations(importing, metadata=CLERK)
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
        forged = held(*lost[0])
        forged.receipt.text = forged.receipt.text.replace(b"agenda=", b"agenda=9")
        answer = stub.ImportRegistrations(registry_pb2.ImportRegistrationsRequest(request_id="import-0",
                                                                                  registrations=[forged]), metadata=ADMIN)
        assert answer.imported == 0 and len(answer.problems) == 1
        assert "seal does not verify" in answer.problems[0].problem and answer.status.reconcile_required
        answer = stub.ImportRegistrations(importing, metadata=ADMIN)
        assert (answer.imported, answer.already_present, list(answer.problems)) == (2, 0, [])
        assert not answer.status.reconcile_required
        assert [e.number for e in answer.entries] == [e.number for _, e in lost]
        # A retry is the stored reply (issue 12); another import of letters already back writes nothing.
        again = stub.ImportRegistrations(importing, metadata=ADMIN)
        assert again == answer
        one = stub.ImportRegistrations(registry_pb2.ImportRegistrationsRequest(request_id="import-2", registrations=[held(*lost[0])]),
                                       metadata=ADMIN)
        assert (one.imported, one.already_present) == (0, 1)

        # Numbering goes on after the last acknowledged number; every number verifies.
        sixth = stub.Register(waiting, metadata=CLERK).entry
        assert sixth.agenda_sequence == 6 and sixth.sequence == 6
        numbers = [e.number for _, e in kept + lost] + [sixth.number]
        assert len(set(numbers)) == 6
        for number in numbers:
            assert stub.VerifyReceipt(registry_pb2.VerifyReceiptRequest(number=number), metadata=CLERK).valid, number
        assert registry.stop() == 0
        registries.remove(registry)
    finally:
        for registry in registries:
            registry.stop()
        user.remove()
        subprocess.run(["rm", "-rf", str(folder)], timeout=120)
