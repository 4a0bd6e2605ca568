"""Same value, same type (issue 11, item 11), seen by a client compiled from proto-notes/: the
revision digest is 32 raw bytes everywhere (DraftReply, Journey, ReturnRecord, GetDraft,
Paraf/Approve requests) and a delivery's state is the DeliveryState enum, not a string."""
import uuid

import pytest

from test_e2e_gateway import Cluster, running_office


@pytest.fixture(scope="module")
def office(tmp_path_factory, protos):
    with running_office(Cluster(tmp_path_factory.mktemp("types")), protos) as o:
        yield o


def test_revision_digests_are_bytes_everywhere(office):
    g = office.g
    letter_id = office.open("Undangan rapat (digest)").letter_id
    office.assign(letter_id)
    first = office.draft(letter_id, subject="Undangan rapat (digest)")
    assert len(first.revision_digest) == 32
    assert first.journey.revision_digest == first.revision_digest
    office.paraf(letter_id)
    returned = office.ret(letter_id, "Perbaiki perihal")
    assert returned.returns[0].revision_digest == first.revision_digest
    edited = office.edit(letter_id, 1, "Undangan rapat (digest, perbaikan)")
    assert edited.journey.revision_digest == edited.revision_digest != first.revision_digest
    # The ReturnRecord's digest goes straight back into GetDraft: no hex decoding on the way.
    past = office.gateway.GetDraft(g.GetDraftRequest(letter_id=letter_id,
                                                     revision_digest=returned.returns[0].revision_digest),
                                   metadata=office.md("sri"))
    assert past.revision == 1 and past.revision_digest == first.revision_digest
    journey = office.paraf(letter_id)
    approved = office.gateway.Approve(g.ApproveRequest(request_id=uuid.uuid4().hex, letter_id=letter_id,
                                                       revision_digest=journey.revision_digest),
                                      metadata=office.md("sri")).journey
    assert approved.state == g.JOURNEY_STATE_APPROVED and approved.revision_digest == edited.revision_digest


def test_delivery_state_is_an_enum(office):
    g = office.g
    letter_id = office.through_step5("Undangan rapat (pengiriman)")
    registered = office.register(letter_id)
    # The sample addressee has no inbox endpoint: delivered by hand.
    assert [d.state for d in registered.deliveries] == [g.DELIVERY_STATE_MANUAL]
    assert g.Delivery.DESCRIPTOR.fields_by_name["state"].enum_type.full_name == "surat.gateway.v1.DeliveryState"
    delivery = office.gateway.GetDelivery(g.GetDeliveryRequest(letter_id=letter_id), metadata=office.md("ani"))
    assert [d.state for d in delivery.deliveries] == [g.DELIVERY_STATE_MANUAL]
    assert g.DeliveryState.Name(delivery.deliveries[0].state) == "DELIVERY_STATE_MANUAL"


def rounded_half_up(ts):
    """What the services store for a Timestamp (wire-format.md, "Timestamps")."""
    micros = (ts.nanos + 500) // 1000
    return ts.seconds + micros // 1_000_000, (micros % 1_000_000) * 1000


def test_content_digest_is_reproducible_from_what_was_sent(office):
    """Item 13: the content digest recomputed by the client from what it sent, with the two
    documented changes (attachment sha256 filled in, nanos rounded half up to microseconds)."""
    import hashlib
    g = office.g
    letter_id = office.open("Undangan rapat (digest klien)").letter_id
    office.assign(letter_id)
    revision = 0
    # Nanos near the half-microsecond boundary are where floating-point rounding used to differ.
    for seconds, nanos in [(1_767_225_600, 123_456_789), (1_767_225_600, 123_456_500), (1_767_225_600, 123_456_499),
                           (1_767_225_600, 999_999_500), (1_767_225_601, 1_499), (1_799_999_999, 777_777_250)]:
        sent = office.content("Undangan rapat (digest klien)")
        sent.letter_date.seconds, sent.letter_date.nanos = seconds, nanos
        sent.attachments.add(name="daftar-hadir.csv", media_type="text/csv", content=b"nama,desa\nAni,Sooko\n")
        rid = uuid.uuid4().hex
        if revision == 0:
            reply = office.gateway.CreateDraft(g.CreateDraftRequest(request_id=rid, letter_id=letter_id, content=sent),
                                               metadata=office.md("dedi"))
        else:
            reply = office.gateway.EditDraft(g.EditDraftRequest(request_id=rid, letter_id=letter_id,
                                                                base_revision=revision, content=sent),
                                             metadata=office.md("dedi"))
        revision = reply.revision
        expected = type(sent)()
        expected.CopyFrom(sent)
        expected.letter_date.seconds, expected.letter_date.nanos = rounded_half_up(sent.letter_date)
        expected.attachments[0].sha256 = hashlib.sha256(sent.attachments[0].content).digest()
        assert reply.content == expected, (nanos, reply.content.letter_date)
        assert hashlib.sha256(expected.SerializeToString(deterministic=True)).digest() == reply.revision_digest, nanos
