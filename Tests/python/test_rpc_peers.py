"""Real gRPC peers against our Swift server: Python grpcio (stubs compiled from proto-notes/),
grpcio-health-checking, and grpcurl through server reflection."""
import json

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from rpc_support import grpcurl, start_echo


@pytest.fixture(scope="module")
def echo():
    server = start_echo()
    yield server
    assert server.stop() == 0, "surat-echo exits cleanly on SIGTERM"


@pytest.fixture(scope="module")
def stub(echo, protos):
    from surat.echo.v1 import echo_pb2_grpc
    channel = grpc.insecure_channel(f"127.0.0.1:{echo.port}")
    yield echo_pb2_grpc.EchoStub(channel)
    channel.close()


def test_grpcio_unary_round_trip(stub):
    from surat.echo.v1 import echo_pb2
    reply = stub.Echo(echo_pb2.EchoRequest(text="Yth. Kepala Desa ✉", payload=b"\x00\xff"))
    assert reply.text == "Yth. Kepala Desa ✉"
    assert reply.payload == b"\x00\xff"


@pytest.mark.parametrize("code", [c for c in grpc.StatusCode if c != grpc.StatusCode.OK])
def test_grpcio_sees_every_status_code_and_message(stub, code):
    from surat.echo.v1 import echo_pb2
    with pytest.raises(grpc.RpcError) as failure:
        stub.Echo(echo_pb2.EchoRequest(fail_code=code.value[0], fail_message=f"alasan: {code.name} 100% ✗"))
    assert failure.value.code() == code
    assert failure.value.details() == f"alasan: {code.name} 100% ✗"


def test_grpcio_metadata_both_ways(stub):
    from surat.echo.v1 import echo_pb2
    reply, call = stub.Echo.with_call(
        echo_pb2.EchoRequest(text="m"),
        metadata=[("x-echo-request-id", "abc-1"), ("x-echo-digest-bin", b"\x01\x02\xff")])
    initial = dict(call.initial_metadata())
    assert initial["x-echo-request-id"] == "abc-1"
    assert initial["x-echo-digest-bin"] == b"\x01\x02\xff"
    assert dict(call.trailing_metadata())["x-echo-trailer"] == "done"


def test_grpcio_deadline(stub):
    from surat.echo.v1 import echo_pb2
    with pytest.raises(grpc.RpcError) as failure:
        stub.Echo(echo_pb2.EchoRequest(delay_ms=5000), timeout=0.3)
    assert failure.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


def test_grpcio_large_messages(stub):
    from surat.echo.v1 import echo_pb2
    near = b"x" * (4 * 1024 * 1024 - 16)
    assert len(stub.Echo(echo_pb2.EchoRequest(payload=near)).payload) == len(near)
    with pytest.raises(grpc.RpcError) as failure:
        stub.Echo(echo_pb2.EchoRequest(payload=b"x" * (4 * 1024 * 1024 + 1)))
    assert failure.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_grpcio_unknown_method_is_unimplemented(echo):
    channel = grpc.insecure_channel(f"127.0.0.1:{echo.port}")
    call = channel.unary_unary("/surat.echo.v1.Echo/Nope", request_serializer=lambda b: b, response_deserializer=lambda b: b)
    with pytest.raises(grpc.RpcError) as failure:
        call(b"")
    assert failure.value.code() == grpc.StatusCode.UNIMPLEMENTED
    channel.close()


def test_health_checking_client(echo):
    channel = grpc.insecure_channel(f"127.0.0.1:{echo.port}")
    health = health_pb2_grpc.HealthStub(channel)
    assert health.Check(health_pb2.HealthCheckRequest(service="")).status == health_pb2.HealthCheckResponse.SERVING
    assert health.Check(health_pb2.HealthCheckRequest(service="surat.echo.v1.Echo")).status == \
        health_pb2.HealthCheckResponse.SERVING
    with pytest.raises(grpc.RpcError) as failure:
        health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"))
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND
    channel.close()


def test_grpcurl_lists_describes_and_calls_through_reflection(echo):
    target = f"127.0.0.1:{echo.port}"
    code, out, err = grpcurl("-plaintext", target, "list")
    assert code == 0, err
    services = out.split()
    assert "surat.echo.v1.Echo" in services
    assert "grpc.health.v1.Health" in services

    code, out, err = grpcurl("-plaintext", target, "describe", "surat.echo.v1.Echo")
    assert code == 0, err
    assert "rpc Echo ( .surat.echo.v1.EchoRequest ) returns ( .surat.echo.v1.EchoResponse )" in out

    code, out, err = grpcurl("-plaintext", target, "describe", "surat.echo.v1.EchoRequest")
    assert code == 0, err
    assert "fail_code" in out

    code, out, err = grpcurl("-plaintext", "-d", json.dumps({"text": "halo dari grpcurl"}), target, "surat.echo.v1.Echo/Echo")
    assert code == 0, err
    assert json.loads(out)["text"] == "halo dari grpcurl"

    code, out, err = grpcurl("-plaintext", "-d", json.dumps({"failCode": 9, "failMessage": "belum diparaf"}), target,
                             "surat.echo.v1.Echo/Echo")
    assert code != 0
    assert "FailedPrecondition" in out + err and "belum diparaf" in out + err


def test_grpcurl_health_via_reflection(echo):
    code, out, err = grpcurl("-plaintext", "-d", "{}", f"127.0.0.1:{echo.port}", "grpc.health.v1.Health/Check")
    assert code == 0, err
    assert json.loads(out)["status"] == "SERVING"


def test_grpcio_over_tls_and_mutual_tls(tmp_path, protos):
    import subprocess
    from conftest import ROOT
    from surat.echo.v1 import echo_pb2, echo_pb2_grpc
    subprocess.run([str(ROOT / "Tests/fixtures/make-test-certs"), str(tmp_path)], check=True, capture_output=True)
    read = lambda name: (tmp_path / name).read_bytes()
    server = start_echo("--tls-cert", tmp_path / "server.pem", "--tls-key", tmp_path / "server.key",
                        "--tls-client-ca", tmp_path / "ca.pem")
    try:
        target = f"localhost:{server.port}"
        anonymous = grpc.secure_channel(target, grpc.ssl_channel_credentials(root_certificates=read("ca.pem")))
        with pytest.raises(grpc.RpcError) as failure:
            echo_pb2_grpc.EchoStub(anonymous).Echo(echo_pb2.EchoRequest(text="x"), timeout=5)
        assert failure.value.code() == grpc.StatusCode.UNAVAILABLE
        anonymous.close()

        credentials = grpc.ssl_channel_credentials(root_certificates=read("ca.pem"), private_key=read("client.key"),
                                                   certificate_chain=read("client.pem"))
        channel = grpc.secure_channel(target, credentials)
        assert echo_pb2_grpc.EchoStub(channel).Echo(echo_pb2.EchoRequest(text="aman"), timeout=5).text == "aman"
        channel.close()
    finally:
        assert server.stop() == 0
