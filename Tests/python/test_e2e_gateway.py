"""End to end: all five executables as separate processes, driven through the gateway by a grpcio
client compiled only from proto-notes/*.proto (what another agency would have).

Covers the happy path, the return-with-notes loop, every step by a wrong role, steps out of order,
a backend stopped mid-journey and restarted, the gateway SIGKILLed mid-journey and resumed with the
same request id, and 50 letters in parallel to step 6 with distinct gapless numbers.
"""
import contextlib
import hashlib
import os
import re
import secrets
import signal
import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from conftest import ServiceProcess, free_port, swift_bin

BACKENDS = ["drafting", "approval", "signing", "registry"]
UNIT = "416-313"
CAMAT_PASSPHRASE = "rahasia-camat-sooko"
SEKCAM_PASSPHRASE = "sekcam-passphrase"


class Cluster:
    """The five services on free ports, each with its own data directory and log file."""

    def __init__(self, root):
        self.root = root
        self.tokens = {"gateway": secrets.token_urlsafe(32), "registry": secrets.token_urlsafe(32)}
        self.ports = {name: free_port() for name in BACKENDS + ["gateway"]}
        self.procs = {}
        (root / "gateway.token").write_text(self.tokens["gateway"] + "\n")
        for name in BACKENDS:
            self.start(name)
        out = os.popen(" ".join(str(a) for a in self.args("gateway", bootstrap=True))).read().strip()
        assert out.startswith("surat_"), out
        self.admin_token = out
        self.start("gateway")

    def hash(self, name):
        return f"{name}:" + hashlib.sha256(self.tokens[name].encode()).hexdigest()

    def args(self, name, bootstrap=False):
        common = ["--port", self.ports[name], "--data-directory", self.root / name]
        if name in ("drafting", "approval"):
            return [swift_bin(f"surat-{name}"), *common, "--service-tokens", self.hash("gateway")]
        if name == "signing":
            return [swift_bin("surat-signing"), *common, "--service-tokens",
                    self.hash("gateway") + "," + self.hash("registry"), "--scrypt-log2-n", "12"]
        if name == "registry":
            return [swift_bin("surat-registry"), *common, "--service-tokens", self.hash("gateway"),
                    "--signing-endpoint", f"127.0.0.1:{self.ports['signing']}",
                    "--signing-token", self.tokens["registry"], "--unit", UNIT]
        head = [swift_bin("surat-gateway")] + (["bootstrap-admin"] if bootstrap else [])
        return head + [*common, "--service-token-file", self.root / "gateway.token",
                       "--drafting-address", f"127.0.0.1:{self.ports['drafting']}",
                       "--approval-address", f"127.0.0.1:{self.ports['approval']}",
                       "--signing-address", f"127.0.0.1:{self.ports['signing']}",
                       "--registry-address", f"127.0.0.1:{self.ports['registry']}",
                       "--backend-timeout-seconds", "5"]

    def start(self, name):
        self.procs[name] = ServiceProcess(self.args(name), log_path=self.root / f"{name}.log")

    def stop(self, name, sig=signal.SIGTERM):
        self.procs.pop(name).stop(sig)

    def close(self):
        for name in list(self.procs):
            self.stop(name)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("cluster"))
    yield c
    c.close()


