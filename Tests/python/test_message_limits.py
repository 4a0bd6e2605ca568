"""Whatever a request may carry, its reply fits (issue 11, item 3), at the limit, from a client
compiled from proto-notes/: CreateDraft and EditDraft accept content up to 4 MiB - 256 KiB encoded
and answer it (DraftReply echoes the content with the journey); one byte more is INVALID_ARGUMENT
naming `content` before anything is stored, also for the 4,194,240-byte request that used to be
stored and then stuck behind a reply over the send limit. The drafting service here allows
attachments far larger than the default, so only the gateway's limit is under test."""
import json
import uuid

import grpc
import pytest

from test_e2e_gateway import Cluster, running_office

MAX_CONTENT = 4 * 1024 * 1024 - 256 * 1024  # 3,932,160 bytes


class RoomyCluster(Cluster):
    def args(self, name, bootstrap=False):
        args = super().args(name, bootstrap)
        if name == "drafting":
            config = self.root / "drafting.json"
            config.write_text(json.dumps({"limits": {"maxAttachmentBytes": 8 << 20, "maxTotalAttachmentBytes": 8 << 20}}))
            args += ["--config", config]
        return args


@pytest.fixture(scope="module")
def office(tmp_path_factory, protos):
    with running_office(RoomyCluster(tmp_path_factory.mktemp("limits")), protos) as o:
        yield o


def sized_content(office, size):
    """Content whose deterministic encoding is exactly `size` bytes (one attachment fills it)."""
    import hashlib
    content = office.content("Lampiran besar")
    attachment = content.attachments.add(name="lampiran.pdf", media_type="application/pdf")
    payload_size = size - len(content.SerializeToString(deterministic=True))
    for _ in range(3):  # the length prefixes grow with the payload: converge
        attachment.content = b"x" * payload_size
        attachment.sha256 = hashlib.sha256(attachment.content).digest()
        payload_size += size - len(content.SerializeToString(deterministic=True))
    assert len(content.SerializeToString(deterministic=True)) == size
    return content


def create(office, letter_id, content, rid=None):
    return office.gateway.CreateDraft(office.g.CreateDraftRequest(
        request_id=rid or uuid.uuid4().hex, letter_id=letter_id, content=content), metadata=office.md("dedi"))


def test_content_at_the_limit_is_stored_and_answered(office):
    letter_id = office.open("Lampiran besar").letter_id
    office.assign(letter_id)
    content = sized_content(office, MAX_CONTENT)
    reply = create(office, letter_id, content)
    assert reply.revision == 1 and reply.content == content
    shown = office.gateway.GetDraft(office.g.GetDraftRequest(letter_id=letter_id), metadata=office.md("dedi"))
    assert shown.content == content
    # An edit at the limit too.
    content.subject = "Lampiran besar (perbaikan)"
    content.attachments[0].content = content.attachments[0].content[:-len(" (perbaikan)")]
    import hashlib
    content.attachments[0].sha256 = hashlib.sha256(content.attachments[0].content).digest()
    assert len(content.SerializeToString(deterministic=True)) == MAX_CONTENT
    edited = office.gateway.EditDraft(office.g.EditDraftRequest(
        request_id=uuid.uuid4().hex, letter_id=letter_id, base_revision=1, content=content), metadata=office.md("dedi"))
    assert edited.revision == 2 and edited.content == content


@pytest.mark.parametrize("content_size,request_size", [(MAX_CONTENT + 1, None), (None, 4_194_240)])
def test_content_over_the_limit_is_refused_before_anything_is_stored(office, content_size, request_size):
    letter_id = office.open("Lampiran terlalu besar").letter_id
    office.assign(letter_id)
    rid = uuid.uuid4().hex
    if request_size:  # the whole CreateDraftRequest of the issue: 64 bytes under the 4 MiB request limit
        envelope = len(office.g.CreateDraftRequest(request_id=rid, letter_id=letter_id).SerializeToString())
        content_size = request_size - envelope - 5  # field 3's key byte and 4-byte length
    content = sized_content(office, content_size)
    request = office.g.CreateDraftRequest(request_id=rid, letter_id=letter_id, content=content)
    assert request_size is None or len(request.SerializeToString()) == request_size
    size = content_size
    for _ in range(2):  # a retry with the same request id gets the same answer: nothing was stored
        with pytest.raises(grpc.RpcError) as refused:
            create(office, letter_id, content, rid=rid)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT, refused.value.details()
        assert dict(refused.value.trailing_metadata()).get("surat-field") == "content"
        assert f"{size} bytes" in refused.value.details() and str(MAX_CONTENT) in refused.value.details()
    assert office.journey(letter_id).draft_id == ""
    # The letter is not stuck: a draft that fits goes through.
    assert create(office, letter_id, sized_content(office, 10_000)).revision == 1
