"""SOP steps 2-3 driven by a Python grpcio client built only from proto-notes/*.proto, against
the real surat-drafting and surat-approval executables (each with its own database)."""
import grpc
import pytest

from drafting_approval_support import (CAMAT, DRAFTER, DRAFTER2, PLH_SEKRETARIS, SEKRETARIS, Stubs, code_of,
                                       digest, metadata, rid, start)


@pytest.fixture(scope="module")
def services(protos, tmp_path_factory):
    data = tmp_path_factory.mktemp("drafting-approval")
    drafting = start("drafting", data)
    approval = start("approval", data)
    yield drafting, approval
    for process in (drafting, approval):
        assert process.stop() == 0, "graceful shutdown on SIGTERM exits 0"


@pytest.fixture(scope="module")
def api(services):
    drafting, approval = services
    stubs = Stubs()
    d_channel = grpc.insecure_channel(f"127.0.0.1:{drafting.port}")
    a_channel = grpc.insecure_channel(f"127.0.0.1:{approval.port}")
    yield stubs, stubs.drafting_grpc.DraftingStub(d_channel), stubs.approval_grpc.ApprovalStub(a_channel)
    d_channel.close()
    a_channel.close()


def paraf_and_submit(stubs, drafting, approval, draft):
    D, A = stubs.drafting, stubs.approval
    initialled = drafting.ParafDraft(D.ParafDraftRequest(request_id=rid(), draft_id=draft.id, revision=draft.latest_revision,
                                                         revision_digest=draft.latest_digest), metadata=metadata(DRAFTER))
    revision = initialled.draft.revisions[-1]
    review = approval.SubmitForReview(A.SubmitForReviewRequest(
        request_id=rid(), draft_id=draft.id, revision=revision.number, content=revision.content,
        drafter_paraf=initialled.paraf, letter_id=draft.letter_id), metadata=metadata(DRAFTER))
    return initialled, review


def test_happy_path(api):
    stubs, drafting, approval = api
    D, A = stubs.drafting, stubs.approval
    draft = drafting.CreateDraft(D.CreateDraftRequest(request_id=rid(), content=stubs.content(), letter_id="L-py-1"), metadata=metadata(DRAFTER))
    assert draft.state == D.DRAFT_STATE_EDITING and draft.latest_revision == 1
    # The digest is reproducible by an outsider from the published .proto.
    assert digest(draft.revisions[0].content) == draft.latest_digest
    edited = drafting.UpdateDraft(D.UpdateDraftRequest(request_id=rid(), draft_id=draft.id, base_revision=1,
                                                       content=stubs.content(body="Rapat hari Senin.")), metadata=metadata(DRAFTER))
    assert edited.latest_revision == 2
    code, details = code_of(lambda: drafting.UpdateDraft(D.UpdateDraftRequest(
        request_id=rid(), draft_id=draft.id, base_revision=1, content=stubs.content(body="stale")), metadata=metadata(DRAFTER2)))
    assert code == grpc.StatusCode.ABORTED, details

    initialled, review = paraf_and_submit(stubs, drafting, approval, edited)
    assert initialled.draft.state == D.DRAFT_STATE_INITIALLED
    assert review.state == A.REVIEW_STATE_PENDING
    queue = approval.ListReviewQueue(A.ListReviewQueueRequest(), metadata=metadata(SEKRETARIS))
    assert draft.id in [item.draft_id for item in queue.items]

    approved = approval.Approve(A.ApproveRequest(request_id=rid(), draft_id=draft.id,
                                                 revision_digest=initialled.paraf.revision_digest), metadata=metadata(SEKRETARIS))
    assert approved.review.state == A.REVIEW_STATE_APPROVED
    assert approved.paraf.role == "sekretaris" and approved.paraf.actor.id == "sekcam-1"
    assert approved.paraf.revision_digest == digest(approved.review.content)


def test_return_loop(api):
    stubs, drafting, approval = api
    D, A = stubs.drafting, stubs.approval
    draft = drafting.CreateDraft(D.CreateDraftRequest(request_id=rid(), content=stubs.content()), metadata=metadata(DRAFTER))
    first, _ = paraf_and_submit(stubs, drafting, approval, draft)
    notes = "Tembusan kurang Camat"
    returned = approval.ReturnDraft(A.ReturnDraftRequest(request_id=rid(), draft_id=draft.id,
                                                         revision_digest=first.paraf.revision_digest, notes=notes), metadata=metadata(SEKRETARIS))
    assert returned.state == A.REVIEW_STATE_RETURNED
    reopened = drafting.ReopenDraft(D.ReopenDraftRequest(request_id=rid(), draft_id=draft.id,
                                                         revision_digest=first.paraf.revision_digest, notes=notes), metadata=metadata(SEKRETARIS))
    assert reopened.state == D.DRAFT_STATE_RETURNED and reopened.returns[0].notes == notes
    content = stubs.content()
    content.tembusan.append("Camat Sooko")
    edited = drafting.UpdateDraft(D.UpdateDraftRequest(request_id=rid(), draft_id=draft.id, base_revision=1, content=content), metadata=metadata(DRAFTER))
    second, review = paraf_and_submit(stubs, drafting, approval, edited)
    assert len(review.rounds) == 2
    code, _ = code_of(lambda: approval.Approve(A.ApproveRequest(request_id=rid(), draft_id=draft.id,
                                                               revision_digest=first.paraf.revision_digest), metadata=metadata(SEKRETARIS)))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    approved = approval.Approve(A.ApproveRequest(request_id=rid(), draft_id=draft.id, revision_digest=second.paraf.revision_digest),
                                metadata=metadata(PLH_SEKRETARIS))
    assert approved.paraf.actor.acting_for == "sekcam-1"
    history = approval.GetReview(A.GetReviewRequest(draft_id=draft.id), metadata=metadata(DRAFTER))
    assert [r.outcome for r in history.rounds] == [A.REVIEW_STATE_RETURNED, A.REVIEW_STATE_APPROVED]
    assert history.rounds[0].notes == notes