class Office:
    """Users of one kecamatan office and a stub per service, built from the published protos."""

    USERS = [("ani", "Ani Staf Umum", "staf_umum"), ("dedi", "Dedi Seksi Pemerintahan", "drafter"),
             ("sri", "Sri Sekretaris", "sekretaris"), ("camat", "Bambang Camat", "camat")]

    def __init__(self, cluster, protos):
        from surat.gateway.v1 import gateway_pb2, gateway_pb2_grpc
        from surat.common.v1 import letter_pb2
        self.g = gateway_pb2
        self.letter = letter_pb2
        self.channel = grpc.insecure_channel(f"127.0.0.1:{cluster.ports['gateway']}")
        self.gateway = gateway_pb2_grpc.GatewayStub(self.channel)
        self.admin = gateway_pb2_grpc.GatewayAdminStub(self.channel)
        self.tokens = {"admin": cluster.admin_token}
        for user_id, name, role in self.USERS:
            self.admin.CreateUser(self.g.CreateUserRequest(user_id=user_id, name=name, role=role,
                                                           nip="198001012005011001"), metadata=self.md("admin"))
            self.tokens[user_id] = self.admin.IssueToken(self.g.IssueTokenRequest(user_id=user_id),
                                                         metadata=self.md("admin")).token
        signers = self.admin.ListSigners(self.g.ListSignersRequest(), metadata=self.md("admin")).signers
        # Signers are registered before letters flow: the registry caches the published keys
        # (keyRefreshSeconds), so a key registered later is unknown to it for up to that long.
        # An admin registers the signer; the signer makes the key under their own passphrase (issue 11, item 8).
        for user, position, passphrase in [("camat", "Camat Sooko", CAMAT_PASSPHRASE),
                                           ("sri", "Sekretaris Kecamatan Sooko", SEKCAM_PASSPHRASE)]:
            if not any(s.signer_id == user and not s.pending for s in signers):
                self.admin.RegisterSigner(self.g.RegisterSignerRequest(
                    request_id=f"signer-{user}", user_id=user, position=position), metadata=self.md("admin"))
                self.gateway.ActivateSigningKey(self.g.ActivateSigningKeyRequest(
                    request_id=f"activate-{user}", passphrase=passphrase), metadata=self.md(user))

    def write_tokens(self, root):
        """Each user's token in `root/<user>.token`, as the CLI's `--token-file` reads it."""
        for user, token in self.tokens.items():
            (root / f"{user}.token").write_text(token + "\n")

    def md(self, user):
        return [("authorization", f"Bearer {self.tokens[user]}")]

    def content(self, subject="Undangan rapat koordinasi"):
        L = self.letter
        return L.LetterContent(
            type=L.LETTER_TYPE_UNDANGAN, classification_code="005", subject=subject,
            body="Dengan hormat, kami mengundang Saudara untuk hadir pada rapat koordinasi.",
            sifat=L.SIFAT_BIASA, urgency=L.URGENCY_SEGERA,
            addressees=[L.Addressee(name="Kepala Desa Sooko", kind=L.ADDRESSEE_KIND_DESA, address="di Tempat")],
            tembusan=["Bupati Mojokerto"], drafting_unit="Seksi Pemerintahan", place="Sooko")

    # One call per SOP action; `rid` lets a test retry with the same request id.
    def open(self, subject="Undangan rapat koordinasi", rid=None):
        return self.gateway.OpenLetter(self.g.OpenLetterRequest(
            request_id=rid or uuid.uuid4().hex, subject=subject, classification="005", unit=UNIT),
            metadata=self.md("ani")).journey

    def assign(self, letter_id, rid=None):
        return self.gateway.AssignClerk(self.g.AssignClerkRequest(request_id=rid or uuid.uuid4().hex,
                                                                  letter_id=letter_id), metadata=self.md("ani")).journey

    def draft(self, letter_id, rid=None, subject="Undangan rapat koordinasi"):
        return self.gateway.CreateDraft(self.g.CreateDraftRequest(request_id=rid or uuid.uuid4().hex,
                                                                  letter_id=letter_id, content=self.content(subject)),
                                        metadata=self.md("dedi"))

    def edit(self, letter_id, base_revision, subject, rid=None):
        return self.gateway.EditDraft(self.g.EditDraftRequest(request_id=rid or uuid.uuid4().hex, letter_id=letter_id,
                                                              base_revision=base_revision, content=self.content(subject)),
                                      metadata=self.md("dedi"))

    def paraf(self, letter_id, revision=0, rid=None):
        # Paraf names the revision read and its digest (issue 11): take them from GetDraft.
        shown = self.gateway.GetDraft(self.g.GetDraftRequest(letter_id=letter_id), metadata=self.md("dedi"))
        return self.gateway.Paraf(self.g.ParafRequest(request_id=rid or uuid.uuid4().hex, letter_id=letter_id,
                                                      revision=revision or shown.revision,
                                                      revision_digest=shown.revision_digest), metadata=self.md("dedi")).journey

    def approve(self, letter_id, rid=None):
        return self.gateway.Approve(self.g.ApproveRequest(request_id=rid or uuid.uuid4().hex, letter_id=letter_id),
                                    metadata=self.md("sri")).journey

    def ret(self, letter_id, notes, rid=None):
        return self.gateway.ReturnDraft(self.g.ReturnDraftRequest(request_id=rid or uuid.uuid4().hex,
                                                                  letter_id=letter_id, notes=notes),
                                        metadata=self.md("sri")).journey

    def upload(self, letter_id, rid=None):
        return self.gateway.UploadForSignature(self.g.UploadForSignatureRequest(
            request_id=rid or uuid.uuid4().hex, letter_id=letter_id), metadata=self.md("ani")).journey

    def sign(self, letter_id, rid=None, passphrase=CAMAT_PASSPHRASE, signer="camat"):
        return self.gateway.Sign(self.g.SignRequest(request_id=rid or uuid.uuid4().hex, letter_id=letter_id,
                                                    passphrase=passphrase), metadata=self.md(signer))

    def register(self, letter_id, rid=None):
        return self.gateway.Register(self.g.RegisterRequest(request_id=rid or uuid.uuid4().hex, letter_id=letter_id),
                                     metadata=self.md("ani"))

    def journey(self, letter_id):
        return self.gateway.GetJourney(self.g.GetJourneyRequest(letter_id=letter_id), metadata=self.md("ani")).journey

    def through_step5(self, subject="Undangan rapat koordinasi"):
        letter_id = self.open(subject).letter_id
        self.assign(letter_id)
        self.draft(letter_id, subject=subject)
        self.paraf(letter_id)
        self.approve(letter_id)
        self.upload(letter_id)
        self.sign(letter_id)
        return letter_id


