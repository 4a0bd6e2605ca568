"""Cancelling a number through the gateway (issue 11, item 2), end to end over real processes:
who may (the Camat, or a Plh acting as Camat; not the clerk, not the admin), the mandatory reason,
the agenda book (CSV export: status and "DIBATALKAN" with reason), VerifyNumber, the registry's
GetPublicRecord (cancelled, reason, date) and the public verification page of surat-verify, and
the `surat cancel-number` CLI."""
import csv
import io
import json
import time
import urllib.request
import uuid

import grpc
import pytest

from test_e2e_gateway import CAMAT_PASSPHRASE, SEKCAM_PASSPHRASE, expect
from test_letter_pdf import BODY, content, ok, receipt_fields, surat
from test_verify_browser import sealed_site


@pytest.fixture(scope="module")
def site(tmp_path_factory, protos):
    with sealed_site(tmp_path_factory.mktemp("cancel"), protos, "--cache-seconds", "0") as site:
        yield site


def registered(office, signer="camat"):
    letter_id = office.open("Undangan rapat koordinasi data desa").letter_id
    office.assign(letter_id)
    office.gateway.CreateDraft(office.g.CreateDraftRequest(
        request_id=uuid.uuid4().hex, letter_id=letter_id,
        content=content(office, office.letter.SIFAT_BIASA, 1, BODY)), metadata=office.md("dedi"))
    office.paraf(letter_id)
    office.approve(letter_id)
    office.upload(letter_id)
    office.sign(letter_id, passphrase=CAMAT_PASSPHRASE if signer == "camat" else SEKCAM_PASSPHRASE, signer=signer)
    reply = office.register(letter_id)
    return letter_id, reply.registration.letter_number, receipt_fields(reply.registration)


def cancel(office, user, number, reason, rid=None):
    return office.gateway.CancelNumber(office.g.CancelNumberRequest(
        request_id=rid or uuid.uuid4().hex, letter_number=number, reason=reason), metadata=office.md(user))


def public_record(cluster, protos, verification_id):
    from surat.registry.v1 import registry_pb2, registry_pb2_grpc
    with grpc.insecure_channel(f"127.0.0.1:{cluster.ports['registry']}") as channel:
        return registry_pb2_grpc.RegistryStub(channel).GetPublicRecord(
            registry_pb2.GetPublicRecordRequest(verification_id=verification_id),
            metadata=[("authorization", f"Bearer {cluster.verifier_token}")])


def page(url):
    with urllib.request.urlopen(url, timeout=30) as reply:
        return reply.read().decode()


def agenda_row(office, number):
    export = office.gateway.ExportAgenda(office.g.ExportAgendaRequest(format="csv"), metadata=office.md("ani"))
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    return dict(zip(rows[0], [r for r in rows[1:] if r[2] == number][0]))


