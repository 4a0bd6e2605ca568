"""Registry.Register follows ServiceKit's one exactly-once rule (proto-notes/services.md, "Exactly once"):
a registration asked again, by its request id or under a new request id by the same actor with the same
request (the natural key is the letter), is answered with the FIRST reply's bytes, also after the registry
was SIGKILLed and started again. Real `surat-registry` processes; replies compared as raw wire bytes.
"""
import uuid

import grpc
import pytest

from conftest import ServiceProcess, free_port, swift_bin
from test_registry import CLERK, TOKEN, Camat, signed_letter

REGISTER = "/surat.registry.v1.Registry/Register"
OTHER_CLERK = [CLERK[0], ("surat-actor-id", "staf-2"), CLERK[2]]


def start(directory, keys):
    import hashlib
    token_hash = hashlib.sha256(TOKEN.encode()).hexdigest()
    return ServiceProcess([
        swift_bin("surat-registry"), "--port", free_port(), "--data-directory", directory / "data",
        "--signing-endpoint", "", "--trusted-keys-file", keys, "--service-tokens", f"pytest:{token_hash}",
        "--office-id", "kec-sooko", "--unit", "416-313",
    ])


def raw_register(channel):
    """Register returning the reply's bytes exactly as they came over the wire."""
    return channel.unary_unary(REGISTER, request_serializer=lambda m: m.SerializeToString(), response_deserializer=None)


def with_request_id(request, request_id):
    from surat.registry.v1 import registry_pb2
    copy = registry_pb2.RegisterRequest()
    copy.CopyFrom(request)
    copy.request_id = request_id
    return copy


def test_register_replays_the_first_reply_by_request_id_and_by_letter_also_after_a_restart(protos, tmp_path):
    from surat.registry.v1 import registry_pb2
    camat = Camat()
    keys = tmp_path / "trusted-keys.json"
    keys.write_text(camat.trusted_keys_json())
    process = start(tmp_path, keys)
    channel = grpc.insecure_channel(f"127.0.0.1:{process.port}")
    try:
        register = raw_register(channel)
        request = signed_letter(camat)
        first = register(request, metadata=CLERK)
        reply = registry_pb2.RegisterResponse.FromString(first)
        assert not reply.already_registered and reply.entry.number

        # The same request id again, and the same step under a NEW request id (a caller that lost its
        # id): the first reply's bytes, not a rebuilt reply.
        assert register(request, metadata=CLERK) == first
        lost_id = "lost-" + uuid.uuid4().hex
        assert register(with_request_id(request, lost_id), metadata=CLERK) == first
        log = process.output()
        replays = [line for line in log.splitlines() if "Register replayed: stored reply sent again" in line]
        assert any("replay.by=natural_key" in line and lost_id in line for line in replays), replays
        assert any("replay.by=request_id" in line and request.request_id in line for line in replays), replays

        # Not the same step: another clerk, or other remarks, under a new request id. The letter is in
        # the book: its entry, flagged already_registered (nothing numbered twice).
        other_actor = registry_pb2.RegisterResponse.FromString(
            register(with_request_id(request, "other-" + uuid.uuid4().hex), metadata=OTHER_CLERK))
        assert other_actor.already_registered and other_actor.entry.number == reply.entry.number
        remarks = with_request_id(request, "remarks-" + uuid.uuid4().hex)
        remarks.remarks = "dikirim ulang"
        other_ask = registry_pb2.RegisterResponse.FromString(register(remarks, metadata=CLERK))
        assert other_ask.already_registered and other_ask.entry.number == reply.entry.number

        # A request id reused for another letter is refused, the first id and the one replayed by letter.
        for reused in (request.request_id, lost_id):
            with pytest.raises(grpc.RpcError) as refused:
                register(with_request_id(signed_letter(camat, subject="Surat lain"), reused), metadata=CLERK)
            assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "request_id" in refused.value.details()
    finally:
        channel.close()
        process.kill()

    # A crash (SIGKILL) and a new start on the same data: the stored replies are durable.
    process = start(tmp_path, keys)
    channel = grpc.insecure_channel(f"127.0.0.1:{process.port}")
    try:
        register = raw_register(channel)
        assert register(request, metadata=CLERK) == first
        assert register(with_request_id(request, lost_id), metadata=CLERK) == first
        assert register(with_request_id(request, "after-restart-" + uuid.uuid4().hex), metadata=CLERK) == first
        # The id that reached the letter by its natural key is still known as that letter's id.
        with pytest.raises(grpc.RpcError) as refused:
            register(with_request_id(signed_letter(camat, subject="Surat lain lagi"), lost_id), metadata=CLERK)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        # Nothing was numbered twice: the next letter takes the next sequence.
        following = registry_pb2.RegisterResponse.FromString(register(signed_letter(camat, subject="Berikutnya"), metadata=CLERK))
        assert following.entry.sequence == reply.entry.sequence + 1 and not following.already_registered
    finally:
        channel.close()
        process.stop()