@contextlib.contextmanager
def running_office(cluster, protos):
    """An Office on `cluster` (already started); on leaving, its channel and the cluster are closed."""
    office = Office(cluster, protos)
    try:
        yield office
    finally:
        office.channel.close()
        cluster.close()


@pytest.fixture(scope="module")
def office(cluster, protos):
    """The Office on the module's `cluster` fixture (other modules import this fixture)."""
    o = Office(cluster, protos)
    yield o
    o.channel.close()


NUMBER = re.compile(r"^005/(\d+)/416-313/(\d{4})$")


def test_happy_path_all_six_steps(office):
    g = office.g
    journey = office.open("Undangan rapat koordinasi Desa")
    assert journey.state == g.JOURNEY_STATE_OPENED and journey.current_step == 1
    letter_id = journey.letter_id
    assert office.assign(letter_id).state == g.JOURNEY_STATE_DRAFTING
    draft = office.draft(letter_id, subject="Undangan rapat koordinasi Desa")
    assert draft.revision == 1 and len(draft.revision_digest) == 32
    assert office.paraf(letter_id).state == g.JOURNEY_STATE_IN_REVIEW
    assert office.approve(letter_id).state == g.JOURNEY_STATE_APPROVED
    assert office.upload(letter_id).state == g.JOURNEY_STATE_AWAITING_SIGNATURE
    sign_rid = uuid.uuid4().hex
    signed = office.sign(letter_id, rid=sign_rid)
    assert signed.journey.state == g.JOURNEY_STATE_SIGNED
    assert signed.signature.verified, signed.signature.verification_detail
    assert signed.signature.signer_id == "camat"
    register_rid = uuid.uuid4().hex
    registered = office.register(letter_id, rid=register_rid)
    journey = registered.journey
    assert journey.state == g.JOURNEY_STATE_COMPLETED and journey.current_step == 0
    assert NUMBER.match(registered.registration.letter_number), registered.registration.letter_number
    assert registered.registration.receipt_verified, registered.registration.receipt_detail
    check_receipt_independently(office, registered.registration, letter_id, signed.signature)
    assert journey.letter_number == registered.registration.letter_number
    assert [s.step for s in journey.steps] == [1, 2, 3, 4, 5, 6]
    assert [s.actor.id for s in journey.steps] == ["ani", "dedi", "sri", "ani", "camat", "ani"]
    assert [s.standard_seconds for s in journey.steps] == [180, 600, 300, 900, 300, 600]
    assert all(s.outcome == g.STEP_OUTCOME_DONE and s.HasField("ended_at") and not s.late for s in journey.steps)
    assert journey.total_duration_seconds > 0

    delivery = office.gateway.GetDelivery(g.GetDeliveryRequest(letter_id=letter_id), metadata=office.md("ani"))
    assert delivery.letter_number == journey.letter_number
    assert [d.addressee for d in delivery.deliveries] == ["Kepala Desa Sooko"]

    by_number = office.gateway.VerifyNumber(g.VerifyNumberRequest(letter_number=journey.letter_number),
                                            metadata=office.md("sri"))
    assert by_number.valid and by_number.letter_id == letter_id
    by_signature = office.gateway.VerifySignature(g.VerifySignatureRequest(letter_id=letter_id), metadata=office.md("sri"))
    assert by_signature.valid and by_signature.signature.signature_id == journey.signature_id

    # A repeated request id of a finished step returns the first answer and changes nothing:
    # the same signature and the same number and receipt, each step recorded once.
    sign_again = office.sign(letter_id, rid=sign_rid)
    assert sign_again.signature.signature_id == signed.signature.signature_id
    assert sign_again.signature.signature == signed.signature.signature
    register_again = office.register(letter_id, rid=register_rid)
    assert register_again.registration.letter_number == registered.registration.letter_number
    assert register_again.registration.receipt == registered.registration.receipt
    again = office.gateway.GetJourney(g.GetJourneyRequest(letter_id=letter_id), metadata=office.md("dedi")).journey
    assert again.letter_number == journey.letter_number
    assert [s.step for s in again.steps] == [1, 2, 3, 4, 5, 6]


