"""The registry as another agency sees it: a real `surat-registry` process and grpcio stubs compiled
from proto-notes/ (registry.proto, signing.proto, letter.proto). The letter is signed here with the
`cryptography` package following proto-notes/signing.md, and the registry receipt is checked here
following proto-notes/registry.md ("The receipt"), without our Swift code.
"""
import base64
import datetime
import hashlib
import json
import time
import uuid

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from conftest import ServiceProcess, free_port, swift_bin

TOKEN = "registry-test-token-" + uuid.uuid4().hex
CLERK = [("authorization", f"Bearer {TOKEN}"), ("surat-actor-id", "staf-1"), ("surat-actor-role", "staf_umum")]
WIB = datetime.timezone(datetime.timedelta(hours=7))


class Camat:
    """A signer whose key the registry trusts through its trustedKeysFile."""

    def __init__(self):
        self.key = Ed25519PrivateKey.generate()
        self.public = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = "ed25519:" + hashlib.sha256(self.public).digest()[:16].hex()
        self.signer_id = "camat-sooko"

    def trusted_keys_json(self):
        # A surat.signing.v1.ListPublicKeysResponse as JSON (the registry's trustedKeysFile format).
        return json.dumps({
            "signers": [{"id": self.signer_id, "name": "Drs. Camat Sooko", "nip": "196801011990031001",
                         "position": "Camat Sooko", "role": "camat", "registeredAtUnixMillis": 0}],
            "keys": [{"keyId": self.key_id, "signerId": self.signer_id, "algorithm": "ed25519",
                      "publicKey": base64.b64encode(self.public).decode(), "validFromUnixMillis": 0,
                      "validUntilUnixMillis": 0, "revokedAtUnixMillis": 0, "revocationReason": ""}],
            "delegations": [], "generatedAtUnixMillis": 0,
        })


@pytest.fixture(scope="module")
def registry(protos, tmp_path_factory):
    directory = tmp_path_factory.mktemp("registry")
    camat = Camat()
    keys = directory / "trusted-keys.json"
    keys.write_text(camat.trusted_keys_json())
    token_hash = hashlib.sha256(TOKEN.encode()).hexdigest()
    process = ServiceProcess([
        swift_bin("surat-registry"), "--port", free_port(), "--data-directory", directory / "data",
        "--signing-endpoint", "", "--trusted-keys-file", keys, "--service-tokens", f"pytest:{token_hash}",
        "--office-id", "kec-sooko", "--unit", "416-313",
    ])
    from surat.registry.v1 import registry_pb2_grpc
    channel = grpc.insecure_channel(f"127.0.0.1:{process.port}")
    try:
        yield registry_pb2_grpc.RegistryStub(channel), camat, channel
    finally:
        channel.close()
        process.stop()


def signed_letter(camat, subject="Undangan rapat koordinasi", classification="065"):
    from surat.common.v1 import letter_pb2
    from surat.signing.v1 import signing_pb2
    from surat.registry.v1 import registry_pb2
    letter_id = str(uuid.uuid4())
    content = letter_pb2.LetterContent(
        type=letter_pb2.LETTER_TYPE_UNDANGAN, classification_code=classification, subject=subject,
        body="Dengan hormat, kami mengundang Saudara.", sifat=letter_pb2.SIFAT_BIASA,
        urgency=letter_pb2.URGENCY_SEGERA, drafting_unit="Seksi Pemerintahan", place="Sooko",
        addressees=[letter_pb2.Addressee(name="Kepala Desa Sooko", kind=letter_pb2.ADDRESSEE_KIND_DESA)],
    )
    content_bytes = content.SerializeToString(deterministic=True)
    digest = hashlib.sha256(content_bytes).digest()
    envelope = signing_pb2.SigningEnvelope(
        context="surat-keluar/signing-envelope/v1", letter_id=letter_id, revision_digest=digest,
        signer_id=camat.signer_id, key_id=camat.key_id, signed_at_unix_millis=int(time.time() * 1000))
    envelope_bytes = envelope.SerializeToString(deterministic=True)
    record = signing_pb2.SignatureRecord(
        signature_id="sig-" + letter_id, envelope=envelope_bytes, signature=camat.key.sign(envelope_bytes),
        algorithm="ed25519", fields=envelope, signer_name="Drs. Camat Sooko", public_key=camat.public)
    return registry_pb2.RegisterRequest(request_id="req-" + letter_id, letter_id=letter_id, content=content_bytes,
                                        signature=record)


def parse_receipt(text):
    lines = text.decode("utf-8").split("\n")
    assert lines[0] == "surat-registry-receipt/v1" and lines[-1] == ""
    return dict(line.split("=", 1) for line in lines[1:-1])


