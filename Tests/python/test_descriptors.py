"""The descriptors servers publish through reflection must match proto-notes/ exactly."""
import subprocess
import sys

from conftest import ROOT


def test_generated_descriptors_are_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "proto-notes/generate-descriptors"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr + result.stdout


def _compiled_files():
    """Every proto-notes/**/*.proto compiled by protoc, as FileDescriptorProtos."""
    import tempfile
    from pathlib import Path

    import grpc_tools
    from google.protobuf import descriptor_pb2
    from grpc_tools import protoc

    root = ROOT / "proto-notes"
    protos = sorted(str(p.relative_to(root)) for p in root.rglob("*.proto"))
    include = str(Path(grpc_tools.__file__).parent / "_proto")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "set.pb"
        assert protoc.main(["protoc", f"-I{root}", f"-I{include}", f"--descriptor_set_out={out}", *protos]) == 0
        return list(descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file)


def test_every_proto_names_its_package_for_go_java_and_csharp():
    files = _compiled_files()
    assert len(files) >= 11
    for f in files:
        options = f.options
        assert options.go_package, f"{f.name}: no option go_package"
        assert options.java_package, f"{f.name}: no option java_package"
        assert options.csharp_namespace, f"{f.name}: no option csharp_namespace"
        if f.package.startswith("surat."):
            # One Go package per proto package, named like it (surat.gateway.v1 -> gatewayv1).
            service = f.package.split(".")[1]
            assert options.go_package.endswith(f"/surat/{service}/v1;{service}v1"), f.name


def test_health_proto_is_the_standard_file():
    """Clients use their library's own health stubs; ours must be the same file (same name,
    package, options, methods), or a program holding both sees two different definitions."""
    health = next(f for f in _compiled_files() if f.name == "grpc/health/v1/health.proto")
    assert health.options.go_package == "google.golang.org/grpc/health/grpc_health_v1"
    assert health.options.java_package == "io.grpc.health.v1"
    methods = {m.name: m for m in health.service[0].method}
    assert set(methods) == {"Check", "Watch"}
    assert methods["Watch"].server_streaming and not methods["Watch"].client_streaming