def check_receipt_independently(office, registration, letter_id, signature):
    """The receipt checked without the services' own verifiers: its Ed25519 seal with Python's
    `cryptography` and the registry key GetPublishedKeys publishes, its text against the letter."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    keys = office.gateway.GetPublishedKeys(office.g.GetPublishedKeysRequest(), metadata=office.md("sri"))
    text, seal = registration.receipt[:-64], registration.receipt[-64:]
    Ed25519PublicKey.from_public_bytes(keys.registry_key.public_key).verify(seal, text)  # raises if forged
    fields = dict(line.split("=", 1) for line in text.decode().splitlines()[1:])
    assert fields["registry-key"] == keys.registry_key.key_id
    assert fields["registry-key"] == hashlib.sha256(keys.registry_key.public_key).hexdigest()[:16]
    assert fields["number"] == registration.letter_number
    assert fields["letter-id"] == letter_id.lower()
    assert fields["signature"] == signature.signature.hex()
    published = {k.key_id: k for k in keys.keys}
    assert fields["signer-public-key"] == published[signature.key_id].public_key.hex()
    forged = bytearray(text)
    forged[-2] ^= 1
    with pytest.raises(Exception):
        Ed25519PublicKey.from_public_bytes(keys.registry_key.public_key).verify(seal, bytes(forged))


def test_return_with_notes_loop(office):
    g = office.g
    letter_id = office.open("Surat edaran kebersihan").letter_id
    office.assign(letter_id)
    draft = office.draft(letter_id, subject="Surat edaran kebersihan")
    revision = draft.revision
    for round_ in (1, 2):
        office.paraf(letter_id)
        journey = office.ret(letter_id, f"Perbaiki paragraf {round_}")
        assert journey.state == g.JOURNEY_STATE_DRAFTING and journey.current_step == 2
        revision = office.edit(letter_id, revision, f"Surat edaran kebersihan (rev {round_ + 1})").revision
    office.paraf(letter_id)
    journey = office.approve(letter_id)
    assert journey.state == g.JOURNEY_STATE_APPROVED
    assert [r.notes for r in journey.returns] == ["Perbaiki paragraf 1", "Perbaiki paragraf 2"]
    assert [s.round for s in journey.steps if s.step == 2] == [1, 2, 3]
    assert [s.outcome for s in journey.steps if s.step == 3] == [
        g.STEP_OUTCOME_RETURNED, g.STEP_OUTCOME_RETURNED, g.STEP_OUTCOME_DONE]
    assert journey.revision == revision == 3
    with pytest.raises(grpc.RpcError) as missing_notes:
        letter2 = office.open().letter_id
        office.assign(letter2)
        office.draft(letter2)
        office.paraf(letter2)
        office.ret(letter2, "   ")
    assert missing_notes.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "notes" in missing_notes.value.details()


def expect(code, fn, *args, contains=None, **kwargs):
    with pytest.raises(grpc.RpcError) as error:
        fn(*args, **kwargs)
    assert error.value.code() == code, error.value.details()
    if contains:
        assert contains in error.value.details(), error.value.details()
    return error.value


def test_every_step_by_a_wrong_role(office):
    g = office.g
    denied = grpc.StatusCode.PERMISSION_DENIED
    as_user = lambda user, call, request: getattr(office.gateway, call)(request, metadata=office.md(user))
    rid = lambda: uuid.uuid4().hex
    expect(denied, as_user, "dedi", "OpenLetter", g.OpenLetterRequest(request_id=rid(), subject="x", classification="005", unit=UNIT))
    letter_id = office.open().letter_id
    expect(denied, as_user, "camat", "AssignClerk", g.AssignClerkRequest(request_id=rid(), letter_id=letter_id))
    office.assign(letter_id)
    expect(denied, as_user, "ani", "CreateDraft", g.CreateDraftRequest(request_id=rid(), letter_id=letter_id, content=office.content()))
    office.draft(letter_id)
    expect(denied, as_user, "sri", "Paraf", g.ParafRequest(request_id=rid(), letter_id=letter_id))
    office.paraf(letter_id)
    expect(denied, as_user, "dedi", "Approve", g.ApproveRequest(request_id=rid(), letter_id=letter_id), contains="sekretaris")
    expect(denied, as_user, "camat", "ReturnDraft", g.ReturnDraftRequest(request_id=rid(), letter_id=letter_id, notes="n"))
    office.approve(letter_id)
    expect(denied, as_user, "camat", "UploadForSignature", g.UploadForSignatureRequest(request_id=rid(), letter_id=letter_id))
    office.upload(letter_id)
    expect(denied, as_user, "ani", "Sign", g.SignRequest(request_id=rid(), letter_id=letter_id, passphrase=CAMAT_PASSPHRASE))
    office.sign(letter_id)
    expect(denied, as_user, "sri", "Register", g.RegisterRequest(request_id=rid(), letter_id=letter_id))
    expect(denied, lambda: office.admin.ListUsers(g.ListUsersRequest(), metadata=office.md("ani")))
    expect(grpc.StatusCode.UNAUTHENTICATED, lambda: office.gateway.GetJourney(g.GetJourneyRequest(letter_id=letter_id)))
    expect(grpc.StatusCode.UNAUTHENTICATED, lambda: office.gateway.GetJourney(
        g.GetJourneyRequest(letter_id=letter_id), metadata=[("authorization", "Bearer surat_forged")]))
    assert office.register(letter_id).journey.state == g.JOURNEY_STATE_COMPLETED


def test_journey_classification_follows_the_draft(office):
    """Opened as 065, drafted as 005, edited to 045.2: the journey says what will be numbered
    (issue 11, item 1)."""
    g = office.g
    letter_id = office.gateway.OpenLetter(g.OpenLetterRequest(
        request_id=uuid.uuid4().hex, subject="Undangan", classification="065", unit=UNIT),
        metadata=office.md("ani")).journey.letter_id
    office.assign(letter_id)
    drafted = office.draft(letter_id)
    assert drafted.journey.classification == "005"
    content = office.content("Undangan rapat")
    content.classification_code = "045.2"
    edited = office.gateway.EditDraft(g.EditDraftRequest(request_id=uuid.uuid4().hex, letter_id=letter_id,
                                                         base_revision=drafted.revision, content=content),
                                      metadata=office.md("dedi"))
    assert edited.journey.classification == "045.2"
    journey = office.gateway.GetJourney(g.GetJourneyRequest(letter_id=letter_id), metadata=office.md("ani")).journey
    assert journey.classification == "045.2"


def test_paraf_requires_the_revision_read_and_its_digest(office):
    """"You initial what you read" (issue 11, item 14): Paraf without the revision or its digest
    is refused naming the field, as is a digest of another revision; the right pair works."""
    g = office.g
    letter_id = office.open().letter_id
    office.assign(letter_id)
    office.draft(letter_id)
    shown = office.gateway.GetDraft(g.GetDraftRequest(letter_id=letter_id), metadata=office.md("dedi"))
    paraf = lambda **fields: office.gateway.Paraf(g.ParafRequest(request_id=uuid.uuid4().hex, letter_id=letter_id, **fields),
                                                  metadata=office.md("dedi"))
    bad = grpc.StatusCode.INVALID_ARGUMENT
    missing_revision = expect(bad, paraf, revision_digest=shown.revision_digest, contains="revision")
    assert dict(missing_revision.trailing_metadata()).get("surat-field") == "revision"
    missing_digest = expect(bad, paraf, revision=shown.revision)
    assert dict(missing_digest.trailing_metadata()).get("surat-field") == "revision_digest"
    expect(bad, paraf, revision=shown.revision, revision_digest=bytes(32), contains="revision_digest")
    journey = paraf(revision=shown.revision, revision_digest=shown.revision_digest).journey
    assert journey.state == g.JOURNEY_STATE_IN_REVIEW


def test_steps_out_of_order_name_the_current_step(office):
    pre = grpc.StatusCode.FAILED_PRECONDITION
    letter_id = office.open().letter_id
    expect(pre, office.draft, letter_id, contains="step 1")
    office.assign(letter_id)
    expect(pre, office.approve, letter_id, contains="step 2")
    expect(pre, office.register, letter_id, contains="step 2")
    office.draft(letter_id)
    office.paraf(letter_id)
    expect(pre, office.upload, letter_id, contains="step 3")
    # Another revision than the one initialled (the same paraf again is answered with its stored reply:
    # test_exactly_once.py).
    expect(pre, office.paraf, letter_id, revision=2, contains="step 3")
    office.approve(letter_id)
    expect(pre, office.sign, letter_id, contains="step 4")
    office.upload(letter_id)
    expect(pre, office.register, letter_id, contains="step 5")
    office.sign(letter_id)
    registered = office.register(letter_id)
    expect(pre, office.upload, letter_id, contains="completed")
    # The same Register again under a new request id: the step's stored reply, one number.
    assert office.register(letter_id).registration.letter_number == registered.registration.letter_number
    assert office.journey(letter_id).state == office.g.JOURNEY_STATE_COMPLETED


def test_backend_stopped_mid_journey_and_restarted(cluster, office):
    letter_id = office.open().letter_id
    office.assign(letter_id)
    office.draft(letter_id)
    office.paraf(letter_id)
    cluster.stop("approval")
    try:
        error = expect(grpc.StatusCode.UNAVAILABLE, office.approve, letter_id, rid="approve-while-down")
        assert "approval" in error.details()
        assert office.journey(letter_id).state == office.g.JOURNEY_STATE_IN_REVIEW
    finally:
        cluster.start("approval")
    journey = office.approve(letter_id, rid="approve-while-down")
    assert journey.state == office.g.JOURNEY_STATE_APPROVED
    assert [s.step for s in journey.steps] == [1, 2, 3, 4]


def reconnect(cluster, office):
    from surat.gateway.v1 import gateway_pb2_grpc
    office.channel.close()
    office.channel = grpc.insecure_channel(f"127.0.0.1:{cluster.ports['gateway']}")
    office.gateway = gateway_pb2_grpc.GatewayStub(office.channel)
    office.admin = gateway_pb2_grpc.GatewayAdminStub(office.channel)


def backend_request_id(request_id, letter_id, method):
    """The derivation documented in proto-notes/failures.md."""
    digest = hashlib.sha256(f"surat-gateway\0{request_id}\0{letter_id}\0{method}".encode()).digest()
    return "gw-" + digest[:16].hex()


def test_gateway_killed_after_backend_success_converges(cluster, office, protos):
    """The backend did step 5 for the gateway, then the gateway died before recording it: the retry with
    the same request id returns the backend's first signature and records the step once."""
    from surat.signing.v1 import signing_pb2, signing_pb2_grpc
    letter_id = office.open().letter_id
    for step in (office.assign, office.draft, office.paraf, office.approve):
        step(letter_id)
    signing_request_id = office.upload(letter_id).signing_request_id
    rid = "sign-" + uuid.uuid4().hex
    with grpc.insecure_channel(f"127.0.0.1:{cluster.ports['signing']}") as channel:
        as_gateway = [("authorization", f"Bearer {cluster.tokens['gateway']}"), ("surat-actor-id", "camat"),
                      ("surat-actor-name", "Bambang Camat"), ("surat-actor-role", "camat")]
        done_by_backend = signing_pb2_grpc.SigningStub(channel).Sign(signing_pb2.SignRequest(
            request_id=backend_request_id(rid, letter_id, "Sign"), signing_request_id=signing_request_id,
            letter_id=letter_id, signer_id="camat", passphrase=CAMAT_PASSPHRASE), metadata=as_gateway)
    cluster.stop("gateway", signal.SIGKILL)
    cluster.start("gateway")
    reconnect(cluster, office)
    assert office.journey(letter_id).state == office.g.JOURNEY_STATE_AWAITING_SIGNATURE
    signed = office.sign(letter_id, rid=rid)
    assert signed.signature.signature_id == done_by_backend.signature_id
    assert signed.journey.state == office.g.JOURNEY_STATE_SIGNED
    assert [s.step for s in signed.journey.steps].count(5) == 1
    assert office.sign(letter_id, rid=rid).signature.signature_id == done_by_backend.signature_id


