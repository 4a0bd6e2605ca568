"""Offline verification from the gateway alone (issue 11, item 16).

An agency that reaches only the gateway verifies a completed letter with nothing but the stubs
compiled from proto-notes/ and the `cryptography` package: it fetches the published keys once
(`GetPublishedKeys`), then checks the Camat's (or a Plh's) signature over the signing envelope it
rebuilds from `SignatureInfo` and the content digest, the key's validity at signing time, the
delegation, the content digest, and the registry's seal over `Registration.receipt` (receipt text
followed by 64 raw seal bytes). No verification RPC is called for the checks themselves.
"""
import hashlib
import time
import uuid
from datetime import datetime, timezone

import grpc
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from test_e2e_gateway import SEKCAM_PASSPHRASE, Cluster, Office


@pytest.fixture(scope="module")
def office(tmp_path_factory, protos):
    from google.protobuf.timestamp_pb2 import Timestamp
    cluster = Cluster(tmp_path_factory.mktemp("offline"))
    o = Office(cluster, protos)
    # The Plh delegation, for the Plh letters below.
    o.delegation = o.admin.CreateDelegation(o.g.CreateDelegationRequest(
        request_id="offline-plh-sri", from_user_id="camat", to_user_id="sri", kind="plh",
        valid_until=Timestamp(seconds=int(time.time()) + 3600)), metadata=o.md("admin"))
    yield o
    o.channel.close()
    cluster.close()


class OfflineFailure(Exception):
    pass


def millis(ts):
    return ts.seconds * 1000 + ts.nanos // 1_000_000


def rfc3339_millis(ms):
    dt = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


def verify_offline(published, letter_number, letter_id, content, signature, receipt):
    """Every check of proto-notes/gateway.md "Offline verification", with only the published keys.

    Returns the parsed receipt lines; raises OfflineFailure naming the check that failed."""
    from surat.signing.v1 import signing_pb2

    def check(ok, what):
        if not ok:
            raise OfflineFailure(what)

    # 1. Content: SHA-256 of the canonical (deterministic proto3) LetterContent bytes.
    digest = hashlib.sha256(content.SerializeToString(deterministic=True)).digest()

    # 2. The signing envelope, rebuilt from SignatureInfo and the digest (signing.md).
    signed_at = millis(signature.signed_at)
    envelope = signing_pb2.SigningEnvelope(
        context="surat-keluar/signing-envelope/v1", letter_id=letter_id, revision_digest=digest,
        signer_id=signature.signer_id, key_id=signature.key_id, signed_at_unix_millis=signed_at,
        on_behalf_of=signature.on_behalf_of, delegation_id=signature.delegation_id).SerializeToString()

    # 3. The key: published, the signer's, its id derived from its bytes, valid at signing time.
    keys = [k for k in published.keys if k.key_id == signature.key_id]
    check(len(keys) == 1, "key: not among the published keys")
    key = keys[0]
    check(key.algorithm == "ed25519" and key.signer_id == signature.signer_id, "key: algorithm or signer")
    check(key.key_id == "ed25519:" + hashlib.sha256(key.public_key).digest()[:16].hex(), "key: id")
    check(key.valid_from_unix_millis <= signed_at, "key_validity: not yet valid")
    check(key.valid_until_unix_millis == 0 or signed_at < key.valid_until_unix_millis, "key_validity: rotated out")
    check(key.revoked_at_unix_millis == 0 or signed_at < key.revoked_at_unix_millis, "key_validity: revoked")
    try:
        Ed25519PublicKey.from_public_bytes(key.public_key).verify(signature.signature, envelope)
    except InvalidSignature:
        raise OfflineFailure("signature: does not verify over the envelope")

    # 4. The signer: the Camat in their own right, or an acting official under a valid delegation.
    signers = {s.id: s for s in published.signers}
    check(signature.signer_id in signers, "signer: not published")
    if not signature.on_behalf_of:
        check(signers[signature.signer_id].role == "camat", "signer: not the Camat and no delegation")
        check(not signature.delegation_id, "delegation: named without on_behalf_of")
    else:
        found = [d for d in published.delegations if d.delegation_id == signature.delegation_id]
        check(len(found) == 1, "delegation: not published")
        d = found[0]
        check(d.from_signer_id == signature.on_behalf_of and d.to_signer_id == signature.signer_id, "delegation: parties")
        check(signers.get(d.from_signer_id) is not None and signers[d.from_signer_id].role == "camat", "delegation: from a Camat")
        check(d.valid_from_unix_millis <= signed_at < d.valid_until_unix_millis, "delegation: period")
        check(d.revoked_at_unix_millis == 0 or signed_at < d.revoked_at_unix_millis, "delegation: revoked")

    # 5. The receipt: text + 64 raw seal bytes, sealed by the registry key.
    registry = published.registry_key
    check(registry.key_id == hashlib.sha256(registry.public_key).hexdigest()[:16], "registry key: id")
    check(len(receipt) > 64, "receipt: too short")
    text, seal = receipt[:-64], receipt[-64:]
    try:
        Ed25519PublicKey.from_public_bytes(registry.public_key).verify(seal, text)
    except InvalidSignature:
        raise OfflineFailure("receipt: seal does not verify")
    lines = text.decode("utf-8").split("\n")
    check(lines[-1] == "" and lines[0] in ("surat-registry-receipt/v1", "surat-registry-receipt/v2"), "receipt: header")
    fields = dict(line.split("=", 1) for line in lines[1:-1])
    expected = {
        "registry-key": registry.key_id, "number": letter_number, "letter-id": letter_id,
        "content-sha256": digest.hex(), "signer-id": signature.signer_id, "signer-key-id": key.key_id,
        "signer-public-key": key.public_key.hex(), "signed-at": rfc3339_millis(signed_at),
        "signature": signature.signature.hex(),
    }
    for name, value in expected.items():
        check(fields.get(name) == value, f"receipt: {name} is {fields.get(name)!r}, expected {value!r}")
    return fields


