"""The signing service as another agency sees it: a real `surat-signing` process, grpcio stubs
compiled from proto-notes/surat/signing/v1/signing.proto, and signatures checked with the
`cryptography` package from the envelope layout in proto-notes/signing.md -- none of our code.
"""
import hashlib
import signal
import uuid

import grpc
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from conftest import ServiceProcess, free_port, swift_bin

TOKEN = "signing-test-token-" + uuid.uuid4().hex
CAMAT_PASSPHRASE = "rahasia-camat-sooko"
SEKCAM_PASSPHRASE = "rahasia-sekcam-sooko"


def start_signing(data_dir):
    port = free_port()
    token_hash = hashlib.sha256(TOKEN.encode()).hexdigest()
    return ServiceProcess([
        swift_bin("surat-signing"), "--port", port, "--data-directory", data_dir,
        "--service-tokens", f"pytest:{token_hash}",
        # Cheap scrypt for the test; the default is 2^16.
        "--scrypt-log2-n", "12",
    ])


def actor(actor_id, role):
    return [("authorization", f"Bearer {TOKEN}"), ("surat-actor-id", actor_id), ("surat-actor-role", role)]


ADMIN = actor("admin-1", "admin")
CAMAT = actor("camat-1", "camat")
SEKCAM = actor("sekcam-1", "sekretaris")
CLERK = actor("staf-1", "staf_umum")


# ---- independent implementation of proto-notes/signing.md ("The envelope's exact bytes") ----

def varint(value):
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def length_delimited(field, data):
    if not data:
        return b""
    return varint(field << 3 | 2) + varint(len(data)) + data


def envelope_bytes(letter_id, revision_digest, signer_id, key_id, signed_at_ms, on_behalf_of="", delegation_id=""):
    out = length_delimited(1, b"surat-keluar/signing-envelope/v1")
    out += length_delimited(2, letter_id.encode())
    out += length_delimited(3, revision_digest)
    out += length_delimited(4, signer_id.encode())
    out += length_delimited(5, key_id.encode())
    if signed_at_ms:
        out += varint(6 << 3 | 0) + varint(signed_at_ms)
    out += length_delimited(7, on_behalf_of.encode())
    out += length_delimited(8, delegation_id.encode())
    return out


def key_id_of(public_key):
    return "ed25519:" + hashlib.sha256(public_key).digest()[:16].hex()


def covers(validity, t):
    """PublicKey or Delegation validity at t (proto-notes/signing.md, step 4 and 6)."""
    if t < validity.valid_from_unix_millis:
        return False
    if validity.valid_until_unix_millis and t >= validity.valid_until_unix_millis:
        return False
    if validity.revoked_at_unix_millis and t >= validity.revoked_at_unix_millis:
        return False
    return True


def verify_offline(published, letter_id, content_digest, record):
    """Returns the checked envelope fields; raises on any failure. Uses only published data."""
    fields = record.fields
    keys = {k.key_id: k for k in published.keys}
    signers = {s.id: s for s in published.signers}
    key = keys[fields.key_id]
    assert key.algorithm == "ed25519"
    assert key_id_of(key.public_key) == key.key_id
    assert key.signer_id == fields.signer_id
    expected = envelope_bytes(letter_id, content_digest, fields.signer_id, key.key_id, fields.signed_at_unix_millis,
                              fields.on_behalf_of, fields.delegation_id)
    assert expected == record.envelope, "envelope bytes differ from the documented layout"
    Ed25519PublicKey.from_public_bytes(key.public_key).verify(record.signature, expected)
    assert covers(key, fields.signed_at_unix_millis)
    if fields.on_behalf_of:
        delegation = {d.delegation_id: d for d in published.delegations}[fields.delegation_id]
        assert delegation.from_signer_id == fields.on_behalf_of
        assert delegation.to_signer_id == fields.signer_id
        assert signers[delegation.from_signer_id].role == "camat"
        assert covers(delegation, fields.signed_at_unix_millis)
    else:
        assert signers[fields.signer_id].role == "camat"
    return fields


# ---- fixtures ----

@pytest.fixture(scope="module")
def pb(protos):
    from surat.common.v1 import letter_pb2
    from surat.signing.v1 import signing_pb2, signing_pb2_grpc
    return letter_pb2, signing_pb2, signing_pb2_grpc