def test_gateway_sigkilled_during_a_step_then_resumed(cluster, office):
    """SIGKILL while Register is in flight: whatever the kill hit, the retry with the same request id
    completes the step with one number."""
    letter_id = office.through_step5("Surat pemberitahuan")
    rid = "register-" + uuid.uuid4().hex
    with ThreadPoolExecutor(max_workers=1) as pool:
        in_flight = pool.submit(office.register, letter_id, rid)
        cluster.stop("gateway", signal.SIGKILL)
        try:
            in_flight.result()
        except grpc.RpcError:
            pass
    cluster.start("gateway")
    reconnect(cluster, office)
    first = office.register(letter_id, rid=rid)
    again = office.register(letter_id, rid=rid)
    assert first.journey.state == office.g.JOURNEY_STATE_COMPLETED
    assert again.registration.letter_number == first.registration.letter_number
    assert office.journey(letter_id).letter_number == first.registration.letter_number


def test_fifty_letters_in_parallel_get_distinct_gapless_numbers(office):
    with ThreadPoolExecutor(max_workers=10) as pool:
        letters = list(pool.map(lambda i: office.through_step5(f"Surat nomor {i}"), range(50)))
    with ThreadPoolExecutor(max_workers=16) as pool:
        replies = list(pool.map(office.register, letters))
    numbers = [r.registration.letter_number for r in replies]
    assert len(set(numbers)) == 50
    sequences = sorted(int(NUMBER.match(n).group(1)) for n in numbers)
    assert sequences == list(range(sequences[0], sequences[0] + 50)), sequences
    assert all(r.journey.state == office.g.JOURNEY_STATE_COMPLETED for r in replies)