def test_register_query_verify_cancel(registry):
    from surat.registry.v1 import registry_pb2
    stub, camat, _ = registry
    request = signed_letter(camat)
    response = stub.Register(request, metadata=CLERK)
    entry = response.entry
    year = datetime.datetime.now(WIB).year
    assert entry.number.startswith("065/") and entry.number.endswith(f"/416-313/{year}")
    assert entry.status == registry_pb2.AGENDA_STATUS_REGISTERED
    assert entry.subject == "Undangan rapat koordinasi" and entry.signer_id == "camat-sooko"
    assert [d.state for d in response.deliveries] == [registry_pb2.DELIVERY_STATE_MANUAL]

    # Exactly once: the same request again gets the first reply (the same number), no new sequence used.
    again = stub.Register(request, metadata=CLERK)
    assert again == response and not again.already_registered
    second = stub.Register(signed_letter(camat, subject="Laporan bulanan", classification="000.8.3.3"), metadata=CLERK)
    assert second.entry.sequence == entry.sequence + 1
    assert second.entry.number == f"000.8.3.3/{entry.sequence + 1}/416-313/{year}"

    # Queries.
    by_number = stub.GetEntry(registry_pb2.GetEntryRequest(number=entry.number), metadata=CLERK).entry
    by_letter = stub.GetEntry(registry_pb2.GetEntryRequest(letter_id=request.letter_id), metadata=CLERK).entry
    assert by_number == by_letter and by_number.number == entry.number
    listed = stub.ListAgenda(registry_pb2.ListAgendaRequest(year=year, subject_contains="bulanan"), metadata=CLERK)
    assert [e.number for e in listed.entries] == [second.entry.number]
    export = stub.ExportAgenda(registry_pb2.ExportAgendaRequest(year=year, format=registry_pb2.EXPORT_FORMAT_CSV), metadata=CLERK)
    assert export.entry_count >= 2 and entry.number.encode() in export.data
    html = stub.ExportAgenda(registry_pb2.ExportAgendaRequest(year=year, format=registry_pb2.EXPORT_FORMAT_HTML), metadata=CLERK)
    assert html.media_type.startswith("text/html") and b"BUKU AGENDA SURAT KELUAR" in html.data

    # The receipt, checked independently: Ed25519 over the exact text, fields bound to the letter.
    key = stub.GetRegistryKey(registry_pb2.GetRegistryKeyRequest(), metadata=CLERK)
    receipt = entry.receipt
    Ed25519PublicKey.from_public_bytes(key.public_key).verify(receipt.signature, receipt.text)
    fields = parse_receipt(receipt.text)
    assert fields["number"] == entry.number and fields["letter-id"] == request.letter_id
    assert fields["content-sha256"] == hashlib.sha256(request.content).hexdigest()
    assert fields["signature"] == request.signature.signature.hex()
    assert fields["signer-public-key"] == camat.public.hex() and fields["office"] == "kec-sooko"
    assert fields["registry-key"] == key.key_id == hashlib.sha256(key.public_key).hexdigest()[:16]
    verified = stub.VerifyReceipt(registry_pb2.VerifyReceiptRequest(number=entry.number, receipt_text=receipt.text,
                                                                    receipt_signature=receipt.signature), metadata=CLERK)
    assert verified.valid, verified.detail

    # Pembatalan needs a reason; the number stays, marked cancelled, and is not reused.
    with pytest.raises(grpc.RpcError) as missing:
        stub.CancelLetter(registry_pb2.CancelLetterRequest(request_id="c-0", number=entry.number), metadata=CLERK)
    assert missing.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "reason" in missing.value.details()
    cancelled = stub.CancelLetter(registry_pb2.CancelLetterRequest(request_id="c-1", number=entry.number,
                                                                   reason="Salah alamat"), metadata=CLERK).entry
    assert cancelled.status == registry_pb2.AGENDA_STATUS_CANCELLED and cancelled.cancel_reason == "Salah alamat"
    after = stub.VerifyReceipt(registry_pb2.VerifyReceiptRequest(number=entry.number), metadata=CLERK)
    assert not after.valid and "cancelled" in after.detail
    third = stub.Register(signed_letter(camat), metadata=CLERK)
    assert third.entry.sequence == entry.sequence + 2


def test_bad_requests_get_the_right_status(registry):
    from surat.registry.v1 import registry_pb2
    stub, camat, _ = registry
    tampered = signed_letter(camat)
    tampered.content = tampered.content + b"\x22\x00"  # an extra (empty) body field: different bytes
    with pytest.raises(grpc.RpcError) as error:
        stub.Register(tampered, metadata=CLERK)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "signature" in error.value.details()

    forged = signed_letter(camat)
    forged.signature.signature = Ed25519PrivateKey.generate().sign(forged.signature.envelope)
    with pytest.raises(grpc.RpcError) as error:
        stub.Register(forged, metadata=CLERK)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    with pytest.raises(grpc.RpcError) as error:
        stub.GetEntry(registry_pb2.GetEntryRequest(number="065/99999/416-313/1999"), metadata=CLERK)
    assert error.value.code() == grpc.StatusCode.NOT_FOUND

    with pytest.raises(grpc.RpcError) as error:
        stub.GetEntry(registry_pb2.GetEntryRequest(number="x"))
    assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED

    drafter = [CLERK[0], ("surat-actor-id", "d-1"), ("surat-actor-role", "drafter")]
    with pytest.raises(grpc.RpcError) as error:
        stub.Register(signed_letter(camat), metadata=drafter)
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_health_is_serving(registry):
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    _, _, channel = registry
    health = health_pb2_grpc.HealthStub(channel)
    answer = health.Check(health_pb2.HealthCheckRequest(service="surat.registry.v1.Registry"))
    assert answer.status == health_pb2.HealthCheckResponse.SERVING
