"""The gateway serving TLS (as deploy/README.md sets it up for staff PCs): a grpcio client and the
`surat` CLI trust the office CA and call through it; a plaintext client gets nowhere."""
import datetime
import ipaddress
import json
import os
import subprocess

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import swift_bin
from test_e2e_gateway import Cluster


def write_ca_and_server_cert(folder):
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "surat-test-ca")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    (folder / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "gateway.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "gateway.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))


class TLSCluster(Cluster):
    def args(self, name, bootstrap=False):
        args = super().args(name, bootstrap)
        if name == "gateway":
            args += ["--tls-certificate-path", self.root / "gateway.crt", "--tls-key-path", self.root / "gateway.key"]
        return args


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory):
    root = tmp_path_factory.mktemp("tls")
    write_ca_and_server_cert(root)
    cluster = TLSCluster(root)
    yield cluster
    cluster.close()


def test_gateway_over_tls(tls_cluster, protos):
    from surat.gateway.v1 import gateway_pb2, gateway_pb2_grpc
    root, port = tls_cluster.root, tls_cluster.ports["gateway"]
    metadata = [("authorization", f"Bearer {tls_cluster.admin_token}")]
    credentials = grpc.ssl_channel_credentials(root_certificates=(root / "ca.crt").read_bytes())
    with grpc.secure_channel(f"localhost:{port}", credentials) as channel:
        who = gateway_pb2_grpc.GatewayStub(channel).WhoAmI(gateway_pb2.WhoAmIRequest(), metadata=metadata, timeout=10)
        assert who.user.id == "admin"
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        with pytest.raises(grpc.RpcError):
            gateway_pb2_grpc.GatewayStub(channel).WhoAmI(gateway_pb2.WhoAmIRequest(), metadata=metadata, timeout=5)

    (root / "admin.token").write_text(tls_cluster.admin_token + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURAT_")}
    cli = subprocess.run([str(swift_bin("surat")), "whoami", "--json", "--address", f"127.0.0.1:{port}",
                          "--ca-file", str(root / "ca.crt"), "--token-file", str(root / "admin.token")],
                         env=env, capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["user"]["id"] == "admin"
    plaintext = subprocess.run([str(swift_bin("surat")), "whoami", "--address", f"127.0.0.1:{port}",
                                "--token-file", str(root / "admin.token")], env=env, capture_output=True, text=True,
                               timeout=60)
    assert plaintext.returncode != 0