def test_rules(api):
    stubs, drafting, approval = api
    D, A = stubs.drafting, stubs.approval
    # Wrong role.
    code, details = code_of(lambda: drafting.CreateDraft(D.CreateDraftRequest(request_id=rid(), content=stubs.content()), metadata=metadata(CAMAT)))
    assert code == grpc.StatusCode.PERMISSION_DENIED and "drafter" in details
    # No credentials.
    code, _ = code_of(lambda: drafting.GetDraft(D.GetDraftRequest(draft_id="x")))
    assert code == grpc.StatusCode.UNAUTHENTICATED
    code, _ = code_of(lambda: approval.GetReview(A.GetReviewRequest(draft_id="x"), metadata=metadata(SEKRETARIS, token="wrong")))
    assert code == grpc.StatusCode.UNAUTHENTICATED
    # Invalid classification code, oversized attachment: INVALID_ARGUMENT naming the field.
    code, details = code_of(lambda: drafting.CreateDraft(D.CreateDraftRequest(request_id=rid(), content=stubs.content(code="65")), metadata=metadata(DRAFTER)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("content.classification_code")
    try:
        drafting.CreateDraft(D.CreateDraftRequest(request_id=rid(), content=stubs.content(code="065.")), metadata=metadata(DRAFTER))
        raise AssertionError("invalid code accepted")
    except grpc.RpcError as error:
        assert ("surat-field", "content.classification_code") in tuple(error.trailing_metadata())
    big = stubs.content()
    big.attachments[0].content = b"x" * ((1 << 20) + 1)
    code, details = code_of(lambda: drafting.CreateDraft(D.CreateDraftRequest(request_id=rid(), content=big), metadata=metadata(DRAFTER)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("content.attachments[0].content")
    # Edit after paraf; approve by a drafter; return without notes.
    draft = drafting.CreateDraft(D.CreateDraftRequest(request_id=rid(), content=stubs.content()), metadata=metadata(DRAFTER))
    initialled, _ = paraf_and_submit(stubs, drafting, approval, draft)
    code, _ = code_of(lambda: drafting.UpdateDraft(D.UpdateDraftRequest(request_id=rid(), draft_id=draft.id, base_revision=1,
                                                                       content=stubs.content(body="late")), metadata=metadata(DRAFTER)))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    code, _ = code_of(lambda: approval.Approve(A.ApproveRequest(request_id=rid(), draft_id=draft.id,
                                                               revision_digest=initialled.paraf.revision_digest), metadata=metadata(DRAFTER)))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    code, details = code_of(lambda: approval.ReturnDraft(A.ReturnDraftRequest(request_id=rid(), draft_id=draft.id,
                                                                             revision_digest=initialled.paraf.revision_digest), metadata=metadata(SEKRETARIS)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("notes")


def test_retries_with_the_same_request_id(api):
    stubs, drafting, approval = api
    D, A = stubs.drafting, stubs.approval
    request = D.CreateDraftRequest(request_id=rid(), content=stubs.content(subject="Retry"), letter_id="L-retry")
    first = drafting.CreateDraft(request, metadata=metadata(DRAFTER))
    again = drafting.CreateDraft(request, metadata=metadata(DRAFTER))
    assert first == again
    listed = drafting.ListDrafts(D.ListDraftsRequest(page_size=500), metadata=metadata(DRAFTER))
    assert [d.id for d in listed.drafts].count(first.id) == 1
    assert sum(1 for d in listed.drafts if d.letter_id == "L-retry") == 1
    initialled, _ = paraf_and_submit(stubs, drafting, approval, first)
    approve = A.ApproveRequest(request_id=rid(), draft_id=first.id, revision_digest=initialled.paraf.revision_digest)
    assert approval.Approve(approve, metadata=metadata(SEKRETARIS)) == approval.Approve(approve, metadata=metadata(SEKRETARIS))
    request.content.subject = "Different"
    code, details = code_of(lambda: drafting.CreateDraft(request, metadata=metadata(DRAFTER)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("request_id")


def test_health(services, protos):
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    for process, name in zip(services, ["surat.drafting.v1.Drafting", "surat.approval.v1.Approval"]):
        with grpc.insecure_channel(f"127.0.0.1:{process.port}") as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=name))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_describes_the_services(services):
    """grpcurl lists and describes both services without local .proto files (server reflection;
    the descriptors come from Shared/ProtoDescriptors, regenerated by proto-notes/generate-descriptors)."""
    from rpc_support import grpcurl
    for process, name in zip(services, ["surat.drafting.v1.Drafting", "surat.approval.v1.Approval"]):
        code, out, err = grpcurl("-plaintext", f"127.0.0.1:{process.port}", "list")
        assert code == 0 and name in out.split(), err
        code, out, err = grpcurl("-plaintext", f"127.0.0.1:{process.port}", "describe", name)
        assert code == 0, err
        assert ("rpc Approve" in out) if "approval" in name else ("rpc ParafDraft" in out)
