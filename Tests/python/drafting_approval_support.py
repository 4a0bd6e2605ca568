"""Helpers for the drafting/approval tests: start both services as real processes and call them
with stubs compiled from proto-notes/ (exactly what another agency's client would do)."""
import hashlib
import uuid
from pathlib import Path

import grpc

from conftest import ServiceProcess, free_port, swift_bin

TOKEN = "python-gateway-token"

DRAFTER = {"id": "drafter-1", "name": "Dwi Ayu", "role": "drafter"}
DRAFTER2 = {"id": "drafter-2", "name": "Bagus", "role": "drafter"}
SEKRETARIS = {"id": "sekcam-1", "name": "Siti Aminah", "role": "sekretaris"}
PLH_SEKRETARIS = {"id": "kasi-pem", "name": "Hadi", "role": "sekretaris", "acting_for": "sekcam-1"}
CAMAT = {"id": "camat-1", "name": "Ahmad Fauzi", "role": "camat"}


def start(service: str, data_dir: Path, port=None, log_name=None):
    """Starts surat-<service> on a free port with its own data directory and our service token."""
    port = port or free_port()
    token_hash = hashlib.sha256(TOKEN.encode()).hexdigest()
    env = {
        f"SURAT_{service.upper()}_SERVICE_TOKENS": f"gateway:{token_hash}",
        f"SURAT_{service.upper()}_DATA_DIRECTORY": str(data_dir),
    }
    log = data_dir / f"{log_name or service}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    return ServiceProcess([swift_bin(f"surat-{service}"), "--port", port], env=env, log_path=log)


def metadata(actor, token=TOKEN):
    pairs = [("authorization", f"Bearer {token}")] if token else []
    if actor:
        pairs += [("surat-actor-id", actor["id"]), ("surat-actor-name", actor["name"]), ("surat-actor-role", actor["role"])]
        if actor.get("acting_for"):
            pairs.append(("surat-actor-acting-for", actor["acting_for"]))
    return pairs


def rid():
    return str(uuid.uuid4())


class Stubs:
    """The generated modules, imported after the `protos` fixture compiled them."""

    def __init__(self):
        from surat.common.v1 import letter_pb2
        from surat.drafting.v1 import drafting_pb2, drafting_pb2_grpc
        from surat.approval.v1 import approval_pb2, approval_pb2_grpc
        self.letter = letter_pb2
        self.drafting = drafting_pb2
        self.drafting_grpc = drafting_pb2_grpc
        self.approval = approval_pb2
        self.approval_grpc = approval_pb2_grpc

    def content(self, subject="Undangan Rapat Koordinasi", body="Dengan hormat, kami mengundang Saudara.", code="000.8.3.3"):
        L = self.letter
        return L.LetterContent(
            type=L.LETTER_TYPE_UNDANGAN, classification_code=code, subject=subject, body=body,
            sifat=L.SIFAT_BIASA, urgency=L.URGENCY_SEGERA,
            addressees=[L.Addressee(name="Kepala Desa Sooko", kind=L.ADDRESSEE_KIND_DESA, endpoint="127.0.0.1:9000", address="di Tempat"),
                        L.Addressee(name="Dinas Kominfo", kind=L.ADDRESSEE_KIND_DINAS)],
            tembusan=["Bupati Mojokerto"],
            attachments=[L.Attachment(name="jadwal.pdf", media_type="application/pdf", content=b"%PDF-1.4 jadwal")],
            drafting_unit="Seksi Pemerintahan", place="Sooko")


def digest(content) -> bytes:
    """What an outside verifier computes: SHA-256 of the deterministic proto3 encoding."""
    return hashlib.sha256(content.SerializeToString(deterministic=True)).digest()


def code_of(call):
    """Runs `call` and returns the grpc.StatusCode it failed with (None on success) and details."""
    try:
        call()
    except grpc.RpcError as error:
        return error.code(), error.details()
    return None, None
