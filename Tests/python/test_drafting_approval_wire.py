"""The Swift message types and the published .proto files agree byte for byte: raw responses of the
real services, parsed by stubs compiled from proto-notes/ with unknown fields discarded, re-encode
to exactly the bytes the Swift side sent (a field number or type the .proto does not declare would be
dropped or fail to parse, and the bytes would differ)."""
import grpc
import pytest

from drafting_approval_support import DRAFTER, PLH_SEKRETARIS, SEKRETARIS, Stubs, metadata, rid, start


@pytest.fixture(scope="module")
def running(protos, tmp_path_factory):
    data = tmp_path_factory.mktemp("wire")
    drafting = start("drafting", data)
    approval = start("approval", data)
    yield drafting, approval
    drafting.stop()
    approval.stop()


def raw_call(channel, path, request, actor):
    call = channel.unary_unary(path, request_serializer=lambda m: m.SerializeToString(), response_deserializer=None)
    return call(request, metadata=metadata(actor))


def assert_same_bytes(message_class, raw):
    parsed = message_class.FromString(raw)
    parsed.DiscardUnknownFields()
    assert parsed.SerializeToString(deterministic=True) == raw, message_class.__name__
    return parsed


def test_responses_match_the_proto(running):
    drafting, approval = running
    s = Stubs()
    D, A = s.drafting, s.approval
    with grpc.insecure_channel(f"127.0.0.1:{drafting.port}") as dc, grpc.insecure_channel(f"127.0.0.1:{approval.port}") as ac:
        d_path = "/surat.drafting.v1.Drafting/"
        a_path = "/surat.approval.v1.Approval/"
        draft = assert_same_bytes(D.Draft, raw_call(dc, d_path + "CreateDraft", D.CreateDraftRequest(
            request_id=rid(), content=s.content(), letter_id="L-wire"), DRAFTER))
        initialled = assert_same_bytes(D.ParafDraftResponse, raw_call(dc, d_path + "ParafDraft", D.ParafDraftRequest(
            request_id=rid(), draft_id=draft.id, revision=1, revision_digest=draft.latest_digest), DRAFTER))
        revision = initialled.draft.revisions[-1]
        assert_same_bytes(A.Review, raw_call(ac, a_path + "SubmitForReview", A.SubmitForReviewRequest(
            request_id=rid(), draft_id=draft.id, revision=1, content=revision.content, drafter_paraf=initialled.paraf), DRAFTER))
        assert_same_bytes(A.ListReviewQueueResponse, raw_call(ac, a_path + "ListReviewQueue", A.ListReviewQueueRequest(), SEKRETARIS))
        digest = initialled.paraf.revision_digest
        assert_same_bytes(A.Review, raw_call(ac, a_path + "ReturnDraft", A.ReturnDraftRequest(
            request_id=rid(), draft_id=draft.id, revision_digest=digest, notes="Perbaiki perihal"), SEKRETARIS))
        reopened = assert_same_bytes(D.Draft, raw_call(dc, d_path + "ReopenDraft", D.ReopenDraftRequest(
            request_id=rid(), draft_id=draft.id, revision_digest=digest, notes="Perbaiki perihal"), SEKRETARIS))
        edited = assert_same_bytes(D.Draft, raw_call(dc, d_path + "UpdateDraft", D.UpdateDraftRequest(
            request_id=rid(), draft_id=draft.id, base_revision=reopened.latest_revision, content=s.content(subject="Perihal baru")), DRAFTER))
        second = assert_same_bytes(D.ParafDraftResponse, raw_call(dc, d_path + "ParafDraft", D.ParafDraftRequest(
            request_id=rid(), draft_id=draft.id, revision=edited.latest_revision, revision_digest=edited.latest_digest), DRAFTER))
        rev2 = second.draft.revisions[-1]
        raw_call(ac, a_path + "SubmitForReview", A.SubmitForReviewRequest(
            request_id=rid(), draft_id=draft.id, revision=rev2.number, content=rev2.content, drafter_paraf=second.paraf), DRAFTER)
        approved = assert_same_bytes(A.ApproveResponse, raw_call(ac, a_path + "Approve", A.ApproveRequest(
            request_id=rid(), draft_id=draft.id, revision_digest=second.paraf.revision_digest, notes="OK"), PLH_SEKRETARIS))
        history = assert_same_bytes(A.Review, raw_call(ac, a_path + "GetReview", A.GetReviewRequest(draft_id=draft.id), DRAFTER))
        full = assert_same_bytes(D.Draft, raw_call(dc, d_path + "GetDraft", D.GetDraftRequest(draft_id=draft.id), DRAFTER))
        assert_same_bytes(D.ListDraftsResponse, raw_call(dc, d_path + "ListDrafts", D.ListDraftsRequest(page_size=1), DRAFTER))
        first = assert_same_bytes(D.DraftRevision, raw_call(dc, d_path + "GetRevision", D.GetRevisionRequest(draft_id=draft.id, number=1), DRAFTER))

    # Every field made it across with its meaning intact.
    assert full.letter_id == "L-wire" and full.subject == "Perihal baru" and len(full.revisions) == 2
    assert full.revisions[1].based_on == 1 and first.content.addressees[0].endpoint == "127.0.0.1:9000"
    assert first.digest == full.revisions[0].digest and first.content.attachments[0].sha256 and full.returns[0].notes == "Perbaiki perihal"
    assert full.parafs[1].revision == 2 and full.parafs[1].initialled_at.seconds > 0
    assert [r.round for r in history.rounds] == [1, 2] and history.rounds[0].decided_by.id == "sekcam-1"
    assert history.rounds[1].sekretaris_paraf == approved.paraf and approved.paraf.actor.acting_for == "sekcam-1"
    assert history.content.urgency == s.letter.URGENCY_SEGERA and history.drafter.id == "drafter-1"
