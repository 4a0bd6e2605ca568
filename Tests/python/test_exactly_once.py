"""Exactly once across a crash (issue 12): a backend did a step for the gateway, then the gateway was
SIGKILLed before it recorded the step. The retry completes the step with the backend's FIRST answer,
without FAILED_PRECONDITION and without doing it twice, whether or not the client still has its request id:

- the gateway wrote its step intent before calling the backend, so a retry under a NEW client request id
  calls the backend with the SAME backend request id (replay by request id, test_intent_*);
- a step the backend did under a request id the gateway never wrote down is answered from the step's
  natural key (paraf: draft + revision + drafter; approve: draft + digest + Sekretaris; register: letter;
  sign: signing request + signer), test_step_done_by_backend_*; the same step by the same actor under yet
  another request id gets the same stored reply bytes.

All five services run as real processes (test_e2e_gateway.Cluster); the backends are also called directly,
as the gateway would, to put them in the state a crash leaves behind.
"""
import signal
import uuid

import grpc
import pytest

from test_e2e_gateway import CAMAT_PASSPHRASE, UNIT, Cluster, backend_request_id, office, reconnect  # noqa: F401 (office: fixture)
from conftest import wait_for_log


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("exactly-once"))
    yield c
    c.close()


def as_gateway(cluster, user, name, role):
    """Metadata of a backend call the gateway makes for `user`."""
    return [("authorization", f"Bearer {cluster.tokens['gateway']}"), ("surat-actor-id", user),
            ("surat-actor-name", name), ("surat-actor-role", role)]


def kill_and_restart_gateway(cluster, office):
    cluster.stop("gateway", signal.SIGKILL)
    cluster.start("gateway")
    reconnect(cluster, office)


def replay_lines(cluster, service, method, request_id):
    """The backend's log lines saying `method` was answered from its stored reply for `request_id`."""
    def matching(log):
        return [line for line in log.splitlines()
                if f"{method} replayed: stored reply sent again" in line and f"request.id={request_id}" in line]
    return matching(wait_for_log(cluster.root / f"{service}.log", matching))


def done_steps(office, letter_id):
    """The steps recorded as done (a step's record opens, in progress, when the one before ends)."""
    return [s.step for s in office.journey(letter_id).steps if s.outcome == office.g.STEP_OUTCOME_DONE]