def complete(office, signer="camat"):
    letter_id = office.open("Undangan verifikasi luring").letter_id
    for step in (office.assign, office.draft, office.paraf, office.approve, office.upload):
        step(letter_id)
    if signer == "camat":
        office.sign(letter_id)
    else:
        office.gateway.Sign(office.g.SignRequest(request_id=uuid.uuid4().hex, letter_id=letter_id,
                                                 passphrase=SEKCAM_PASSPHRASE), metadata=office.md(signer))
    return letter_id, office.register(letter_id)


def evidence(office, letter_id, user="ani"):
    """What a verifier gets from the gateway for one letter: content, signature, receipt."""
    g = office.g
    draft = office.gateway.GetDraft(g.GetDraftRequest(letter_id=letter_id), metadata=office.md(user))
    signature = office.gateway.VerifySignature(g.VerifySignatureRequest(letter_id=letter_id),
                                               metadata=office.md(user)).signature
    by_number = office.gateway.VerifyNumber(g.VerifyNumberRequest(letter_number=draft.journey.letter_number),
                                            metadata=office.md(user))
    return draft, signature, by_number.registration.receipt


def test_published_keys_come_from_the_gateway(office):
    g = office.g
    published = office.gateway.GetPublishedKeys(g.GetPublishedKeysRequest(), metadata=office.md("dedi"))
    assert {s.id for s in published.signers} >= {"camat", "sri"}
    camat = [k for k in published.keys if k.signer_id == "camat"]
    assert len(camat) == 1 and len(camat[0].public_key) == 32 and camat[0].valid_from_unix_millis > 0
    assert len(published.registry_key.public_key) == 32 and published.registry_key.key_id
    # Any authenticated user, no one else.
    with pytest.raises(grpc.RpcError) as refused:
        office.gateway.GetPublishedKeys(g.GetPublishedKeysRequest())
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_completed_letter_verifies_offline(office):
    g = office.g
    letter_id, registered = complete(office)
    number = registered.registration.letter_number
    # Fetched once and kept: nothing below asks a service to verify anything.
    published = office.gateway.GetPublishedKeys(g.GetPublishedKeysRequest(), metadata=office.md("sri"))
    draft, signature, receipt = evidence(office, letter_id)
    assert receipt == registered.registration.receipt
    fields = verify_offline(published, number, letter_id, draft.content, signature, receipt)
    assert fields["agenda"].startswith(str(registered.registration.registered_at.ToDatetime().year))
    assert hashlib.sha256(draft.content.SerializeToString(deterministic=True)).digest() == draft.revision_digest

    # Each check can fail: a changed letter, signature, receipt text, seal, or the wrong keys.
    changed = type(draft.content)()
    changed.CopyFrom(draft.content)
    changed.subject += "."
    forged = type(signature)()
    forged.CopyFrom(signature)
    forged.signature = bytes([signature.signature[0] ^ 1]) + signature.signature[1:]
    other_text = receipt.replace(number.encode(), number.replace("/", "/9", 1).encode())
    tampered_seal = receipt[:-1] + bytes([receipt[-1] ^ 1])
    for args, failure in [
        ((published, number, letter_id, changed, signature, receipt), "signature"),
        ((published, number, letter_id, draft.content, forged, receipt), "signature"),
        ((published, number, letter_id, draft.content, signature, other_text), "receipt: seal"),
        ((published, number, letter_id, draft.content, signature, tampered_seal), "receipt: seal"),
        ((published, number, str(uuid.uuid4()), draft.content, signature, receipt), "signature"),
    ]:
        with pytest.raises(OfflineFailure, match=failure):
            verify_offline(*args)
    no_keys = type(published)()
    no_keys.CopyFrom(published)
    del no_keys.keys[:]
    with pytest.raises(OfflineFailure, match="key: not among"):
        verify_offline(no_keys, number, letter_id, draft.content, signature, receipt)