def test_acting_official_signs_on_behalf_of_the_camat(office):
    """Plh: the Sekretaris acts as Camat (gateway acting grant + signing delegation); the step records
    acting_for and the signature says on whose behalf it was made."""
    import time
    from google.protobuf.timestamp_pb2 import Timestamp
    g = office.g
    until = Timestamp(seconds=int(time.time()) + 3600)
    letter_id = office.open("Surat tugas (Plh)").letter_id
    for step in (office.assign, office.draft, office.paraf, office.approve, office.upload):
        step(letter_id)
    expect(grpc.StatusCode.PERMISSION_DENIED, office.gateway.Sign,
           g.SignRequest(request_id=uuid.uuid4().hex, letter_id=letter_id, passphrase=SEKCAM_PASSPHRASE),
           metadata=office.md("sri"))
    delegation = office.admin.CreateDelegation(g.CreateDelegationRequest(request_id="plh-sri", from_user_id="camat", to_user_id="sri",
                                                                         kind="plh", valid_until=until), metadata=office.md("admin"))
    grant = office.admin.GrantActing(g.GrantActingRequest(user_id="sri", role="camat", acting_for="camat",
                                                          valid_until=until), metadata=office.md("admin"))
    try:
        signed = office.gateway.Sign(g.SignRequest(request_id=uuid.uuid4().hex, letter_id=letter_id,
                                                   passphrase=SEKCAM_PASSPHRASE), metadata=office.md("sri"))
        assert signed.signature.verified, signed.signature.verification_detail
        assert signed.signature.signer_id == "sri" and signed.signature.on_behalf_of == "camat"
        # The delegation signed under, so the signature can be checked offline (issue 11, item 15).
        assert signed.signature.delegation_id and signed.signature.delegation_id == delegation.delegation_id
        step5 = [s for s in signed.journey.steps if s.step == 5][0]
        assert step5.actor.id == "sri" and step5.actor.role == "camat" and step5.actor.acting_for == "camat"
        assert office.register(letter_id).journey.state == g.JOURNEY_STATE_COMPLETED
    finally:
        office.admin.EndActing(g.EndActingRequest(grant_id=grant.id), metadata=office.md("admin"))
    who = office.gateway.WhoAmI(g.WhoAmIRequest(), metadata=office.md("sri"))
    assert list(who.roles) == ["sekretaris"]