def test_the_camat_cancels_a_number_with_a_reason(site, protos):
    (cluster, office, root), base = site
    g = office.g
    letter_id, number, fields = registered(office)
    verification_id = fields["verification-id"]
    before = public_record(cluster, protos, verification_id)
    assert not before.cancelled and not before.HasField("cancelled_at")
    assert "DIBATALKAN" not in page(f"{base}/v/{verification_id}")

    # Who may not: the clerk who registered it, the drafter, the admin.
    for user in ("ani", "dedi", "admin"):
        expect(grpc.StatusCode.PERMISSION_DENIED, cancel, office, user, number, "salah kirim", contains="camat")
    # The reason is mandatory and one line.
    refused = expect(grpc.StatusCode.INVALID_ARGUMENT, cancel, office, "camat", number, "  ", contains="reason")
    assert dict(refused.trailing_metadata()).get("surat-field") == "reason"
    expect(grpc.StatusCode.INVALID_ARGUMENT, cancel, office, "camat", number, "salah\nkirim", contains="reason")
    expect(grpc.StatusCode.NOT_FOUND, cancel, office, "camat", "005/999/416-313/2020", "tidak ada")
    assert not public_record(cluster, protos, verification_id).cancelled

    reason = "Salah alamat tujuan; diganti surat baru"
    rid = uuid.uuid4().hex
    reply = cancel(office, "camat", number, reason, rid=rid)
    assert reply.letter_number == number and reply.letter_id == letter_id
    assert reply.reason == reason and reply.cancelled_by == "camat"
    assert abs(reply.cancelled_at.seconds - time.time()) < 3600
    # A retry with the same request id returns the same cancellation; so does the same cancellation under
    # a new request id (the registry's natural key, issue 12); another reason is refused.
    again = cancel(office, "camat", number, reason, rid=rid)
    assert again.cancelled_at == reply.cancelled_at
    repeated = cancel(office, "camat", number, reason)
    assert repeated.cancelled_at == reply.cancelled_at and repeated.reason == reason
    expect(grpc.StatusCode.FAILED_PRECONDITION, cancel, office, "camat", number, "alasan lain", contains="already cancelled")

    # The agenda book keeps the number, marked cancelled with the reason.
    row = agenda_row(office, number)
    assert row["Status"] == "cancelled" and f"DIBATALKAN" in row["Keterangan"] and reason in row["Keterangan"]

    # Verification says so: VerifyNumber, GetPublicRecord (reason and date), the public page.
    verified = office.gateway.VerifyNumber(g.VerifyNumberRequest(letter_number=number), metadata=office.md("sri"))
    assert not verified.valid and "cancel" in verified.detail
    record = public_record(cluster, protos, verification_id)
    assert record.cancelled and record.cancel_reason == reason
    assert record.cancelled_at == reply.cancelled_at
    html = page(f"{base}/v/{verification_id}")
    assert "DIBATALKAN" in html and reason in html and 'id="dibatalkan"' in html
    months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
              "November", "Desember"]
    cancelled_wib = time.gmtime(reply.cancelled_at.seconds + 7 * 3600)
    assert f"{cancelled_wib.tm_mday} {months[cancelled_wib.tm_mon - 1]} {cancelled_wib.tm_year}" in html


def test_a_plh_cancels_and_the_cli_does_it_too(site, protos):
    """An acting Camat (Plh) may cancel; `surat cancel-number` needs --reason and prints the cancellation."""
    from google.protobuf.timestamp_pb2 import Timestamp
    (cluster, office, root), base = site
    g = office.g
    until = Timestamp(seconds=int(time.time()) + 3600)
    _, first, _ = registered(office)
    _, second, _ = registered(office)
    live = (cluster, office, root)
    # The CLI: the clerk is refused (exit 5), a missing --reason is a usage error, the Camat succeeds.
    refused = surat(live, "ani", "cancel-number", first, "--reason", "salah kirim")
    assert refused.returncode == 5, refused.stderr
    assert surat(live, "camat", "cancel-number", first).returncode == 64
    out = ok(surat(live, "camat", "cancel-number", first, "--reason", "Nomor ganda di berkas fisik"))
    assert "DIBATALKAN" in out and "Nomor ganda di berkas fisik" in out and first in out
    assert agenda_row(office, first)["Status"] == "cancelled"

    grant = office.admin.GrantActing(g.GrantActingRequest(user_id="sri", role="camat", acting_for="camat",
                                                          valid_until=until), metadata=office.md("admin"))
    try:
        reply = cancel(office, "sri", second, "Dibatalkan oleh Plh Camat")
    finally:
        office.admin.EndActing(g.EndActingRequest(grant_id=grant.id), metadata=office.md("admin"))
    assert reply.cancelled_by == "sri"
    # Without the grant the Sekretaris is refused again.
    _, third, _ = registered(office)
    expect(grpc.StatusCode.PERMISSION_DENIED, cancel, office, "sri", third, "tanpa wewenang")


def test_cli_prints_the_published_keys(site):
    """`surat keys`: what an offline verifier keeps, as a table and as JSON (item 16)."""
    (cluster, office, root), _ = site
    live = (cluster, office, root)
    table = ok(surat(live, "dedi", "keys"))
    assert "Camat Sooko" in table and "ed25519:" in table and "registry" in table
    keys = json.loads(ok(surat(live, "dedi", "keys", "--json")))
    assert {s["id"] for s in keys["signers"]} >= {"camat", "sri"}
    assert len(keys["registryKey"]["publicKey"]) == 44  # 32 bytes in base64
    published = office.gateway.GetPublishedKeys(office.g.GetPublishedKeysRequest(), metadata=office.md("dedi"))
    assert published.registry_key.key_id in table