def content(letter_pb2, subject):
    c = letter_pb2.LetterContent()
    c.type = letter_pb2.LETTER_TYPE_UNDANGAN
    c.classification_code = "000.8.3.3"
    c.subject = subject
    c.body = "Dengan hormat, kami mengundang Bapak/Ibu ..."
    c.sifat = letter_pb2.SIFAT_BIASA
    c.urgency = letter_pb2.URGENCY_SEGERA
    a = c.addressees.add()
    a.name = "Kepala Desa Sooko"
    a.kind = letter_pb2.ADDRESSEE_KIND_DESA
    c.drafting_unit = "Seksi Pemerintahan"
    c.place = "Sooko"
    return c


def upload_request(letter_pb2, signing_pb2, letter_id, subject):
    c = content(letter_pb2, subject)
    digest = hashlib.sha256(c.SerializeToString(deterministic=True)).digest()
    req = signing_pb2.UploadForSignatureRequest(request_id=str(uuid.uuid4()), letter_id=letter_id, content=c)
    for paraf, who, role in ((req.drafter_paraf, "drafter-1", "drafter"), (req.sekretaris_paraf, "sekcam-1", "sekretaris")):
        paraf.actor.id = who
        paraf.actor.role = role
        paraf.role = role
        paraf.revision_digest = digest
        paraf.revision = 1
        paraf.initialled_at.seconds = 1_764_000_000
    return req, c, digest