def no_unknown_fields(message, path="reply"):
    """Every field the Swift gateway wrote is a field of the published .proto (recursively)."""
    from google.protobuf import unknown_fields
    assert len(unknown_fields.UnknownFieldSet(message)) == 0, f"{path}: fields not in the .proto"
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            continue
        if isinstance(value, (list, tuple)) or hasattr(value, "extend"):
            for index, item in enumerate(value):
                no_unknown_fields(item, f"{path}.{field.name}[{index}]")
        else:
            no_unknown_fields(value, f"{path}.{field.name}")


def test_replies_match_the_published_proto_field_by_field(office):
    """The Swift messages and gateway.proto agree: no unknown fields anywhere, and a finished journey
    with a return carries every Journey field under its .proto name."""
    g = office.g
    letter_id = office.open("Cross-check").letter_id
    replies = [office.gateway.AssignClerk(g.AssignClerkRequest(request_id=uuid.uuid4().hex, letter_id=letter_id),
                                          metadata=office.md("ani"))]
    replies.append(office.draft(letter_id, subject="Cross-check"))
    office.paraf(letter_id)
    office.ret(letter_id, "Perbaiki")
    replies.append(office.edit(letter_id, 1, "Cross-check 2"))
    office.paraf(letter_id)
    office.approve(letter_id)
    office.upload(letter_id)
    replies.append(office.sign(letter_id))
    registered = office.register(letter_id)
    replies.append(registered)
    md = office.md("sri")
    replies += [
        office.gateway.GetDraft(g.GetDraftRequest(letter_id=letter_id), metadata=md),
        office.gateway.ListLetters(g.ListLettersRequest(limit=5), metadata=md),
        office.gateway.GetWorkQueue(g.WorkQueueRequest(role="drafter"), metadata=md),
        office.gateway.GetSLAReport(g.SLAReportRequest(), metadata=md),
        office.gateway.GetDelivery(g.GetDeliveryRequest(letter_id=letter_id), metadata=md),
        office.gateway.VerifyNumber(g.VerifyNumberRequest(letter_number=registered.journey.letter_number), metadata=md),
        office.gateway.VerifySignature(g.VerifySignatureRequest(letter_id=letter_id), metadata=md),
        office.gateway.ExportAgenda(g.ExportAgendaRequest(format="html"), metadata=md),
        office.gateway.WhoAmI(g.WhoAmIRequest(), metadata=md),
        office.admin.ListUsers(g.ListUsersRequest(), metadata=office.md("admin")),
        office.admin.ListTokens(g.ListTokensRequest(), metadata=office.md("admin")),
        office.admin.ListSigners(g.ListSignersRequest(), metadata=office.md("admin")),
    ]
    for reply in replies:
        no_unknown_fields(reply, type(reply).__name__)
    journey = office.journey(letter_id)
    no_unknown_fields(journey)
    populated = {field.name for field, _ in journey.ListFields()}
    every = {field.name for field in journey.DESCRIPTOR.fields}
    # current_step is 0 once completed, so proto3 leaves it out; a completed letter was neither
    # withdrawn nor reassigned.
    assert every - populated == {"current_step", "withdrawal", "reassignments"}
    step = journey.steps[0]
    # `late` is false within the standard, so proto3 leaves it out
    assert {f.name for f in step.DESCRIPTOR.fields} - {f.name for f, _ in step.ListFields()} == {"late"}
    ret = journey.returns[0]
    assert {f.name for f, _ in ret.ListFields()} == {f.name for f in ret.DESCRIPTOR.fields}
    sig = replies[3].signature
    assert {f.name for f, _ in sig.ListFields()} >= {"signature_id", "signer_id", "signer_name", "key_id", "algorithm",
                                                      "signed_at", "signature", "verified", "verification_detail"}
    export = next(r for r in replies if type(r).__name__ == "ExportAgendaReply")
    assert "html" in export.media_type and registered.journey.letter_number.encode() in export.content


