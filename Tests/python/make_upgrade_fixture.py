"""Writes Tests/fixtures/upgrade/: the gateway database as the release at commit 741220b left it
(migrations `servicekit.idempotency.v1` and `gateway-v1`, both unchanged since), holding users,
tokens and one letter taken through the six steps, as the database file itself
(`gateway-741220b.sqlite`, vacuumed, 1 KiB pages to keep it small), plus the tokens and the letter
in fixture.json. test_upgrade.py starts the current gateway on it (migration forward).

How: a cluster of the current binaries takes the letter through the six steps; then what the
later migration `gateway-v2-registration` added (the `registration` table and its row in
`grdb_migrations`) is removed, which is the database that release wrote (its tables and rows are
the same; a step-6 reply stored then is what the new gateway backfills its registration from).
Run once, by hand: `python3 Tests/python/make_upgrade_fixture.py` (needs the debug build).
"""
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import compile_protos  # noqa: E402
from test_e2e_gateway import Cluster, Office  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "upgrade"


def main():
    compile_protos()
    with tempfile.TemporaryDirectory() as folder:
        cluster = Cluster(Path(folder))
        try:
            office = Office(cluster, None)
            letter_id = office.through_step5("Undangan rapat sebelum pemutakhiran")
            reply = office.register(letter_id)
            number = reply.journey.letter_number or office.journey(letter_id).letter_number
            office.channel.close()
        finally:
            cluster.close()
        database = Path(folder) / "gateway" / "gateway.sqlite"
        subprocess.run(["sqlite3", database, "PRAGMA wal_checkpoint(TRUNCATE)",
                        "DROP TABLE registration",
                        "DELETE FROM grdb_migrations WHERE identifier = 'gateway-v2-registration'",
                        "PRAGMA journal_mode = DELETE", "PRAGMA page_size = 1024", "VACUUM"], check=True)
        OUT.mkdir(parents=True, exist_ok=True)
        shutil.copy(database, OUT / "gateway-741220b.sqlite")
    (OUT / "fixture.json").write_text(json.dumps({
        "release": "741220b", "migrations": ["servicekit.idempotency.v1", "gateway-v1"],
        "admin_token": office.tokens["admin"], "staf_umum_token": office.tokens["ani"],
        "letter_id": letter_id, "letter_number": number,
        "users": sorted(user for user, _, _ in Office.USERS) + ["admin"],
    }, indent=2) + "\n")
    print(f"wrote {OUT}: letter {letter_id} number {number}")


if __name__ == "__main__":
    main()