def test_sign_and_verify_independently(pb, tmp_path):
    letter_pb2, signing_pb2, signing_pb2_grpc = pb
    service = start_signing(tmp_path)
    try:
        channel = grpc.insecure_channel(f"127.0.0.1:{service.port}")
        stub = signing_pb2_grpc.SigningStub(channel)

        # Without a service token: UNAUTHENTICATED.
        with pytest.raises(grpc.RpcError) as err:
            stub.ListPublicKeys(signing_pb2.ListPublicKeysRequest())
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED

        registered = stub.RegisterSigner(signing_pb2.RegisterSignerRequest(
            request_id="reg-camat", passphrase=CAMAT_PASSPHRASE,
            signer=signing_pb2.Signer(id="camat-1", name="Drs. Bambang Camat", nip="196801011990031001",
                                      position="Camat Sooko", role="camat")), metadata=ADMIN)
        assert registered.key.algorithm == "ed25519" and len(registered.key.public_key) == 32

        # Step 4: a revision without the Sekretaris' paraf cannot be uploaded.
        req, c, digest = upload_request(letter_pb2, signing_pb2, "letter-py-1", "Undangan rapat koordinasi")
        incomplete = signing_pb2.UploadForSignatureRequest()
        incomplete.CopyFrom(req)
        incomplete.ClearField("sekretaris_paraf")
        incomplete.request_id = "incomplete"
        with pytest.raises(grpc.RpcError) as err:
            stub.UploadForSignature(incomplete, metadata=CLERK)
        assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        uploaded = stub.UploadForSignature(req, metadata=CLERK)
        assert uploaded.revision_digest == digest, "Python's canonical LetterContent bytes differ from the service's"
        assert uploaded.state == signing_pb2.SIGNING_REQUEST_STATE_AWAITING_SIGNATURE

        # Step 5: wrong passphrase is PERMISSION_DENIED; the right one signs.
        with pytest.raises(grpc.RpcError) as err:
            stub.Sign(signing_pb2.SignRequest(request_id="sign-1", signing_request_id=uploaded.signing_request_id,
                                              passphrase="bukan-passphrase-nya"), metadata=CAMAT)
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "bukan-passphrase-nya" not in err.value.details()
        # A clerk cannot sign, even naming the Camat.
        with pytest.raises(grpc.RpcError) as err:
            stub.Sign(signing_pb2.SignRequest(request_id="sign-x", signing_request_id=uploaded.signing_request_id,
                                              signer_id="camat-1", passphrase=CAMAT_PASSPHRASE), metadata=CLERK)
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
        record = stub.Sign(signing_pb2.SignRequest(request_id="sign-1", signing_request_id=uploaded.signing_request_id,
                                                   passphrase=CAMAT_PASSPHRASE), metadata=CAMAT)
        again = stub.Sign(signing_pb2.SignRequest(request_id="sign-1", signing_request_id=uploaded.signing_request_id,
                                                  passphrase=CAMAT_PASSPHRASE), metadata=CAMAT)
        assert again.signature_id == record.signature_id and again.signature == record.signature

        # Independent verification: published keys + documented bytes + cryptography.
        published = stub.ListPublicKeys(signing_pb2.ListPublicKeysRequest(), metadata=ADMIN)
        fields = verify_offline(published, "letter-py-1", digest, record)
        assert fields.signer_id == "camat-1" and fields.on_behalf_of == ""
        # A changed letter has another digest: the rebuilt envelope no longer matches the signature.
        changed = content(letter_pb2, "Undangan rapat koordinasi (diubah)")
        changed_digest = hashlib.sha256(changed.SerializeToString(deterministic=True)).digest()
        key = Ed25519PublicKey.from_public_bytes(published.keys[0].public_key)
        with pytest.raises(InvalidSignature):
            key.verify(record.signature, envelope_bytes("letter-py-1", changed_digest, "camat-1", fields.key_id,
                                                        fields.signed_at_unix_millis))

        # The service's own Verify agrees, and catches the changed content.
        ok = stub.Verify(signing_pb2.VerifyRequest(signature_id=record.signature_id, content=c), metadata=ADMIN)
        assert ok.valid, ok.checks
        bad = stub.Verify(signing_pb2.VerifyRequest(envelope=record.envelope, signature=record.signature, content=changed),
                          metadata=ADMIN)
        assert not bad.valid
        assert [ch.name for ch in bad.checks if not ch.passed] == ["content"]

        # Acting official (Plh) signs on behalf of the Camat; the envelope says so.
        stub.RegisterSigner(signing_pb2.RegisterSignerRequest(
            request_id="reg-sekcam", passphrase=SEKCAM_PASSPHRASE,
            signer=signing_pb2.Signer(id="sekcam-1", name="Siti Sekretaris", nip="197502022000032002",
                                      position="Sekretaris Kecamatan Sooko", role="sekretaris")), metadata=ADMIN)
        delegation = stub.CreateDelegation(signing_pb2.CreateDelegationRequest(
            request_id="dlg-1", from_signer_id="camat-1", to_signer_id="sekcam-1", kind=signing_pb2.DELEGATION_KIND_PLH,
            valid_until_unix_millis=published.generated_at_unix_millis + 86_400_000), metadata=ADMIN).delegation
        req2, _, digest2 = upload_request(letter_pb2, signing_pb2, "letter-py-2", "Surat edaran kebersihan")
        uploaded2 = stub.UploadForSignature(req2, metadata=CLERK)
        record2 = stub.Sign(signing_pb2.SignRequest(request_id="sign-2", letter_id="letter-py-2", passphrase=SEKCAM_PASSPHRASE),
                            metadata=SEKCAM)
        assert record2.signing_request_id == uploaded2.signing_request_id
        published = stub.ListPublicKeys(signing_pb2.ListPublicKeysRequest(), metadata=ADMIN)
        fields2 = verify_offline(published, "letter-py-2", digest2, record2)
        assert fields2.on_behalf_of == "camat-1" and fields2.delegation_id == delegation.delegation_id

        # Rotation keeps old signatures verifiable: the old key is published with valid_until.
        rotated = stub.RotateKey(signing_pb2.RotateKeyRequest(request_id="rot-1", signer_id="camat-1",
                                                              new_passphrase="passphrase-baru-2026"), metadata=ADMIN)
        assert rotated.old_key.key_id == fields.key_id and rotated.old_key.valid_until_unix_millis > 0
        published = stub.ListPublicKeys(signing_pb2.ListPublicKeysRequest(), metadata=ADMIN)
        verify_offline(published, "letter-py-1", digest, record)
        # Revoking the Plh's key from the moment it signed invalidates that signature for everyone.
        stub.RevokeKey(signing_pb2.RevokeKeyRequest(request_id="rev-1", key_id=fields2.key_id, reason="kunci bocor",
                                                    effective_at_unix_millis=fields2.signed_at_unix_millis), metadata=ADMIN)
        published = stub.ListPublicKeys(signing_pb2.ListPublicKeysRequest(), metadata=ADMIN)
        plh_key = {k.key_id: k for k in published.keys}[fields2.key_id]
        Ed25519PublicKey.from_public_bytes(plh_key.public_key).verify(record2.signature, record2.envelope)  # still a valid Ed25519 signature
        assert not covers(plh_key, fields2.signed_at_unix_millis)  # ... but by a key revoked at that time
        revoked_check = stub.Verify(signing_pb2.VerifyRequest(signature_id=record2.signature_id), metadata=ADMIN)
        assert not revoked_check.valid and revoked_check.checks[3].name == "key_validity" and not revoked_check.checks[3].passed

        # Durability: SIGKILL right after an acknowledged signature; after restart it is there.
        service.stop(signal.SIGKILL)
        channel.close()
        service = start_signing(tmp_path)
        channel = grpc.insecure_channel(f"127.0.0.1:{service.port}")
        stub = signing_pb2_grpc.SigningStub(channel)
        stored = stub.GetSignature(signing_pb2.GetSignatureRequest(letter_id="letter-py-2"), metadata=ADMIN)
        assert stored.signature == record2.signature and stored.envelope == record2.envelope
        retried = stub.Sign(signing_pb2.SignRequest(request_id="sign-2", letter_id="letter-py-2", passphrase=SEKCAM_PASSPHRASE),
                            metadata=SEKCAM)
        assert retried.signature_id == record2.signature_id
        channel.close()
    finally:
        service.stop()


