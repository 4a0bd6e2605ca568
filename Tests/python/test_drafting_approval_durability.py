"""Durability: an acknowledged paraf (drafting) and approval survive `kill -9` of the process."""
import grpc

from drafting_approval_support import DRAFTER, SEKRETARIS, Stubs, metadata, rid, start


def test_paraf_and_approval_survive_sigkill(protos, tmp_path):
    stubs = Stubs()
    D, A = stubs.drafting, stubs.approval
    drafting = start("drafting", tmp_path, log_name="drafting-1")
    approval = start("approval", tmp_path, log_name="approval-1")
    try:
        with grpc.insecure_channel(f"127.0.0.1:{drafting.port}") as dc, grpc.insecure_channel(f"127.0.0.1:{approval.port}") as ac:
            d, a = stubs.drafting_grpc.DraftingStub(dc), stubs.approval_grpc.ApprovalStub(ac)
            draft = d.CreateDraft(D.CreateDraftRequest(request_id=rid(), content=stubs.content()), metadata=metadata(DRAFTER))
            initialled = d.ParafDraft(D.ParafDraftRequest(request_id="paraf-1", draft_id=draft.id, revision=1,
                                                          revision_digest=draft.latest_digest), metadata=metadata(DRAFTER))
            revision = initialled.draft.revisions[-1]
            a.SubmitForReview(A.SubmitForReviewRequest(request_id=rid(), draft_id=draft.id, revision=1, content=revision.content,
                                                       drafter_paraf=initialled.paraf), metadata=metadata(DRAFTER))
            approved = a.Approve(A.ApproveRequest(request_id="approve-1", draft_id=draft.id,
                                                  revision_digest=initialled.paraf.revision_digest), metadata=metadata(SEKRETARIS))
        # Acknowledged: now kill both without any chance to flush or shut down.
        drafting.kill()
        approval.kill()
        drafting = start("drafting", tmp_path, port=drafting.port, log_name="drafting-2")
        approval = start("approval", tmp_path, port=approval.port, log_name="approval-2")
        with grpc.insecure_channel(f"127.0.0.1:{drafting.port}") as dc, grpc.insecure_channel(f"127.0.0.1:{approval.port}") as ac:
            d, a = stubs.drafting_grpc.DraftingStub(dc), stubs.approval_grpc.ApprovalStub(ac)
            after = d.GetDraft(D.GetDraftRequest(draft_id=draft.id), metadata=metadata(DRAFTER))
            assert after.state == D.DRAFT_STATE_INITIALLED
            assert list(after.parafs) == [initialled.paraf]
            review = a.GetReview(A.GetReviewRequest(draft_id=draft.id), metadata=metadata(SEKRETARIS))
            assert review.state == A.REVIEW_STATE_APPROVED
            assert review.sekretaris_paraf == approved.paraf
            # The stored responses survived too: retries after the crash return the same results.
            retried = d.ParafDraft(D.ParafDraftRequest(request_id="paraf-1", draft_id=draft.id, revision=1,
                                                       revision_digest=draft.latest_digest), metadata=metadata(DRAFTER))
            assert retried == initialled
            assert a.Approve(A.ApproveRequest(request_id="approve-1", draft_id=draft.id, revision_digest=initialled.paraf.revision_digest),
                             metadata=metadata(SEKRETARIS)) == approved
    finally:
        drafting.stop()
        approval.stop()


def test_a_replayed_paraf_is_logged_as_a_replay(protos, tmp_path):
    """Issue 11, item 19: 1,000 parafs, some retried, gave 1,079 "draft initialled" lines. The
    action is logged once; a retry with the same request id is logged as a replay."""
    stubs = Stubs()
    D = stubs.drafting
    drafting = start("drafting", tmp_path, log_name="drafting-replay")
    try:
        with grpc.insecure_channel(f"127.0.0.1:{drafting.port}") as dc:
            d = stubs.drafting_grpc.DraftingStub(dc)
            draft = d.CreateDraft(D.CreateDraftRequest(request_id=rid(), content=stubs.content()), metadata=metadata(DRAFTER))
            request = D.ParafDraftRequest(request_id="paraf-replayed", draft_id=draft.id, revision=1,
                                          revision_digest=draft.latest_digest)
            first = d.ParafDraft(request, metadata=metadata(DRAFTER))
            for _ in range(3):
                assert d.ParafDraft(request, metadata=metadata(DRAFTER)) == first
    finally:
        assert drafting.stop() == 0
    log = (tmp_path / "drafting-replay.log").read_text()
    assert log.count("draft initialled by drafter") == 1, log
    assert log.count("ParafDraft replayed") == 3, log