def test_bypassing_the_gateway_does_not_bypass_the_rules(cluster, office, protos):
    """Backends refuse callers without the gateway's service credential, also when they present a valid
    user token or claim an actor in metadata."""
    from surat.approval.v1 import approval_pb2, approval_pb2_grpc
    from surat.registry.v1 import registry_pb2, registry_pb2_grpc
    from surat.signing.v1 import signing_pb2, signing_pb2_grpc
    forged = [("authorization", f"Bearer {office.tokens['sri']}"), ("surat-actor-id", "sri"),
              ("surat-actor-role", "sekretaris")]
    calls = [
        ("approval", lambda ch: approval_pb2_grpc.ApprovalStub(ch).Approve(
            approval_pb2.ApproveRequest(request_id="x", draft_id="d"), metadata=forged)),
        ("signing", lambda ch: signing_pb2_grpc.SigningStub(ch).Sign(
            signing_pb2.SignRequest(request_id="x", letter_id="l", passphrase="p"), metadata=forged)),
        ("registry", lambda ch: registry_pb2_grpc.RegistryStub(ch).Register(
            registry_pb2.RegisterRequest(request_id="x", letter_id=str(uuid.uuid4())), metadata=forged)),
        ("registry", lambda ch: registry_pb2_grpc.RegistryStub(ch).Register(
            registry_pb2.RegisterRequest(request_id="x", letter_id=str(uuid.uuid4())))),
    ]
    for service, call in calls:
        with grpc.insecure_channel(f"127.0.0.1:{cluster.ports[service]}") as channel:
            expect(grpc.StatusCode.UNAUTHENTICATED, call, channel)


def test_signature_made_under_a_lost_request_id_is_answered_from_its_natural_key(cluster, office, protos):
    """The signing service signed for an attempt whose request id is gone (client and gateway both died):
    a new attempt records that signature instead of leaving the letter stuck at step 5."""
    from surat.signing.v1 import signing_pb2, signing_pb2_grpc
    letter_id = office.open().letter_id
    for step in (office.assign, office.draft, office.paraf, office.approve):
        step(letter_id)
    signing_request_id = office.upload(letter_id).signing_request_id
    with grpc.insecure_channel(f"127.0.0.1:{cluster.ports['signing']}") as channel:
        as_gateway = [("authorization", f"Bearer {cluster.tokens['gateway']}"), ("surat-actor-id", "camat"),
                      ("surat-actor-role", "camat")]
        lost = signing_pb2_grpc.SigningStub(channel).Sign(signing_pb2.SignRequest(
            request_id="lost-" + uuid.uuid4().hex, signing_request_id=signing_request_id, letter_id=letter_id,
            signer_id="camat", passphrase=CAMAT_PASSPHRASE), metadata=as_gateway)
    signed = office.sign(letter_id)
    assert signed.signature.signature_id == lost.signature_id and signed.signature.verified
    assert signed.journey.state == office.g.JOURNEY_STATE_SIGNED
    assert office.register(letter_id).journey.state == office.g.JOURNEY_STATE_COMPLETED


def test_paraf_and_approval_made_under_lost_request_ids_are_answered_from_their_natural_keys(cluster, office, protos):
    from surat.approval.v1 import approval_pb2, approval_pb2_grpc
    from surat.drafting.v1 import drafting_pb2, drafting_pb2_grpc
    letter_id = office.open().letter_id
    office.assign(letter_id)
    draft = office.draft(letter_id)
    as_gateway = lambda user, role: [("authorization", f"Bearer {cluster.tokens['gateway']}"),
                                     ("surat-actor-id", user), ("surat-actor-role", role)]
    with grpc.insecure_channel(f"127.0.0.1:{cluster.ports['drafting']}") as channel:
        drafting_pb2_grpc.DraftingStub(channel).ParafDraft(drafting_pb2.ParafDraftRequest(
            request_id="lost-" + uuid.uuid4().hex, draft_id=draft.draft_id, revision=draft.revision,
            revision_digest=draft.revision_digest),
            metadata=as_gateway("dedi", "drafter"))
    journey = office.paraf(letter_id)
    assert journey.state == office.g.JOURNEY_STATE_IN_REVIEW and journey.revision == draft.revision
    with grpc.insecure_channel(f"127.0.0.1:{cluster.ports['approval']}") as channel:
        approval_pb2_grpc.ApprovalStub(channel).Approve(approval_pb2.ApproveRequest(
            request_id="lost-" + uuid.uuid4().hex, draft_id=draft.draft_id,
            revision_digest=journey.revision_digest), metadata=as_gateway("sri", "sekretaris"))
    assert office.approve(letter_id).state == office.g.JOURNEY_STATE_APPROVED
    assert office.upload(letter_id).state == office.g.JOURNEY_STATE_AWAITING_SIGNATURE