def test_no_key_material_in_database_or_log(pb, tmp_path):
    letter_pb2, signing_pb2, signing_pb2_grpc = pb
    log_path = tmp_path / "signing.log"
    port = free_port()
    token_hash = hashlib.sha256(TOKEN.encode()).hexdigest()
    service = ServiceProcess([swift_bin("surat-signing"), "--port", port, "--data-directory", tmp_path,
                              "--service-tokens", f"pytest:{token_hash}", "--scrypt-log2-n", "12", "--log-level", "trace"],
                             log_path=log_path)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{service.port}") as channel:
            stub = signing_pb2_grpc.SigningStub(channel)
            stub.RegisterSigner(signing_pb2.RegisterSignerRequest(
                request_id="reg", passphrase=CAMAT_PASSPHRASE,
                signer=signing_pb2.Signer(id="camat-1", name="Camat", nip="196801011990031001", position="Camat Sooko",
                                          role="camat")), metadata=ADMIN)
            req, _, _ = upload_request(letter_pb2, signing_pb2, "letter-log", "Perihal")
            up = stub.UploadForSignature(req, metadata=CLERK)
            for attempt in range(6):
                with pytest.raises(grpc.RpcError) as err:
                    stub.Sign(signing_pb2.SignRequest(request_id=f"s{attempt}", signing_request_id=up.signing_request_id,
                                                      passphrase=f"salah-{attempt}-passphrase"), metadata=CAMAT)
                expected = grpc.StatusCode.PERMISSION_DENIED if attempt < 4 else grpc.StatusCode.RESOURCE_EXHAUSTED
                assert err.value.code() == expected, (attempt, err.value.details())
            trailers = dict(err.value.trailing_metadata() or ())
            assert "retry-after-unix-millis" in trailers
    finally:
        service.stop()
    log = log_path.read_text()
    assert "wrong passphrase" in log
    for secret in [CAMAT_PASSPHRASE] + [f"salah-{n}-passphrase" for n in range(6)]:
        assert secret not in log
    database = b"".join(p.read_bytes() for p in tmp_path.glob("signing.sqlite*"))
    assert CAMAT_PASSPHRASE.encode() not in database


def raw_call(channel, method, request, metadata):
    call = channel.unary_unary("/surat.signing.v1.Signing/" + method,
                               request_serializer=lambda m: m.SerializeToString(), response_deserializer=None)
    return call(request, metadata=metadata)


def assert_same_bytes(message_class, raw):
    """Swift's bytes parse with the published .proto and re-encode identically: no undeclared field
    or differing type (it would be dropped as unknown or fail to parse)."""
    parsed = message_class.FromString(raw)
    parsed.DiscardUnknownFields()
    assert parsed.SerializeToString(deterministic=True) == raw, message_class.__name__
    return parsed


