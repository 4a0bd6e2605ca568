"""Issue 11, items 1, 6, 7 and 8 against the five live services (separate processes), with a client
compiled only from proto-notes/: units the registry refuses are refused at OpenLetter; a letter is
withdrawn and then stays put; assignment is enforced and moved by ReassignLetter; a letter's content
is read by sifat; admin actions land in the append-only audit log; the CLI's withdraw, reassign and
admin audit commands."""
import json
import os
import subprocess
import uuid

import grpc
import pytest

from conftest import swift_bin
from test_e2e_gateway import Cluster, Office, UNIT, expect


@pytest.fixture(scope="module")
def office(tmp_path_factory, protos):
    root = tmp_path_factory.mktemp("oversight")
    cluster = Cluster(root)
    o = Office(cluster, protos)
    # A second clerk and drafter (to be refused, then reassigned to) and an auditor.
    for user_id, name, role in [("budi", "Budi Staf Umum", "staf_umum"), ("eko", "Eko Seksi Kesra", "drafter"),
                                ("aud", "Inspektorat", "auditor")]:
        o.admin.CreateUser(o.g.CreateUserRequest(user_id=user_id, name=name, role=role), metadata=o.md("admin"))
        o.tokens[user_id] = o.admin.IssueToken(o.g.IssueTokenRequest(user_id=user_id), metadata=o.md("admin")).token
    o.root = root
    o.cluster = cluster
    yield o
    o.channel.close()
    cluster.close()


def rid():
    return uuid.uuid4().hex


def call(office, user, method, request):
    return getattr(office.gateway, method)(request, metadata=office.md(user))


def field_of(error):
    return dict(error.trailing_metadata() or ()).get("surat-field")


def test_open_refuses_a_unit_the_registry_would_refuse(office):
    """A unit the registry does not number, one that is not a unit code, one with a newline: refused
    at step 1 naming `unit`, not at step 6 after five steps of work (item 1)."""
    g = office.g
    for unit, says in [("999-999", "not a unit the registry numbers"), ("416/313", "only ASCII letters"),
                       ("416-313\n", "control character")]:
        error = expect(grpc.StatusCode.INVALID_ARGUMENT, call, office, "ani", "OpenLetter",
                       g.OpenLetterRequest(request_id=rid(), subject="Undangan", classification="005", unit=unit))
        assert field_of(error) == "unit" and says in error.details(), error.details()
    error = expect(grpc.StatusCode.INVALID_ARGUMENT, call, office, "ani", "OpenLetter",
                   g.OpenLetterRequest(request_id=rid(), subject="Undangan", classification="065/1", unit=UNIT))
    assert field_of(error) == "classification"
    # The registry's own unit is accepted, and such a letter is numbered with it.
    assert office.open().unit == UNIT


def test_withdraw_at_step_5_stops_the_letter_for_good(office):
    g = office.g
    letter_id = office.open("Undangan yang dibatalkan").letter_id
    office.assign(letter_id)
    office.draft(letter_id)
    office.paraf(letter_id)
    office.approve(letter_id)
    office.upload(letter_id)
    queue = call(office, "camat", "GetWorkQueue", g.WorkQueueRequest())
    assert letter_id in [item.letter_id for item in queue.items]
    # Only the letter's clerk (or an admin); a reason is required.
    expect(grpc.StatusCode.PERMISSION_DENIED, call, office, "budi", "WithdrawLetter",
           g.WithdrawLetterRequest(request_id=rid(), letter_id=letter_id, reason="Acara batal"))
    expect(grpc.StatusCode.PERMISSION_DENIED, call, office, "dedi", "WithdrawLetter",
           g.WithdrawLetterRequest(request_id=rid(), letter_id=letter_id, reason="Acara batal"))
    error = expect(grpc.StatusCode.INVALID_ARGUMENT, call, office, "ani", "WithdrawLetter",
                   g.WithdrawLetterRequest(request_id=rid(), letter_id=letter_id, reason="  "))
    assert field_of(error) == "reason"
    journey = call(office, "ani", "WithdrawLetter",
                   g.WithdrawLetterRequest(request_id=rid(), letter_id=letter_id, reason="Acara batal")).journey
    assert journey.state == g.JOURNEY_STATE_WITHDRAWN and journey.current_step == 0
    assert journey.withdrawal.reason == "Acara batal" and journey.withdrawal.at_step == 5
    assert journey.withdrawal.by.id == "ani"
    assert journey.steps[-1].step == 5 and journey.steps[-1].outcome == g.STEP_OUTCOME_WITHDRAWN
    # Gone from the Camat's queue; signing and registering it are refused saying why.
    queue = call(office, "camat", "GetWorkQueue", g.WorkQueueRequest())
    assert letter_id not in [item.letter_id for item in queue.items]
    expect(grpc.StatusCode.FAILED_PRECONDITION, office.sign, letter_id, contains="withdrawn")
    expect(grpc.StatusCode.FAILED_PRECONDITION, office.register, letter_id, contains="withdrawn")
    expect(grpc.StatusCode.FAILED_PRECONDITION, call, office, "admin", "WithdrawLetter",
           g.WithdrawLetterRequest(request_id=rid(), letter_id=letter_id, reason="lagi"))
    listed = call(office, "ani", "ListLetters", g.ListLettersRequest(state=g.JOURNEY_STATE_WITHDRAWN)).letters
    assert letter_id in [j.letter_id for j in listed]


