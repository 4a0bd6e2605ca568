"""Server reflection, v1 and v1alpha, with grpcio-reflection's own client pieces, and the HTTP/2
settings every server advertises."""
import subprocess

import grpc
import h2.events
import pytest
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_reflection.v1alpha import reflection_pb2
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from rpc_support import grpcurl_path, start_echo
from test_rpc_hostile import Peer


@pytest.fixture(scope="module")
def echo():
    server = start_echo()
    yield server
    assert server.stop() == 0


@pytest.mark.parametrize("version", ["v1", "v1alpha"])
def test_reflection_lists_and_serves_files_for_symbols(echo, version):
    channel = grpc.insecure_channel(f"127.0.0.1:{echo.port}")
    # v1 and v1alpha messages are identical on the wire; only the service name differs.
    info = channel.stream_stream(f"/grpc.reflection.{version}.ServerReflection/ServerReflectionInfo",
                                 request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
                                 response_deserializer=reflection_pb2.ServerReflectionResponse.FromString)
    requests = [
        reflection_pb2.ServerReflectionRequest(list_services=""),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="surat.echo.v1.Echo.Echo"),
        reflection_pb2.ServerReflectionRequest(file_by_filename="grpc/health/v1/health.proto"),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="no.such.Symbol"),
    ]
    listed, by_symbol, by_name, missing = list(info(iter(requests), timeout=10))
    names = {s.name for s in listed.list_services_response.service}
    assert {"surat.echo.v1.Echo", "grpc.health.v1.Health", f"grpc.reflection.{version}.ServerReflection"} <= names
    assert by_symbol.file_descriptor_response.file_descriptor_proto
    assert by_name.file_descriptor_response.file_descriptor_proto
    assert missing.error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0]
    channel.close()


def test_reflection_descriptors_build_a_usable_pool(echo):
    channel = grpc.insecure_channel(f"127.0.0.1:{echo.port}")
    pool = DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
    request = pool.FindMessageTypeByName("surat.echo.v1.EchoRequest")
    assert [f.name for f in request.fields][:3] == ["text", "payload", "fail_code"]
    service = pool.FindServiceByName("surat.echo.v1.Echo")
    assert service.methods_by_name["Echo"].output_type.full_name == "surat.echo.v1.EchoResponse"
    channel.close()


def test_server_advertises_its_stream_and_header_limits(echo, protos):
    peer = Peer(echo.port)
    events = peer.pump(lambda evs: any(isinstance(e, h2.events.RemoteSettingsChanged) for e in evs))
    settings = [e for e in events if isinstance(e, h2.events.RemoteSettingsChanged)][0].changed_settings
    by_name = {int(code): change.new_value for code, change in settings.items()}
    assert by_name[0x3] == 256          # SETTINGS_MAX_CONCURRENT_STREAMS
    assert by_name[0x6] == 16 * 1024    # SETTINGS_MAX_HEADER_LIST_SIZE
    assert by_name[0x2] == 0            # SETTINGS_ENABLE_PUSH
    peer.close()


def test_grpcurl_describe_without_a_symbol_describes_every_service(echo):
    """`grpcurl describe` lists the services and describes each, the reflection services
    included: their own descriptors (proto-notes/grpc/reflection/*) are served too."""
    result = subprocess.run([grpcurl_path(), "-plaintext", f"127.0.0.1:{echo.port}", "describe"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    for service in ["surat.echo.v1.Echo", "grpc.health.v1.Health",
                    "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]:
        assert f"{service} is a service:" in result.stdout, result.stdout
    assert "rpc ServerReflectionInfo ( stream .grpc.reflection.v1.ServerReflectionRequest )" in result.stdout
    assert "rpc Watch ( .grpc.health.v1.HealthCheckRequest ) returns ( stream .grpc.health.v1.HealthCheckResponse )" in result.stdout


@pytest.mark.parametrize("version", ["v1", "v1alpha"])
def test_reflection_describes_the_reflection_service_itself(echo, version):
    channel = grpc.insecure_channel(f"127.0.0.1:{echo.port}")
    pool = DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
    service = pool.FindServiceByName(f"grpc.reflection.{version}.ServerReflection")
    method = service.methods_by_name["ServerReflectionInfo"]
    assert method.client_streaming and method.server_streaming
    request = pool.FindMessageTypeByName(f"grpc.reflection.{version}.ServerReflectionRequest")
    assert request.fields_by_name["list_services"].number == 7
    channel.close()