def test_intent_paraf_retried_under_a_new_request_id_after_gateway_sigkill(cluster, office, protos):
    """Paraf: drafting initialled the draft, approval was down, the gateway died. The client retries
    with a NEW request id: the gateway reuses the backend request id it wrote down, drafting answers
    from its stored reply (by request id), approval queues the revision, the step is recorded once."""
    from surat.drafting.v1 import drafting_pb2, drafting_pb2_grpc
    letter_id = office.open().letter_id
    office.assign(letter_id)
    office.draft(letter_id)
    first_rid = "paraf-" + uuid.uuid4().hex
    cluster.stop("approval", signal.SIGKILL)
    try:
        with pytest.raises(grpc.RpcError) as failed:
            office.paraf(letter_id, rid=first_rid)
        assert failed.value.code() == grpc.StatusCode.UNAVAILABLE, failed.value.details()
        kill_and_restart_gateway(cluster, office)
    finally:
        cluster.start("approval")
    assert office.journey(letter_id).state == office.g.JOURNEY_STATE_DRAFTING
    # The drafting side is done: initialled under the backend request id the gateway derived the first time.
    first_backend_id = backend_request_id(first_rid, letter_id, "Paraf") + "-paraf"

    journey = office.paraf(letter_id, rid="paraf-" + uuid.uuid4().hex)
    assert journey.state == office.g.JOURNEY_STATE_IN_REVIEW
    assert done_steps(office, letter_id).count(2) == 1
    lines = replay_lines(cluster, "drafting", "ParafDraft", first_backend_id)
    assert len(lines) == 1 and "replay.by=request_id" in lines[0], lines

    # The same paraf by the same drafter under yet another request id: the same stored reply, byte for byte.
    draft_id = office.gateway.GetDraft(office.g.GetDraftRequest(letter_id=letter_id), metadata=office.md("dedi"))
    drafter = as_gateway(cluster, "dedi", "Dedi Seksi Pemerintahan", "drafter")
    with grpc.insecure_channel(f"127.0.0.1:{cluster.ports['drafting']}") as channel:
        drafting = drafting_pb2_grpc.DraftingStub(channel)

        def paraf(request_id):
            return drafting.ParafDraft(drafting_pb2.ParafDraftRequest(
                request_id=request_id, draft_id=draft_id.draft_id, revision=draft_id.revision,
                revision_digest=draft_id.revision_digest), metadata=drafter)

        by_request_id = paraf(first_backend_id)
        fresh_id = "direct-" + uuid.uuid4().hex
        by_natural_key = paraf(fresh_id)
        assert by_natural_key.SerializeToString(deterministic=True) == by_request_id.SerializeToString(deterministic=True)
        assert len(by_natural_key.draft.parafs) == 1
        lines = replay_lines(cluster, "drafting", "ParafDraft", fresh_id)
        assert len(lines) == 1 and "replay.by=natural_key" in lines[0], lines
        # Another drafter on the same revision is not a replay: the honest error.
        with pytest.raises(grpc.RpcError) as refused:
            drafting.ParafDraft(drafting_pb2.ParafDraftRequest(
                request_id="direct-" + uuid.uuid4().hex, draft_id=draft_id.draft_id, revision=draft_id.revision,
                revision_digest=draft_id.revision_digest),
                metadata=as_gateway(cluster, "budi", "Budi", "drafter"))
        assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def approve_directly(cluster, office, letter_id, request_id):
    from surat.approval.v1 import approval_pb2, approval_pb2_grpc
    shown = office.gateway.GetDraft(office.g.GetDraftRequest(letter_id=letter_id), metadata=office.md("sri"))
    with grpc.insecure_channel(f"127.0.0.1:{cluster.ports['approval']}") as channel:
        return approval_pb2_grpc.ApprovalStub(channel).Approve(
            approval_pb2.ApproveRequest(request_id=request_id, draft_id=shown.draft_id, revision_digest=shown.revision_digest),
            metadata=as_gateway(cluster, "sri", "Sri Sekretaris", "sekretaris"))


def register_directly(cluster, office, letter_id, request_id):
    from surat.registry.v1 import registry_pb2, registry_pb2_grpc
    from surat.signing.v1 import signing_pb2, signing_pb2_grpc
    clerk = as_gateway(cluster, "ani", "Ani Staf Umum", "staf_umum")
    with grpc.insecure_channel(f"127.0.0.1:{cluster.ports['signing']}") as channel:
        signing = signing_pb2_grpc.SigningStub(channel)
        signature = signing.GetSignature(signing_pb2.GetSignatureRequest(letter_id=letter_id), metadata=clerk)
        upload = signing.GetSigningRequest(signing_pb2.GetSigningRequestRequest(
            signing_request_id=signature.signing_request_id), metadata=clerk)
    with grpc.insecure_channel(f"127.0.0.1:{cluster.ports['registry']}") as channel:
        return registry_pb2_grpc.RegistryStub(channel).Register(registry_pb2.RegisterRequest(
            request_id=request_id, letter_id=letter_id, content=upload.content.SerializeToString(deterministic=True),
            signature=signature, unit=UNIT), metadata=clerk)


def sign_directly(cluster, office, letter_id, request_id):
    from surat.signing.v1 import signing_pb2, signing_pb2_grpc
    journey = office.journey(letter_id)
    with grpc.insecure_channel(f"127.0.0.1:{cluster.ports['signing']}") as channel:
        return signing_pb2_grpc.SigningStub(channel).Sign(signing_pb2.SignRequest(
            request_id=request_id, signing_request_id=journey.signing_request_id, letter_id=letter_id,
            signer_id="camat", passphrase=CAMAT_PASSPHRASE),
            metadata=as_gateway(cluster, "camat", "Bambang Camat", "camat"))


def through(office, letter_id, last):
    for step in [office.assign, office.draft, office.paraf, office.approve, office.upload, office.sign][:last]:
        step(letter_id)