def test_admin_withdraws_before_assignment_and_a_completed_letter_cannot_be_withdrawn(office):
    g = office.g
    letter_id = office.open().letter_id
    journey = call(office, "admin", "WithdrawLetter",
                   g.WithdrawLetterRequest(request_id=rid(), letter_id=letter_id, reason="Dobel")).journey
    assert journey.state == g.JOURNEY_STATE_WITHDRAWN and journey.withdrawal.at_step == 1
    completed = office.through_step5()
    office.register(completed)
    expect(grpc.StatusCode.FAILED_PRECONDITION, call, office, "ani", "WithdrawLetter",
           g.WithdrawLetterRequest(request_id=rid(), letter_id=completed, reason="Terlambat"), contains="completed")


def test_assignment_is_enforced_and_moved_by_reassign(office):
    """Another drafter cannot edit or initial the draft, another clerk cannot upload or register;
    ReassignLetter (the clerk or an admin, with a reason) moves the assignment and the journey
    records it (item 7)."""
    g = office.g
    letter_id = office.open("Surat tugas").letter_id
    office.assign(letter_id)
    drafted = office.draft(letter_id, subject="Surat tugas")
    edit = g.EditDraftRequest(request_id=rid(), letter_id=letter_id, base_revision=drafted.revision,
                              content=office.content("Surat tugas (eko)"))
    expect(grpc.StatusCode.PERMISSION_DENIED, call, office, "eko", "EditDraft", edit, contains="dedi")
    expect(grpc.StatusCode.PERMISSION_DENIED, call, office, "eko", "Paraf",
           g.ParafRequest(request_id=rid(), letter_id=letter_id, revision=drafted.revision,
                          revision_digest=drafted.revision_digest))
    # Only the clerk or an admin reassigns; the target must hold the role.
    reassign = lambda user, **kw: call(office, user, "ReassignLetter", g.ReassignLetterRequest(
        request_id=rid(), letter_id=letter_id, **kw))
    expect(grpc.StatusCode.PERMISSION_DENIED, reassign, "budi", role="drafter", to_user_id="eko", reason="cuti")
    expect(grpc.StatusCode.PERMISSION_DENIED, reassign, "dedi", role="drafter", to_user_id="eko", reason="cuti")
    error = expect(grpc.StatusCode.INVALID_ARGUMENT, reassign, "ani", role="drafter", to_user_id="budi", reason="cuti")
    assert field_of(error) == "to_user_id"
    error = expect(grpc.StatusCode.INVALID_ARGUMENT, reassign, "ani", role="drafter", to_user_id="eko", reason="")
    assert field_of(error) == "reason"
    journey = reassign("ani", role="drafter", to_user_id="eko", reason="Dedi cuti").journey
    assert journey.drafter.id == "eko"
    assert [(r.role, r.previous.id, r.assignee.id, r.by.id, r.reason) for r in journey.reassignments] == [
        ("drafter", "dedi", "eko", "ani", "Dedi cuti")]
    edit.request_id = rid()
    edited = call(office, "eko", "EditDraft", edit)
    expect(grpc.StatusCode.PERMISSION_DENIED, office.paraf, letter_id)          # dedi no longer holds it
    call(office, "eko", "Paraf", g.ParafRequest(request_id=rid(), letter_id=letter_id, revision=edited.revision,
                                               revision_digest=edited.revision_digest))
    office.approve(letter_id)
    upload = g.UploadForSignatureRequest(request_id=rid(), letter_id=letter_id)
    expect(grpc.StatusCode.PERMISSION_DENIED, call, office, "budi", "UploadForSignature", upload, contains="ani")
    reassign("admin", role="staf_umum", to_user_id="budi", reason="Ani pindah tugas")
    expect(grpc.StatusCode.PERMISSION_DENIED, office.upload, letter_id)         # ani no longer holds it
    call(office, "budi", "UploadForSignature", upload)
    office.sign(letter_id)
    expect(grpc.StatusCode.PERMISSION_DENIED, office.register, letter_id)
    registered = call(office, "budi", "Register", g.RegisterRequest(request_id=rid(), letter_id=letter_id))
    assert registered.journey.state == g.JOURNEY_STATE_COMPLETED
    assert [s.actor.id for s in registered.journey.steps] == ["ani", "eko", "sri", "budi", "camat", "budi"]
    assert [r.by.id for r in registered.journey.reassignments] == ["ani", "admin"]