def test_swift_messages_match_the_proto(pb, tmp_path):
    letter_pb2, S, _ = pb
    service = start_signing(tmp_path)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{service.port}") as ch:
            reg = assert_same_bytes(S.RegisterSignerResponse, raw_call(ch, "RegisterSigner", S.RegisterSignerRequest(
                request_id="r1", passphrase=CAMAT_PASSPHRASE, signer=S.Signer(
                    id="camat-1", name="Drs. Bambang Camat", nip="196801011990031001", position="Camat Sooko", role="camat")), ADMIN))
            assert reg.signer.registered_at_unix_millis > 0 and reg.key.valid_from_unix_millis > 0
            assert_same_bytes(S.RegisterSignerResponse, raw_call(ch, "RegisterSigner", S.RegisterSignerRequest(
                request_id="r2", passphrase=SEKCAM_PASSPHRASE, signer=S.Signer(
                    id="sekcam-1", name="Siti", nip="197502022000032002", position="Sekcam", role="sekretaris")), ADMIN))
            dlg = assert_same_bytes(S.DelegationResponse, raw_call(ch, "CreateDelegation", S.CreateDelegationRequest(
                request_id="d1", from_signer_id="camat-1", to_signer_id="sekcam-1", kind=S.DELEGATION_KIND_PLT,
                valid_until_unix_millis=reg.key.valid_from_unix_millis + 86_400_000, reference="821/5/416-313/2025"), ADMIN))
            assert dlg.delegation.kind == S.DELEGATION_KIND_PLT and dlg.delegation.reference == "821/5/416-313/2025"
            req, c, digest = upload_request(letter_pb2, S, "letter-wire", "Perihal kawat")
            c.attachments.add(name="lampiran.pdf", media_type="application/pdf", content=b"%PDF-1.4",
                              sha256=hashlib.sha256(b"%PDF-1.4").digest())
            c.addressees[0].endpoint = "127.0.0.1:9000"
            digest = hashlib.sha256(c.SerializeToString(deterministic=True)).digest()
            req.content.CopyFrom(c)
            for paraf in (req.drafter_paraf, req.sekretaris_paraf):
                paraf.revision_digest = digest
            up = assert_same_bytes(S.SigningRequestRecord, raw_call(ch, "UploadForSignature", req, CLERK))
            assert up.content.attachments[0].sha256 == hashlib.sha256(b"%PDF-1.4").digest()
            sig = assert_same_bytes(S.SignatureRecord, raw_call(ch, "Sign", S.SignRequest(
                request_id="s1", signing_request_id=up.signing_request_id, passphrase=SEKCAM_PASSPHRASE), SEKCAM))
            assert sig.delegation_kind == S.DELEGATION_KIND_PLT and sig.fields.on_behalf_of == "camat-1"
            assert sig.fields.SerializeToString() == sig.envelope
            got = assert_same_bytes(S.SigningRequestRecord, raw_call(ch, "GetSigningRequest", S.GetSigningRequestRequest(
                letter_id="letter-wire"), ADMIN))
            assert got.state == S.SIGNING_REQUEST_STATE_SIGNED and got.signature == sig
            assert_same_bytes(S.SignatureRecord, raw_call(ch, "GetSignature", S.GetSignatureRequest(signature_id=sig.signature_id), ADMIN))
            verified = assert_same_bytes(S.VerifyResponse, raw_call(ch, "Verify", S.VerifyRequest(
                signature_id=sig.signature_id, content_digest=digest, letter_id="letter-wire"), ADMIN))
            assert verified.valid and verified.delegation.delegation_id == dlg.delegation.delegation_id
            assert [x.name for x in verified.checks] == ["envelope", "key", "signature", "key_validity", "signer",
                                                         "delegation", "letter", "content"]
            listed = assert_same_bytes(S.ListPublicKeysResponse, raw_call(ch, "ListPublicKeys", S.ListPublicKeysRequest(), ADMIN))
            assert len(listed.signers) == 2 and len(listed.keys) == 2 and len(listed.delegations) == 1
            changed = assert_same_bytes(S.ChangePassphraseResponse, raw_call(ch, "ChangePassphrase", S.ChangePassphraseRequest(
                request_id="c1", current_passphrase=CAMAT_PASSPHRASE, new_passphrase="passphrase-baru-1"), CAMAT))
            assert changed.key_id == reg.key.key_id
            rotated = assert_same_bytes(S.RotateKeyResponse, raw_call(ch, "RotateKey", S.RotateKeyRequest(
                request_id="k1", signer_id="camat-1", new_passphrase="passphrase-baru-2"), ADMIN))
            revoked = assert_same_bytes(S.RevokeKeyResponse, raw_call(ch, "RevokeKey", S.RevokeKeyRequest(
                request_id="v1", key_id=rotated.new_key.key_id, reason="uji"), ADMIN))
            assert revoked.key.revoked_at_unix_millis > 0 and revoked.key.revocation_reason == "uji"
            ended = assert_same_bytes(S.DelegationResponse, raw_call(ch, "RevokeDelegation", S.RevokeDelegationRequest(
                request_id="e1", delegation_id=dlg.delegation.delegation_id), ADMIN))
            assert ended.delegation.revoked_at_unix_millis > 0
    finally:
        service.stop()
