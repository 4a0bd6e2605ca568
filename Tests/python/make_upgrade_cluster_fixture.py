"""Writes Tests/fixtures/upgrade/e4d2fe5/: the five services' databases as the release at commit
e4d2fe5 left them, the database files themselves (`<service>.sqlite`, vacuumed, 1 KiB pages to
keep them small), plus what the upgrade test needs to know about
them in fixture.json (user tokens, letters, numbers, signatures, the migrations each database had).

Other files of a data directory (the registry's receipt key) are copied to `files/<service>/`.

The office in them: users, two signers (Camat, Sekretaris), three letters through all six steps
(one returned with notes once, one signed by the Sekretaris as Plh under a delegation) and a
fourth letter left awaiting the Camat's signature (step 5), which test_upgrade.py finishes with
the new binaries.

Run once, by hand, with binaries built from that release and that release's test helpers (the
Office of test_e2e_gateway.py speaks its API): in a worktree of e4d2fe5 (`git worktree add
/tmp/prev e4d2fe5`, `swift build`), copy this file into its Tests/python and run it there; then
copy the written folder back here.
The binaries are checked: every migration a database holds must be one the release's source
registers (`git grep registerMigration e4d2fe5`), so a newer build cannot pass for it.
"""
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import ROOT, compile_protos  # noqa: E402
from test_e2e_gateway import BACKENDS, CAMAT_PASSPHRASE, SEKCAM_PASSPHRASE, Cluster, Office  # noqa: E402

RELEASE = "e4d2fe5"
OUT = Path(__file__).resolve().parents[1] / "fixtures" / "upgrade" / RELEASE
SERVICES = ["gateway"] + BACKENDS


def release_migrations():
    """Migration identifiers the release's source registers (any service)."""
    grep = subprocess.run(["git", "grep", "-h", "registerMigration(\"", RELEASE, "--", "*.swift"],
                          cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return set(re.findall(r'registerMigration\("([^"]+)"', grep))


def sqlite(database, *statements):
    return subprocess.run(["sqlite3", str(database), *statements], check=True, capture_output=True, text=True).stdout


def main():
    compile_protos()
    from google.protobuf.timestamp_pb2 import Timestamp
    with tempfile.TemporaryDirectory() as folder:
        cluster = Cluster(Path(folder))
        try:
            office = Office(cluster, None)
            g = office.g
            letters = []
            # The delegation comes before any letter: the registry caches what signing publishes.
            until = Timestamp(seconds=int(time.time()) + 10 * 365 * 86_400)
            delegation = office.admin.CreateDelegation(g.CreateDelegationRequest(
                request_id="plh-sri", from_user_id="camat", to_user_id="sri", kind="plh", valid_until=until),
                metadata=office.md("admin"))
            # 1: straight through.
            letter = office.through_step5("Undangan rapat koordinasi sebelum pemutakhiran")
            letters.append((letter, office.register(letter)))
            # 2: returned with notes once, edited, then through.
            letter = office.open("Surat edaran kebersihan sebelum pemutakhiran").letter_id
            office.assign(letter)
            revision = office.draft(letter, subject="Surat edaran kebersihan sebelum pemutakhiran").revision
            office.paraf(letter)
            office.ret(letter, "Perbaiki paragraf pertama")
            office.edit(letter, revision, "Surat edaran kebersihan (perbaikan)")
            office.paraf(letter)
            office.approve(letter)
            office.upload(letter)
            office.sign(letter)
            letters.append((letter, office.register(letter)))
            # 3: signed by the Sekretaris as Plh under a delegation that outlives the test run.
            letter = office.open("Surat tugas (Plh) sebelum pemutakhiran").letter_id
            for step in (office.assign, office.draft, office.paraf, office.approve, office.upload):
                step(letter)
            grant = office.admin.GrantActing(g.GrantActingRequest(user_id="sri", role="camat", acting_for="camat",
                                                                  valid_until=until), metadata=office.md("admin"))
            signed = office.gateway.Sign(g.SignRequest(request_id=uuid.uuid4().hex, letter_id=letter,
                                                       passphrase=SEKCAM_PASSPHRASE), metadata=office.md("sri"))
            assert signed.signature.delegation_id == delegation.delegation_id
            office.admin.EndActing(g.EndActingRequest(grant_id=grant.id), metadata=office.md("admin"))
            letters.append((letter, office.register(letter)))
            # 4: left awaiting the Camat's signature.
            pending = office.open("Undangan yang ditandatangani sesudah pemutakhiran").letter_id
            for step in (office.assign, office.draft, office.paraf, office.approve, office.upload):
                step(pending)
            completed = []
            for letter, reply in letters:
                journey = office.journey(letter)
                assert journey.state == g.JOURNEY_STATE_COMPLETED
                completed.append({"letter_id": letter, "letter_number": journey.letter_number,
                                  "signature_id": journey.signature_id,
                                  "steps": [s.step for s in journey.steps]})
            office.channel.close()
        finally:
            cluster.close()
        known = release_migrations()
        migrations = {}
        OUT.mkdir(parents=True, exist_ok=True)
        for name in SERVICES:
            database = Path(folder) / name / f"{name}.sqlite"
            sqlite(database, "PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM")
            migrations[name] = sqlite(database, "SELECT identifier FROM grdb_migrations ORDER BY rowid").split()
            newer = [m for m in migrations[name] if m not in known]
            assert not newer, f"{name}: {newer} are not migrations of {RELEASE}: build that release"
            sqlite(database, "PRAGMA journal_mode = DELETE", "PRAGMA page_size = 1024", "VACUUM")
            shutil.copy(database, OUT / f"{name}.sqlite")
            # Other files of the data directory (the registry's receipt key), byte for byte.
            for extra in sorted((Path(folder) / name).iterdir()):
                if extra.is_file() and not extra.name.startswith(f"{name}.sqlite"):
                    (OUT / "files" / name).mkdir(parents=True, exist_ok=True)
                    (OUT / "files" / name / extra.name).write_bytes(extra.read_bytes())
    (OUT / "fixture.json").write_text(json.dumps({
        "release": RELEASE, "migrations": migrations,
        "tokens": office.tokens, "unit": "416-313",
        "passphrases": {"camat": CAMAT_PASSPHRASE, "sri": SEKCAM_PASSPHRASE},
        "delegation_id": delegation.delegation_id,
        "completed": completed, "awaiting_signature": pending,
    }, indent=2) + "\n")
    print(f"wrote {OUT}: {[c['letter_number'] for c in completed]}, {pending} awaiting signature")


if __name__ == "__main__":
    main()