def secret_letter(office, sifat):
    letter_id = office.open("Laporan pemeriksaan").letter_id
    office.assign(letter_id)
    content = office.content("Laporan pemeriksaan")
    content.sifat = sifat
    office.gateway.CreateDraft(office.g.CreateDraftRequest(request_id=rid(), letter_id=letter_id, content=content),
                               metadata=office.md("dedi"))
    return letter_id


def test_sangat_rahasia_content_is_for_participants_only(office):
    """A Sangat Rahasia draft: its drafter and clerk read it, the Sekretaris once it waits for her;
    another drafter, another clerk and the admin get PERMISSION_DENIED from GetDraft and
    PreviewLetter; everyone still reads the journey (item 6)."""
    g, L = office.g, office.letter
    letter_id = secret_letter(office, L.SIFAT_SANGAT_RAHASIA)
    for user in ("dedi", "ani"):
        assert call(office, user, "GetDraft", g.GetDraftRequest(letter_id=letter_id)).content.subject == "Laporan pemeriksaan"
    for user in ("eko", "budi", "sri", "camat", "admin", "aud"):
        expect(grpc.StatusCode.PERMISSION_DENIED, call, office, user, "GetDraft", g.GetDraftRequest(letter_id=letter_id),
               contains="Sangat Rahasia")
        expect(grpc.StatusCode.PERMISSION_DENIED, call, office, user, "PreviewLetter",
               g.PreviewLetterRequest(letter_id=letter_id))
        assert call(office, user, "GetJourney", g.GetJourneyRequest(letter_id=letter_id)).journey.letter_id == letter_id
    office.paraf(letter_id)
    assert call(office, "sri", "GetDraft", g.GetDraftRequest(letter_id=letter_id)).content.sifat == L.SIFAT_SANGAT_RAHASIA
    expect(grpc.StatusCode.PERMISSION_DENIED, call, office, "camat", "GetDraft", g.GetDraftRequest(letter_id=letter_id))


def test_rahasia_content_is_for_participants_and_the_sop_chain(office):
    g, L = office.g, office.letter
    letter_id = secret_letter(office, L.SIFAT_RAHASIA)
    for user in ("dedi", "ani", "budi", "sri", "camat"):
        call(office, user, "GetDraft", g.GetDraftRequest(letter_id=letter_id))
    for user in ("eko", "admin", "aud"):
        expect(grpc.StatusCode.PERMISSION_DENIED, call, office, user, "GetDraft", g.GetDraftRequest(letter_id=letter_id),
               contains="Rahasia")
    # Biasa stays readable by everyone, as before.
    biasa = secret_letter(office, L.SIFAT_BIASA)
    for user in ("eko", "admin", "aud"):
        call(office, user, "GetDraft", g.GetDraftRequest(letter_id=biasa))


def test_admin_actions_are_in_the_audit_log(office):
    g = office.g
    office.admin.CreateUser(g.CreateUserRequest(user_id="tono", name="Tono", role="drafter"), metadata=office.md("admin"))
    issued = office.admin.IssueToken(g.IssueTokenRequest(user_id="tono", label="laptop"), metadata=office.md("admin"))
    office.admin.SetUserActive(g.SetUserActiveRequest(user_id="tono", active=False), metadata=office.md("admin"))
    expect(grpc.StatusCode.PERMISSION_DENIED, call, office, "ani", "ListAuditLog", g.ListAuditLogRequest())
    entries = call(office, "aud", "ListAuditLog", g.ListAuditLogRequest(actor_id="admin", limit=500)).entries
    assert [e.sequence for e in entries] == sorted(e.sequence for e in entries)
    mine = [(e.action, e.target) for e in entries if e.target == "user:tono"]
    assert mine == [("CreateUser", "user:tono"), ("IssueToken", "user:tono"), ("SetUserActive", "user:tono")]
    token_entry = next(e for e in entries if e.action == "IssueToken" and e.target == "user:tono")
    assert issued.token_id in token_entry.detail and issued.token not in token_entry.detail
    assert token_entry.actor.id == "admin" and token_entry.actor.role == "admin"
    signers = [e for e in entries if e.action == "RegisterSigner"]
    assert {e.target for e in signers} >= {"signer:camat", "signer:sri"}
    # Paging by sequence.
    first = call(office, "admin", "ListAuditLog", g.ListAuditLogRequest(limit=1)).entries
    after = call(office, "admin", "ListAuditLog", g.ListAuditLogRequest(after_sequence=first[0].sequence, limit=1)).entries
    assert first[0].sequence == 1 and after[0].sequence == 2