# (step, gateway method, backend service, backend method, steps before it, direct call, gateway call, state after)
CASES = {
    "approve": (3, "Approve", "approval", "Approve", 3, approve_directly,
                lambda office, letter_id, rid: office.approve(letter_id, rid=rid), "JOURNEY_STATE_APPROVED"),
    "register": (6, "Register", "registry", "Register", 6, register_directly,
                 lambda office, letter_id, rid: office.register(letter_id, rid=rid).journey, "JOURNEY_STATE_COMPLETED"),
    "sign": (5, "Sign", "signing", "Sign", 5, sign_directly,
             lambda office, letter_id, rid: office.sign(letter_id, rid=rid).journey, "JOURNEY_STATE_SIGNED"),
}


@pytest.mark.parametrize("name", [
    "approve",
    "register",
    "sign",
])
def test_step_done_by_backend_then_gateway_sigkilled_retried_under_a_new_request_id(cluster, office, protos, name):
    """The backend did the step under the gateway's backend request id for a client request id that is
    then lost with the gateway (SIGKILL before it recorded the step, no intent left for the new id).
    The retry under a NEW client request id reaches the backend with a new backend request id: the backend
    answers from the step's natural key with its first reply; no FAILED_PRECONDITION, nothing done twice."""
    step, gateway_method, service, method, before, direct, via_gateway, state = CASES[name]
    letter_id = office.open().letter_id
    through(office, letter_id, before)
    lost_rid = f"{name}-" + uuid.uuid4().hex
    done_by_backend = direct(cluster, office, letter_id, backend_request_id(lost_rid, letter_id, gateway_method))
    kill_and_restart_gateway(cluster, office)
    assert step not in done_steps(office, letter_id)

    new_rid = f"{name}-" + uuid.uuid4().hex
    journey = via_gateway(office, letter_id, new_rid)
    assert journey.state == getattr(office.g, state)
    assert done_steps(office, letter_id).count(step) == 1
    new_backend_id = backend_request_id(new_rid, letter_id, gateway_method)
    lines = replay_lines(cluster, service, method, new_backend_id)
    assert len(lines) == 1 and "replay.by=natural_key" in lines[0], lines
    # The same step by the same actor under yet another request id: the first reply's bytes again.
    again = direct(cluster, office, letter_id, "direct-" + uuid.uuid4().hex)
    assert again.SerializeToString(deterministic=True) == done_by_backend.SerializeToString(deterministic=True)
    if name == "register":
        assert not again.already_registered and journey.letter_number == done_by_backend.entry.number


def test_gateway_answers_a_recorded_step_under_a_new_request_id_with_its_stored_reply(cluster, office):
    """The client lost its reply AND its request id after the gateway recorded the step: asking the same
    step again (same user, same request) under a new request id returns the first reply's bytes, not
    FAILED_PRECONDITION "the letter is at step N"; a different request is still the honest error."""
    g = office.g
    letter_id = office.open().letter_id
    office.assign(letter_id)
    office.draft(letter_id)
    shown = office.gateway.GetDraft(g.GetDraftRequest(letter_id=letter_id), metadata=office.md("dedi"))

    def paraf(rid, revision=shown.revision):
        return office.gateway.Paraf(g.ParafRequest(request_id=rid, letter_id=letter_id, revision=revision,
                                                   revision_digest=shown.revision_digest), metadata=office.md("dedi"))

    first = paraf("paraf-" + uuid.uuid4().hex)
    again = paraf("paraf-" + uuid.uuid4().hex)
    assert again.SerializeToString(deterministic=True) == first.SerializeToString(deterministic=True)
    with pytest.raises(grpc.RpcError) as refused:
        paraf("paraf-" + uuid.uuid4().hex, revision=shown.revision + 1)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    approve = g.ApproveRequest(request_id="approve-" + uuid.uuid4().hex, letter_id=letter_id)
    approved = office.gateway.Approve(approve, metadata=office.md("sri"))
    approve.request_id = "approve-" + uuid.uuid4().hex
    assert office.gateway.Approve(approve, metadata=office.md("sri")).SerializeToString(deterministic=True) \
        == approved.SerializeToString(deterministic=True)
    assert done_steps(office, letter_id) == [1, 2, 3]