def test_a_plh_signature_verifies_offline_with_its_delegation(office):
    """A letter signed by the Sekretaris as Plh: the delegation comes from GetPublishedKeys too."""
    from google.protobuf.timestamp_pb2 import Timestamp
    g = office.g
    until = Timestamp(seconds=int(time.time()) + 3600)
    delegation = office.delegation
    grant = office.admin.GrantActing(g.GrantActingRequest(user_id="sri", role="camat", acting_for="camat",
                                                          valid_until=until), metadata=office.md("admin"))
    try:
        letter_id, registered = complete(office, signer="sri")
    finally:
        office.admin.EndActing(g.EndActingRequest(grant_id=grant.id), metadata=office.md("admin"))
    published = office.gateway.GetPublishedKeys(g.GetPublishedKeysRequest(), metadata=office.md("dedi"))
    assert delegation.delegation_id in {d.delegation_id for d in published.delegations}
    draft, signature, receipt = evidence(office, letter_id)
    assert signature.on_behalf_of == "camat" and signature.delegation_id == delegation.delegation_id
    verify_offline(published, registered.registration.letter_number, letter_id, draft.content, signature, receipt)
    # Without the delegation the same signature does not verify offline.
    without = type(published)()
    without.CopyFrom(published)
    del without.delegations[:]
    with pytest.raises(OfflineFailure, match="delegation: not published"):
        verify_offline(without, registered.registration.letter_number, letter_id, draft.content, signature, receipt)


def test_agenda_prints_position_and_name_with_plh(office):
    """Item 15: the agenda book's Penandatangan column says who signed by position and name, and
    for an acting official "Plh." with the position signed for, never a bare signer id."""
    import csv
    import io
    g = office.g
    _, own = complete(office)
    grant = office.admin.GrantActing(g.GrantActingRequest(user_id="sri", role="camat", acting_for="camat",
                                                          valid_until=office.delegation.valid_until),
                                     metadata=office.md("admin"))
    try:
        _, acting = complete(office, signer="sri")
    finally:
        office.admin.EndActing(g.EndActingRequest(grant_id=grant.id), metadata=office.md("admin"))
    for fmt in ("csv", "html"):
        export = office.gateway.ExportAgenda(g.ExportAgendaRequest(format=fmt), metadata=office.md("ani")).content
        text = export.decode("utf-8-sig")
        if fmt == "csv":
            rows = list(csv.reader(io.StringIO(text)))
            signer = {r[2]: r[rows[0].index("Penandatangan")] for r in rows[1:]}
            assert signer[own.registration.letter_number] == "Camat Sooko, Bambang Camat"
            assert signer[acting.registration.letter_number] == \
                "Plh. Camat Sooko, Sri Sekretaris (Sekretaris Kecamatan Sooko)"
        else:
            assert "<td>Plh. Camat Sooko, Sri Sekretaris (Sekretaris Kecamatan Sooko)</td>" in text
        assert "a.n. camat" not in text