def surat(office, user, *args):
    token_file = office.root / f"{user}.token"
    token_file.write_text(office.tokens[user] + "\n")
    env = dict(os.environ, SURAT_TOKEN_FILE=str(token_file), SURAT_ADDRESS=f"127.0.0.1:{office.cluster.ports['gateway']}")
    for name in ("SURAT_TOKEN", "SURAT_CONFIG", "SURAT_PASSPHRASE_FILE"):
        env.pop(name, None)
    return subprocess.run([str(swift_bin("surat")), *args], env=env, capture_output=True, text=True, timeout=60)


def test_cli_withdraw_reassign_and_audit(office):
    letter_id = office.open().letter_id
    office.assign(letter_id)
    office.draft(letter_id)
    result = surat(office, "ani", "reassign", letter_id, "--role", "drafter", "--to", "eko", "--reason", "Dedi dinas luar")
    assert result.returncode == 0, result.stderr
    assert "reassigned drafter" in result.stdout and "Dedi dinas luar" in result.stdout
    refused = surat(office, "budi", "withdraw", letter_id, "--reason", "x")
    assert refused.returncode == 5, refused.stderr               # permission denied
    result = surat(office, "ani", "withdraw", letter_id, "--reason", "Tidak diperlukan lagi", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["journey"]["withdrawal"]["reason"] == "Tidak diperlukan lagi"
    audit = surat(office, "aud", "admin", "audit", "--action", "WithdrawLetter")
    assert audit.returncode == 0, audit.stderr
    assert f"letter:{letter_id}" in audit.stdout and "Tidak diperlukan lagi" in audit.stdout


def test_a_new_signing_key_signs_only_after_the_signer_sets_its_passphrase(office):
    """An admin registers a signer as pending (no key, no passphrase); Sign by that user fails; the
    admin cannot activate it; the signer, as themself, sets the passphrase and then signs (item 8)."""
    g = office.g
    office.admin.CreateUser(g.CreateUserRequest(user_id="wakil", name="Wakil Camat", role="camat", nip="197501012000031002"),
                            metadata=office.md("admin"))
    office.tokens["wakil"] = office.admin.IssueToken(g.IssueTokenRequest(user_id="wakil"), metadata=office.md("admin")).token
    error = expect(grpc.StatusCode.INVALID_ARGUMENT, office.admin.RegisterSigner, g.RegisterSignerRequest(
        request_id=rid(), user_id="wakil", position="Camat Sooko", passphrase="admin-knows-this"), metadata=office.md("admin"))
    assert field_of(error) == "passphrase"
    error = expect(grpc.StatusCode.INVALID_ARGUMENT, office.admin.RegisterSigner, g.RegisterSignerRequest(
        request_id=rid(), user_id="eko", position="Seksi"), metadata=office.md("admin"))    # eko has no NIP
    assert field_of(error) == "user_id" and "NIP" in error.details()
    info = office.admin.RegisterSigner(g.RegisterSignerRequest(request_id=rid(), user_id="wakil", position="Camat Sooko"),
                                       metadata=office.md("admin"))
    assert info.pending and info.key_id == ""
    listed = {s.signer_id: s for s in office.admin.ListSigners(g.ListSignersRequest(), metadata=office.md("admin")).signers}
    assert listed["wakil"].pending and listed["wakil"].key_id == "" and not listed["camat"].pending
    # No key yet: the letter cannot be signed by this user.
    letter_id = office.open("Surat keterangan").letter_id
    office.assign(letter_id)
    office.draft(letter_id, subject="Surat keterangan")
    office.paraf(letter_id)
    office.approve(letter_id)
    office.upload(letter_id)
    sign = lambda passphrase: call(office, "wakil", "Sign", g.SignRequest(request_id=rid(), letter_id=letter_id,
                                                                        passphrase=passphrase))
    with pytest.raises(grpc.RpcError) as refused:
        sign("admin-knows-this")
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED, refused.value.details()
    assert "not a registered signer" in refused.value.details()
    assert call(office, "ani", "GetJourney", g.GetJourneyRequest(letter_id=letter_id)).journey.state == g.JOURNEY_STATE_AWAITING_SIGNATURE
    # Only the signer activates: the admin has no registration of their own.
    expect(grpc.StatusCode.FAILED_PRECONDITION, call, office, "admin", "ActivateSigningKey",
           g.ActivateSigningKeyRequest(request_id=rid(), passphrase="admin-knows-this"))
    activated = call(office, "wakil", "ActivateSigningKey", g.ActivateSigningKeyRequest(request_id=rid(), passphrase="frasa-wakil-sendiri"))
    assert not activated.pending and activated.key_id and activated.position == "Camat Sooko"
    expect(grpc.StatusCode.FAILED_PRECONDITION, call, office, "wakil", "ActivateSigningKey",
           g.ActivateSigningKeyRequest(request_id=rid(), passphrase="again-another-one"), contains="already active")
    signed = sign("frasa-wakil-sendiri")
    assert signed.signature.signer_id == "wakil" and signed.signature.key_id == activated.key_id and signed.signature.verified
    log = call(office, "admin", "ListAuditLog", g.ListAuditLogRequest(limit=500)).entries
    assert [(e.action, e.actor.id) for e in log if e.target == "signer:wakil"] == [
        ("RegisterSigner", "admin"), ("ActivateSigningKey", "wakil")]


def test_cli_signer_register_then_activate_by_the_signer(office):
    g = office.g
    office.admin.CreateUser(g.CreateUserRequest(user_id="plt", name="Plt Camat", role="camat", nip="198001012005011009"),
                            metadata=office.md("admin"))
    office.tokens["plt"] = office.admin.IssueToken(g.IssueTokenRequest(user_id="plt"), metadata=office.md("admin")).token
    registered = surat(office, "admin", "admin", "signer", "register", "plt", "--position", "Plt. Camat Sooko")
    assert registered.returncode == 0, registered.stderr
    assert "(pending" in registered.stdout
    passphrase = office.root / "plt.passphrase"
    passphrase.write_text("frasa-sandi-plt-sendiri\n")
    token_file = office.root / "plt.token"
    token_file.write_text(office.tokens["plt"] + "\n")
    env = dict(os.environ, SURAT_TOKEN_FILE=str(token_file), SURAT_PASSPHRASE_FILE=str(passphrase),
               SURAT_ADDRESS=f"127.0.0.1:{office.cluster.ports['gateway']}")
    activated = subprocess.run([str(swift_bin("surat")), "signer", "activate", "--json"], env=env, capture_output=True,
                               text=True, timeout=60)
    assert activated.returncode == 0, activated.stderr
    info = json.loads(activated.stdout)
    assert info["signerID"] == "plt" and info["keyID"] and not info.get("pending", False)
    listed = surat(office, "admin", "admin", "signer", "list")
    assert "plt" in listed.stdout and "(pending" not in [line for line in listed.stdout.splitlines() if line.startswith("plt")][0]


def test_final_pdf_of_a_sangat_rahasia_letter_is_for_participants_only(office):
    """GetLetterPDF follows the same sifat rule: a Staf Umum who is not on the letter's journey and
    the admin are refused before the registry is asked; the letter's clerk is not refused for it."""
    g, L = office.g, office.letter
    letter_id = secret_letter(office, L.SIFAT_SANGAT_RAHASIA)
    office.paraf(letter_id)
    office.approve(letter_id)
    office.upload(letter_id)
    office.sign(letter_id)
    number = office.register(letter_id).registration.letter_number
    for user, request in [("budi", g.GetLetterPDFRequest(letter_number=number)), ("budi", g.GetLetterPDFRequest(letter_id=letter_id)),
                          ("admin", g.GetLetterPDFRequest(letter_number=number))]:
        expect(grpc.StatusCode.PERMISSION_DENIED, call, office, user, "GetLetterPDF", request, contains="Sangat Rahasia")
    try:
        call(office, "ani", "GetLetterPDF", g.GetLetterPDFRequest(letter_number=number))
    except grpc.RpcError as error:     # no office profile in this cluster: the registry may have no PDF
        assert error.code() != grpc.StatusCode.PERMISSION_DENIED, error.details()
