"""The `surat` CLI's main commands against the five live services (separate processes): every SOP
action, the queries, admin commands, JSON output and the exit code of each failure class."""
import json
import os
import subprocess

import pytest

from conftest import swift_bin
from test_e2e_gateway import CAMAT_PASSPHRASE, Cluster, Office


@pytest.fixture(scope="module")
def live(tmp_path_factory, protos):
    root = tmp_path_factory.mktemp("cli")
    cluster = Cluster(root)
    office = Office(cluster, protos)   # users ani/dedi/sri/camat and the Camat's signer
    office.write_tokens(root)
    (root / "passphrase").write_text(CAMAT_PASSPHRASE + "\n")
    yield cluster, root
    office.channel.close()
    cluster.close()


def surat(live, user, *args, extra_env=None):
    cluster, root = live
    # The address comes from the config file, the token from the environment.
    (root / "config.json").write_text(json.dumps({"address": f"127.0.0.1:{cluster.ports['gateway']}"}))
    env = dict(os.environ, SURAT_TOKEN_FILE=str(root / f"{user}.token"), SURAT_CONFIG=str(root / "config.json"))
    for name in ("SURAT_TOKEN", "SURAT_ADDRESS", "SURAT_PASSPHRASE_FILE"):
        env.pop(name, None)
    env.update(extra_env or {})
    return subprocess.run([str(swift_bin("surat")), *args], env=env, capture_output=True, text=True, timeout=60)


def ok(result):
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


CONTENT = ["--type", "undangan", "--classification", "005", "--subject", "Undangan musyawarah desa",
           "--body", "Dengan hormat, kami mengundang Saudara.", "--sifat", "biasa", "--urgency", "segera",
           "--to", "Kepala Desa Sooko|desa", "--drafting-unit", "Seksi Pemerintahan", "--place", "Sooko"]


def test_cli_drives_a_letter_through_all_six_steps(live):
    opened = json.loads(ok(surat(live, "ani", "open", "--json", "--subject", "Undangan musyawarah desa",
                                 "--classification", "005", "--unit", "416-313")))
    letter = opened["journey"]["letterID"]
    assert opened["journey"]["currentStep"] == 2      # open assigns the caller as clerk (step 1 done)
    draft = ok(surat(live, "dedi", "draft", "create", letter, *CONTENT))
    assert "revision  1" in draft
    assert "Undangan musyawarah desa" in ok(surat(live, "dedi", "draft", "show", letter))
    ok(surat(live, "dedi", "paraf", letter))
    queue = ok(surat(live, "sri", "queue"))
    assert letter in queue and "queue of sekretaris" in queue
    ok(surat(live, "sri", "return", letter, "--notes", "Tambahkan tempat rapat"))
    ok(surat(live, "dedi", "draft", "edit", letter, "--base-revision", "1", *CONTENT[:-2], "--place", "Pendopo Sooko"))
    ok(surat(live, "dedi", "paraf", letter))
    ok(surat(live, "sri", "approve", letter))
    ok(surat(live, "ani", "upload", letter))
    signed = ok(surat(live, "camat", "sign", letter, extra_env={"SURAT_PASSPHRASE_FILE": str(live[1] / "passphrase")}))
    assert "verified: YES" in signed
    registered = ok(surat(live, "ani", "register", letter))
    assert "005/" in registered and "Kepala Desa Sooko" in registered

    status = json.loads(ok(surat(live, "sri", "status", "--json", letter)))["journey"]
    assert [s["step"] for s in status["steps"]] == [1, 2, 3, 2, 3, 4, 5, 6]
    assert status["returns"][0]["notes"] == "Tambahkan tempat rapat"
    text = ok(surat(live, "sri", "journey", letter))
    assert "Sekretaris review" in text and "returned" in text and "total" in text
    number = status["letterNumber"]
    assert "valid     YES" in ok(surat(live, "sri", "verify", "number", number))
    assert "valid     YES" in ok(surat(live, "sri", "verify", "signature", letter))
    assert "Kepala Desa Sooko" in ok(surat(live, "ani", "delivery", letter))
    assert letter in ok(surat(live, "ani", "list", "--state", "completed"))
    sla = ok(surat(live, "sri", "sla", "report"))
    assert "Camat signature" in sla and "median" in sla
    csv = ok(surat(live, "ani", "agenda", "export", "--format", "csv"))
    assert number in csv
    assert "roles     sekretaris" in ok(surat(live, "sri", "whoami"))


def test_cli_exit_codes_per_failure_class(live):
    letter = json.loads(ok(surat(live, "ani", "open", "--json", "--subject", "Nota dinas",
                                 "--classification", "005")))["journey"]["letterID"]
    wrong_role = surat(live, "ani", "approve", letter)
    assert wrong_role.returncode == 5 and "PERMISSION_DENIED" in wrong_role.stderr and "hint" in wrong_role.stderr
    out_of_order = surat(live, "sri", "approve", letter)
    assert out_of_order.returncode == 3 and "step 2" in out_of_order.stderr
    missing = surat(live, "sri", "status", "00000000-0000-0000-0000-000000000000")
    assert missing.returncode == 4
    bad = surat(live, "ani", "open", "--subject", "x", "--classification", "65")
    assert bad.returncode == 65 and "classification" in bad.stderr
    (live[1] / "forged.token").write_text("surat_forged\n")
    assert surat(live, "forged", "whoami").returncode == 6
    closed = surat(live, "ani", "approve", letter, "--request-id", "retry-me", extra_env={"SURAT_ADDRESS": "127.0.0.1:9"})
    assert closed.returncode == 7, closed.stderr
    assert "UNAVAILABLE" in closed.stderr and "--request-id retry-me" in closed.stderr
    assert surat(live, "ani", "no-such-command").returncode == 64


def test_cli_admin_users_tokens_and_acting(live):
    ok(surat(live, "admin", "admin", "user", "create", "budi", "--name", "Budi Santoso", "--role", "staf_umum"))
    issued = surat(live, "admin", "admin", "token", "issue", "budi", "--days", "1", "--label", "laptop")
    assert issued.returncode == 0
    token = issued.stdout.strip()
    assert token.startswith("surat_") and "shown once" in issued.stderr
    (live[1] / "budi.token").write_text(token + "\n")
    assert "Budi Santoso" in ok(surat(live, "budi", "whoami"))
    tokens = json.loads(ok(surat(live, "admin", "admin", "token", "list", "--json", "--user", "budi")))["tokens"]
    assert len(tokens) == 1 and token not in json.dumps(tokens)
    ok(surat(live, "admin", "admin", "token", "revoke", tokens[0]["id"]))
    assert surat(live, "budi", "whoami").returncode == 6
    grant = ok(surat(live, "admin", "admin", "acting", "grant", "sri", "--role", "camat", "--for", "camat",
                     "--until", "2099-01-01"))
    assert "camat" in grant
    assert "camat" in ok(surat(live, "sri", "whoami"))
    assert "budi" in ok(surat(live, "admin", "admin", "user", "list"))
    assert surat(live, "ani", "admin", "user", "list").returncode == 5
