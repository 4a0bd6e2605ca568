"""Operations (issue 18): every service's /metrics scraped while a letter goes through the six
steps (parsed with prometheus_client's text parser), a W3C traceparent sent to the gateway found
in the backends' logs of that call, `--version` on every executable, and `surat doctor` on a
healthy cluster, a stopped service and a service whose TLS certificate has expired.
"""
import datetime
import json
import os
import re
import subprocess
import time
import urllib.request
import uuid

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from prometheus_client.parser import text_string_to_metric_families

from conftest import ServiceProcess, free_port, swift_bin, wait_for_log
from test_e2e_gateway import BACKENDS, Cluster, office, running_office  # noqa: F401 (office: fixture)

SERVICES = BACKENDS + ["gateway"]
EXECUTABLES = ["surat-gateway", "surat-drafting", "surat-approval", "surat-signing", "surat-registry", "surat-echo", "surat"]


class MeteredCluster(Cluster):
    """The five services with metrics on and debug logs (every call's line). Each metrics
    listener takes a free port of its own choosing (metricsPort 0), read back from its
    `metrics on HOST:PORT` log line: a port picked in advance could be taken meanwhile by one of
    the services' own outgoing connections."""

    def __init__(self, root):
        self.metrics_ports = {}
        super().__init__(root)

    def args(self, name, bootstrap=False):
        extra = [] if bootstrap else ["--metrics-port", "0", "--log-level", "debug"]
        return super().args(name, bootstrap) + extra

    def start(self, name):
        super().start(name)
        found = re.search(r"metrics on 127\.0\.0\.1:(\d+)", self.procs[name].output())
        assert found, self.procs[name].output()
        self.metrics_ports[name] = int(found.group(1))

    def log(self, name, until=lambda text: True):
        return wait_for_log(self.root / f"{name}.log", until)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = MeteredCluster(tmp_path_factory.mktemp("metered"))
    yield c
    c.close()


def scrape(cluster, name):
    with urllib.request.urlopen(f"http://127.0.0.1:{cluster.metrics_ports[name]}/metrics", timeout=10) as reply:
        assert reply.status == 200
        assert reply.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return {f.name: f for f in text_string_to_metric_families(reply.read().decode())}


def total(families, sample_name, **labels):
    """Sum of the samples called `sample_name` whose labels include `labels` (0 when none)."""
    family_name = re.sub(r"_(total|count|sum|bucket)$", "", sample_name)
    found = 0.0
    for name in {family_name, sample_name}:
        family = families.get(name)
        if family is None:
            continue
        for sample in family.samples:
            if sample.name == sample_name and all(sample.labels.get(k) == v for k, v in labels.items()):
                found += sample.value
    return found


def test_every_executable_prints_its_version():
    for name in EXECUTABLES:
        out = subprocess.run([str(swift_bin(name)), "--version"], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, (name, out.stderr)
        assert re.fullmatch(rf"{name} \d+\.\d+\.\d+ \(commit (unknown|[0-9a-f]{{7,64}})\)\n", out.stdout), out.stdout
    # The deploy build step's commit reaches the version line (and so health and metrics).
    out = subprocess.run([str(swift_bin("surat-registry")), "--version"], capture_output=True, text=True,
                         env={**os.environ, "SURAT_BUILD_COMMIT": "0123456789abcdef"}, timeout=30)
    assert out.stdout.strip().endswith("(commit 0123456789abcdef)")


def test_metrics_move_as_a_letter_goes_through_the_six_steps(cluster, office):
    before = {name: scrape(cluster, name) for name in SERVICES}
    letter_id = office.through_step5("Undangan rapat evaluasi metrik")
    office.register(letter_id)
    after = {name: scrape(cluster, name) for name in SERVICES}

    for name in SERVICES:
        b, a = before[name], after[name]
        info = a["surat_build_info"].samples
        assert len(info) == 1 and info[0].value == 1 and re.fullmatch(r"\d+\.\d+\.\d+", info[0].labels["version"])
        assert total(a, "surat_rpc_server_calls_total", code="OK") > total(b, "surat_rpc_server_calls_total", code="OK"), name
        assert total(a, "surat_rpc_server_call_duration_seconds_count") > total(b, "surat_rpc_server_call_duration_seconds_count")
        assert total(a, "surat_rpc_server_received_bytes_total") > total(b, "surat_rpc_server_received_bytes_total")
        assert total(a, "surat_rpc_server_sent_bytes_total") > total(b, "surat_rpc_server_sent_bytes_total")
        assert total(a, "surat_rpc_server_connections_total") >= 1
        assert total(a, "surat_process_resident_memory_bytes") > 1 << 20
        assert total(a, "surat_process_open_fds") >= 3
        assert total(a, "surat_process_uptime_seconds") > 0
        # Nothing in flight once the calls have answered.
        assert total(a, "surat_rpc_server_calls_in_flight") == 0, name

    g_before, g = before["gateway"], after["gateway"]
    for method in ["OpenLetter", "AssignClerk", "CreateDraft", "Paraf", "Approve", "UploadForSignature", "Sign", "Register"]:
        labels = {"method": f"surat.gateway.v1.Gateway/{method}", "code": "OK"}
        assert total(g, "surat_rpc_server_calls_total", **labels) == total(g_before, "surat_rpc_server_calls_total", **labels) + 1, method
    assert total(g, "surat_sop_letters", state="completed") == total(g_before, "surat_sop_letters", state="completed") + 1
    for step in range(1, 7):
        assert total(g, "surat_sop_steps_completed_total", step=str(step)) >= total(
            g_before, "surat_sop_steps_completed_total", step=str(step)) + 1, step
        assert total(g, "surat_sop_step_duration_seconds_count", step=str(step)) >= 1
    assert {s.labels["role"] for s in g["surat_sop_queue_length"].samples} >= {"staf_umum", "drafter", "sekretaris", "camat"}

    d_before, d = before["drafting"], after["drafting"]
    assert total(d, "surat_database_schema_migrations", database="drafting") >= 1
    for name, database in [("drafting", "drafting"), ("approval", "approval"), ("signing", "signing"), ("gateway", "gateway"),
                           ("registry", "registry")]:
        assert total(after[name], "surat_database_commit_duration_seconds_count", database=database) > total(
            before[name], "surat_database_commit_duration_seconds_count", database=database), name
    assert total(d, "surat_rpc_server_calls_total", code="OK") >= total(d_before, "surat_rpc_server_calls_total", code="OK") + 2

    s_before, s = before["signing"], after["signing"]
    assert total(s, "surat_signing_signatures") == total(s_before, "surat_signing_signatures") + 1
    assert total(s, "surat_signing_kdf_seconds_count") > total(s_before, "surat_signing_kdf_seconds_count")
    assert total(s, "surat_signing_key_expiry_timestamp_seconds") == 0  # keys without an end date export none

    r_before, r = before["registry"], after["registry"]
    assert total(r, "surat_registry_registrations_total") == total(r_before, "surat_registry_registrations_total") + 1
    assert total(r, "surat_registry_batch_size_count") == total(r_before, "surat_registry_batch_size_count") + 1
    assert total(r, "surat_registry_batch_commit_seconds_count") == total(r_before, "surat_registry_batch_commit_seconds_count") + 1
    assert total(r, "surat_registry_agenda_entries") == total(r_before, "surat_registry_agenda_entries") + 1
    assert total(r, "surat_database_schema_migrations", database="registry") >= 3
    assert "surat_registry_outbox_oldest_pending_seconds" in r


def test_database_transactions_and_pool_use_are_measured(cluster, office):
    """Every service's database: write and read transactions counted and timed, the writer's
    COMMIT and lock wait per write transaction, readers and writer in use (none once the calls
    have answered) out of the pool's readers."""
    before = {name: scrape(cluster, name) for name in SERVICES}
    letter_id = office.through_step5("Undangan rapat metrik basis data")
    office.register(letter_id)
    office.journey(letter_id)
    after = {name: scrape(cluster, name) for name in SERVICES}
    for name in SERVICES:
        b, a = before[name], after[name]
        db = {"database": name}
        writes = total(a, "surat_database_transaction_duration_seconds_count", kind="write", **db) - total(
            b, "surat_database_transaction_duration_seconds_count", kind="write", **db)
        assert writes >= 1, name
        assert total(a, "surat_database_transaction_duration_seconds_sum", kind="write", **db) > total(
            b, "surat_database_transaction_duration_seconds_sum", kind="write", **db), name
        # One lock wait (at BEGIN) and one COMMIT per write transaction; a background writer (the
        # registry's outbox, say) may be between the two at a scrape, hence the 1 of slack.
        lock_waits = total(a, "surat_database_write_lock_wait_seconds_count", **db) - total(
            b, "surat_database_write_lock_wait_seconds_count", **db)
        commits = total(a, "surat_database_commit_duration_seconds_count", **db) - total(
            b, "surat_database_commit_duration_seconds_count", **db)
        assert writes - 1 <= lock_waits <= writes + 1 and 1 <= commits <= writes + 1, (name, writes, lock_waits, commits)
        readers_max = total(a, "surat_database_readers_max", **db)
        assert readers_max == (4 if name == "registry" else 5), name
        if name in ("drafting", "approval", "signing"):
            # Nothing runs there but the calls, and they have all been answered.
            assert total(a, "surat_database_readers_in_use", **db) == 0, name
            assert total(a, "surat_database_writer_in_use", **db) == 0, name
        else:
            assert 0 <= total(a, "surat_database_readers_in_use", **db) <= readers_max, name
            assert total(a, "surat_database_writer_in_use", **db) in (0, 1), name
    # Reads: the gateway's journey and the drafting service's draft are read in read transactions.
    for name in ("gateway", "drafting"):
        assert total(after[name], "surat_database_transaction_duration_seconds_count", kind="read", database=name) > total(
            before[name], "surat_database_transaction_duration_seconds_count", kind="read", database=name), name


def test_dashboard_and_monitoring_docs_name_only_exported_metrics():
    """deploy/grafana/surat.json and deploy/README.md "Monitoring" stay in step with the metric names
    the Swift code exports: every name they use exists, and every exported name is documented."""
    from conftest import ROOT
    exported = set()
    for source in list((ROOT / "Shared").rglob("*.swift")) + list((ROOT / "Services").rglob("*.swift")):
        exported |= set(re.findall(r'"(surat_(?:rpc|process|build|database|sop|registry|signing)_?[a-z0-9_]*)"',
                                   source.read_text()))
    assert {"surat_database_transaction_duration_seconds", "surat_sop_letters"} <= exported

    def family(name):
        return name if name in exported else re.sub(r"_(bucket|count|sum)$", "", name)

    dashboard = json.loads((ROOT / "deploy" / "grafana" / "surat.json").read_text())
    queried = {family(name) for panel in dashboard["panels"] for target in panel.get("targets", [])
               for name in re.findall(r"surat_[a-z0-9_]+", target["expr"])}
    assert queried - exported == set()
    readme = (ROOT / "deploy" / "README.md").read_text()
    monitoring = readme[readme.index("## Monitoring"):]
    monitoring = monitoring[:monitoring.index("\n## ", 1)]
    documented = {family(name) for name in re.findall(r"`(surat_[a-z0-9_]+)`", monitoring)}
    assert documented - exported == set()
    assert exported - documented == set()


class UndeliverableCluster(MeteredCluster):
    """Metered, with the registry's address book sending the Desa's letters to a closed port and
    giving up after one attempt."""

    def __init__(self, root):
        self.closed_port = free_port()
        super().__init__(root)

    def args(self, name, bootstrap=False):
        extra = ["--address-book", f"Kepala Desa Sooko=127.0.0.1:{self.closed_port}",
                 "--delivery-max-attempts", "1"] if name == "registry" else []
        return super().args(name, bootstrap) + extra


def test_delivery_failures_are_counted_by_reason_and_named_by_the_doctor(tmp_path, protos):
    (tmp_path / "cluster").mkdir()
    cluster = UndeliverableCluster(tmp_path / "cluster")
    with running_office(cluster, protos) as office:
        before = scrape(cluster, "registry")
        letter_id = office.through_step5("Undangan yang tidak terkirim")
        office.register(letter_id)
        # The outbox works on its own: wait for the one attempt to have failed.
        for _ in range(300):
            after = scrape(cluster, "registry")
            if total(after, "surat_registry_deliveries", state="failed") >= 1:
                break
            time.sleep(0.1)
        assert total(after, "surat_registry_delivery_failures_total", reason="UNAVAILABLE", gave_up="true") == total(
            before, "surat_registry_delivery_failures_total", reason="UNAVAILABLE", gave_up="true") + 1
        assert total(after, "surat_registry_deliveries", state="failed") == 1
        assert total(after, "surat_registry_deliveries", state="pending") == 0
        plan = {"services": [{"name": "registry", "address": f"127.0.0.1:{cluster.ports['registry']}",
                              "metrics": f"127.0.0.1:{cluster.metrics_ports['registry']}"}], "minFreeDiskMB": 1}
        out = doctor(tmp_path, plan)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "WARN registry: 1 deliveries gave up" in out.stdout, out.stdout
    assert "deliver those letters by hand" in out.stdout


class StrictSigningCluster(MeteredCluster):
    """Metered, with the signing service locking a signer out after two wrong passphrases."""

    def args(self, name, bootstrap=False):
        extra = ["--max-failed-passphrase-attempts", "2", "--lockout-seconds", "3600"] if name == "signing" else []
        return super().args(name, bootstrap) + extra


def test_a_lockout_is_counted_and_the_doctor_names_the_locked_signer(tmp_path, protos):
    (tmp_path / "cluster").mkdir()
    cluster = StrictSigningCluster(tmp_path / "cluster")
    with running_office(cluster, protos) as office:
        letter_id = office.open("Undangan yang terkunci").letter_id
        for step in (office.assign, office.draft, office.paraf, office.approve, office.upload):
            step(letter_id)
        before = scrape(cluster, "signing")
        codes = []
        for _ in range(3):
            with pytest.raises(grpc.RpcError) as refused:
                office.sign(letter_id, passphrase="bukan-kata-sandinya")
            codes.append(refused.value.code())
        # Two wrong passphrases, the second locking the Camat out (and answered as the lockout);
        # the third attempt is refused by the lockout without a key derivation.
        assert codes == [grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.RESOURCE_EXHAUSTED,
                         grpc.StatusCode.RESOURCE_EXHAUSTED], codes
        after = scrape(cluster, "signing")
        assert total(after, "surat_signing_lockouts") == total(before, "surat_signing_lockouts") + 1
        assert total(after, "surat_signing_signers_locked_out") == 1
        assert total(after, "surat_signing_kdf_seconds_count") == total(before, "surat_signing_kdf_seconds_count") + 2
        assert total(after, "surat_signing_kdf_queue_length") == 0
        # The letter still waits at step 5, in the Camat's queue (the only letter of this cluster).
        sop = scrape(cluster, "gateway")
        waiting = {(s.labels["state"], s.labels["step"]): s.value for s in sop["surat_sop_letters"].samples if s.value}
        assert waiting == {("awaitingSignature", "5"): 1}, waiting
        queues = {s.labels["role"]: s.value for s in sop["surat_sop_queue_length"].samples if s.value}
        assert queues == {"camat": 1}, queues
        plan = {"services": [{"name": "signing", "address": f"127.0.0.1:{cluster.ports['signing']}",
                              "metrics": f"127.0.0.1:{cluster.metrics_ports['signing']}"}], "minFreeDiskMB": 1}
        out = doctor(tmp_path, plan)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "WARN signing: 1 signer(s) locked out after wrong passphrases" in out.stdout, out.stdout


def test_metrics_port_answers_404_elsewhere(cluster):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"http://127.0.0.1:{cluster.metrics_ports['registry']}/", timeout=10)
    assert error.value.code == 404


def test_a_traceparent_sent_to_the_gateway_reaches_the_backend_logs(cluster, office):
    letter_id = office.open("Undangan rapat jejak").letter_id
    office.assign(letter_id)
    trace_id = uuid.uuid4().hex
    parent = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"
    g = office.g
    office.gateway.CreateDraft(g.CreateDraftRequest(request_id=uuid.uuid4().hex, letter_id=letter_id,
                                                    content=office.content("Undangan rapat jejak")),
                               metadata=office.md("dedi") + [("traceparent", parent)])
    # The gateway's line for the call and the drafting service's line for the backend call it
    # made both carry the caller's trace id.
    gateway_lines = [l for l in cluster.log("gateway", until=lambda t: "Gateway/CreateDraft" in t and f"trace.id={trace_id}" in t)
                     .splitlines() if f"trace.id={trace_id}" in l]
    drafting_lines = [l for l in cluster.log("drafting", until=lambda t: f"trace.id={trace_id}" in t).splitlines()
                      if f"trace.id={trace_id}" in l]
    assert any("Gateway/CreateDraft" in l for l in gateway_lines), gateway_lines
    assert any("Drafting/CreateDraft" in l for l in drafting_lines), cluster.log("drafting")[-3000:]

    # A caller that sends none gets a new trace, and it too reaches the backend.
    office.paraf(letter_id)
    paraf_lines = [l for l in cluster.log("gateway", until=lambda t: "Gateway/Paraf" in t).splitlines()
                   if "Gateway/Paraf" in l and "trace.id=" in l]
    assert paraf_lines, "the gateway logged the Paraf call without a trace id"
    generated = re.search(r"trace\.id=([0-9a-f]{32})", paraf_lines[-1]).group(1)
    assert generated != trace_id
    assert f"trace.id={generated}" in cluster.log("drafting", until=lambda t: f"trace.id={generated}" in t)


class OTLPReceiver:
    """An OpenTelemetry collector stand-in: OTLP/HTTP on a free port, every span of every POST to
    /v1/traces decoded with opentelemetry-proto, with the sending service's `service.name`."""

    def __init__(self):
        import http.server
        import threading
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
        self.spans, self.paths = [], []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.paths.append((self.path, self.headers["Content-Type"]))
                request = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
                for resource_spans in request.resource_spans:
                    attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                    for scope_spans in resource_spans.scope_spans:
                        for span in scope_spans.spans:
                            receiver.spans.append((attributes["service.name"], span))
                reply = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of_trace(self, trace_id):
        return [(service, span) for service, span in list(self.spans) if span.trace_id.hex() == trace_id]

    def close(self):
        self.server.shutdown()


class TracedCluster(Cluster):
    """The five services exporting spans to `receiver`: the gateway told by its --otlp-endpoint
    flag, the backends by SURAT_OTLP_ENDPOINT (the one setting for every service)."""

    def __init__(self, root, receiver):
        self.receiver = receiver
        super().__init__(root)

    def args(self, name, bootstrap=False):
        extra = ["--otlp-endpoint", self.receiver.endpoint] if name == "gateway" and not bootstrap else []
        return super().args(name, bootstrap) + extra

    def start(self, name):
        self.procs[name] = ServiceProcess(self.args(name), log_path=self.root / f"{name}.log",
                                          env={} if name == "gateway" else {"SURAT_OTLP_ENDPOINT": self.receiver.endpoint})


def test_spans_of_one_letter_step_reach_an_otlp_collector_with_the_callers_trace(tmp_path, protos):
    from opentelemetry.proto.trace.v1 import trace_pb2
    receiver = OTLPReceiver()
    cluster = TracedCluster(tmp_path, receiver)
    with running_office(cluster, protos) as office:
        g = office.g
        letter_id = office.open("Undangan rapat jejak OTLP").letter_id
        office.assign(letter_id)
        office.draft(letter_id, subject="Undangan rapat jejak OTLP")
        office.paraf(letter_id)
        office.approve(letter_id)
        office.upload(letter_id)
        trace_id, caller_span = uuid.uuid4().hex, uuid.uuid4().hex[:16]
        signed = office.gateway.Sign(g.SignRequest(request_id=uuid.uuid4().hex, letter_id=letter_id,
                                                   passphrase="rahasia-camat-sooko"),
                                     metadata=office.md("camat") + [("traceparent", f"00-{trace_id}-{caller_span}-01")])
        assert signed.journey.state == g.JOURNEY_STATE_SIGNED
        from grpc_health.v1 import health_pb2, health_pb2_grpc
        health = health_pb2_grpc.HealthStub(office.channel).Check(health_pb2.HealthCheckRequest(),
                                                                 metadata=[("traceparent", f"00-{trace_id}-{caller_span}-01")])
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        # Spans are sent in batches (every second): wait until the gateway's and the signing
        # service's spans of the call arrived (what else is left is sent at shutdown).
        for _ in range(300):
            senders = {(service, span.kind) for service, span in receiver.of_trace(trace_id)}
            if {("surat-gateway", trace_pb2.Span.SPAN_KIND_SERVER), ("surat-signing", trace_pb2.Span.SPAN_KIND_SERVER)} <= senders:
                break
            time.sleep(0.1)
        receiver.close()
    assert {path for path, _ in receiver.paths} == {"/v1/traces"}
    assert {kind for _, kind in receiver.paths} == {"application/x-protobuf"}
    spans = receiver.of_trace(trace_id)
    gateway_server = [span for service, span in spans
                      if service == "surat-gateway" and span.kind == trace_pb2.Span.SPAN_KIND_SERVER]
    assert [span.name for span in gateway_server] == ["surat.gateway.v1.Gateway/Sign"], spans
    server = gateway_server[0]
    assert server.parent_span_id.hex() == caller_span
    assert server.status.code == trace_pb2.Status.STATUS_CODE_OK
    assert server.end_time_unix_nano >= server.start_time_unix_nano > 0
    clients = [span for service, span in spans if service == "surat-gateway" and span.kind == trace_pb2.Span.SPAN_KIND_CLIENT]
    assert clients and all(span.parent_span_id == server.span_id for span in clients), clients
    assert "surat.signing.v1.Signing/Sign" in {span.name for span in clients}
    backends = [(service, span) for service, span in spans if service != "surat-gateway"]
    assert "surat-signing" in {service for service, _ in backends}
    by_id = {span.span_id: span for span in clients}
    for service, span in backends:
        # Every backend span is the server side of one of the gateway's client spans (or, for a
        # backend that calls on, of that backend's span): same trace, a parent that was sent.
        assert span.kind == trace_pb2.Span.SPAN_KIND_SERVER, (service, span)
        parent = by_id.get(span.parent_span_id)
        assert parent is not None and parent.name == span.name, (service, span)
    assert len({span.span_id for _, span in spans}) == len(spans)
    # Health checks (a monitor's, every few seconds) are not exported.
    assert not [span.name for _, span in receiver.spans if span.name.startswith("grpc.")]


def test_no_spans_are_exported_unless_an_endpoint_is_configured(cluster, office):
    office.journey(office.open("Tanpa ekspor jejak").letter_id)
    for name in SERVICES:
        assert "exporting spans" not in cluster.log(name), name


def test_a_bad_otlp_endpoint_stops_the_service_at_start(tmp_path):
    run = subprocess.run([str(swift_bin("surat-drafting")), "--port", "0", "--data-directory", str(tmp_path),
                          "--otlp-endpoint", "https://collector.example:4318"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 64   # a configuration failure
    assert "otlpEndpoint" in run.stdout + run.stderr


def write_certificate(folder, name, days_valid):
    """A self-signed certificate for 127.0.0.1 valid until `days_valid` days from now (negative: expired)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    import ipaddress
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + datetime.timedelta(days=min(days_valid, 0) - 30))
            .not_valid_after(now + datetime.timedelta(days=days_valid))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    (folder / f"{name}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / f"{name}.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
    return folder / f"{name}.crt", folder / f"{name}.key"


def doctor(folder, plan):
    """`surat doctor` on `plan`, written to `folder`/plan.json."""
    (folder / "plan.json").write_text(json.dumps(plan))
    return subprocess.run([str(swift_bin("surat")), "doctor", "--plan", str(folder / "plan.json")],
                          capture_output=True, text=True, timeout=120)


def test_doctor_passes_a_healthy_cluster(cluster, office, tmp_path):
    marker = tmp_path / "last-backup"
    marker.write_text("ok\n")
    plan = {"services": [{"name": name, "address": f"127.0.0.1:{cluster.ports[name]}",
                          "metrics": f"127.0.0.1:{cluster.metrics_ports[name]}",
                          "dataDirectory": str(cluster.root / name)} for name in SERVICES],
            "backupMarker": str(marker), "minFreeDiskMB": 1}
    out = doctor(tmp_path, plan)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "all checks passed" in out.stdout
    for name in SERVICES:
        assert re.search(rf"OK   {name}: SERVING at 127\.0\.0\.1:{cluster.ports[name]}, version \d+\.\d+\.\d+", out.stdout), out.stdout
        assert f"OK   {name}: clock within" in out.stdout
    assert "OK   registry: outbox:" in out.stdout
    assert "OK   backup: last backup" in out.stdout


def test_doctor_warns_of_keys_and_delegations_ending_soon_a_full_disk_and_an_old_backup(cluster, office, tmp_path):
    """The doctor's remaining checks (after the healthy-cluster test: the delegation and the key
    end date made here are within days): a Plh delegation ending soon and a signing key about to
    expire (from the signing service's metrics), a data directory under the free-space floor, and
    a backup older than allowed."""
    from google.protobuf.timestamp_pb2 import Timestamp
    g = office.g
    delegation = office.admin.CreateDelegation(g.CreateDelegationRequest(
        request_id=uuid.uuid4().hex, from_user_id="camat", to_user_id="sri", kind="plh",
        valid_until=Timestamp(seconds=int(time.time()) + 86_400)), metadata=office.md("admin"))
    # No RPC gives a key an end date in the future (a rotation ends the old key now), so the
    # Sekretaris' key (she signs nothing as herself in this module) gets one in the database: the
    # signing service reads it at the next scrape.
    import sqlite3
    with sqlite3.connect(cluster.root / "signing" / "signing.sqlite", timeout=10) as database:
        key_id = database.execute("SELECT key_id FROM signing_key WHERE signer_id = 'sri' AND revoked_at = 0").fetchone()[0]
        database.execute("UPDATE signing_key SET valid_until = ? WHERE key_id = ?", (int((time.time() + 2 * 86_400) * 1000), key_id))
    marker = tmp_path / "last-backup"
    marker.write_text("ok\n")
    two_days_ago = time.time() - 48 * 3600
    os.utime(marker, (two_days_ago, two_days_ago))
    plan = {"services": [{"name": name, "address": f"127.0.0.1:{cluster.ports[name]}",
                          "metrics": f"127.0.0.1:{cluster.metrics_ports[name]}"} for name in SERVICES]
            + [{"name": "gateway-disk", "address": f"127.0.0.1:{cluster.ports['gateway']}",
                "dataDirectory": str(cluster.root / "gateway")}],
            "backupMarker": str(marker), "maxBackupAgeHours": 26, "minFreeDiskMB": 1 << 40}
    out = doctor(tmp_path, plan)
    assert out.returncode == 2, out.stdout + out.stderr
    text = out.stdout
    assert re.search(rf"WARN signing: delegation {re.escape(delegation.delegation_id)} \(sri for camat\) ends in [01]\.\d days", text), text
    assert "grant a new Plh/Plt delegation" in text
    assert re.search(rf"WARN signing: signing key {re.escape(key_id)} of sri expires in [12]\.\d days", text), text
    assert "rotate it before then" in text
    assert re.search(r"FAIL gateway-disk: data directory .*gateway: \d+ MB free of \d+ MB", text), text
    assert re.search(r"FAIL backup: last backup 4[78]\.\d hours ago", text), text


def test_a_wrong_passphrase_is_counted(cluster, office):
    g = office.g
    letter_id = office.open("Undangan rapat kata sandi").letter_id
    for step in (office.assign, office.draft, office.paraf, office.approve, office.upload):
        step(letter_id)
    before = scrape(cluster, "signing")
    with pytest.raises(Exception) as refused:
        office.sign(letter_id, passphrase="bukan-kata-sandinya")
    assert "wrong passphrase" in str(refused.value)
    after = scrape(cluster, "signing")
    assert total(after, "surat_signing_wrong_passphrases") == total(before, "surat_signing_wrong_passphrases") + 1
    assert total(after, "surat_signing_signers_locked_out") == 0
    # The right passphrase still signs (one failure is far from a lockout).
    assert office.sign(letter_id).signature.verified


def test_doctor_names_a_stopped_service_and_an_expired_certificate(cluster, tmp_path):
    # A drafting service that ran and was stopped.
    stopped_port = free_port()
    stopped = ServiceProcess([swift_bin("surat-drafting"), "--port", stopped_port, "--data-directory", tmp_path / "stopped"])
    stopped.stop()
    # An approval service serving TLS with a certificate that expired ten days ago, configured by
    # a config file the doctor reads too (its address, certificate and data directory).
    cert, key = write_certificate(tmp_path, "approval", days_valid=-10)
    tls_port = free_port()
    config = tmp_path / "approval.json"
    config.write_text(json.dumps({"host": "127.0.0.1", "port": tls_port, "dataDirectory": str(tmp_path / "approval"),
                                  "tlsCertificatePath": str(cert), "tlsKeyPath": str(key)}))
    expired = ServiceProcess([swift_bin("surat-approval"), "--config", config])
    try:
        plan = {"services": [
            {"name": "gateway", "address": f"127.0.0.1:{cluster.ports['gateway']}"},
            {"name": "drafting-spare", "address": f"127.0.0.1:{stopped_port}"},
            {"name": "approval-tls", "config": str(config), "caFile": str(cert)},
        ], "minFreeDiskMB": 1}
        out = doctor(tmp_path, plan)
    finally:
        expired.stop()
    assert out.returncode == 2, out.stdout + out.stderr
    text = out.stdout
    assert re.search(r"OK   gateway: SERVING", text), text
    assert re.search(rf"FAIL drafting-spare: unreachable at 127\.0\.0\.1:{stopped_port}", text), text
    assert "systemctl status surat-drafting-spare" in text
    assert re.search(r"FAIL approval-tls: TLS certificate .*approval\.crt EXPIRED on", text), text
    assert "issue a new certificate for approval-tls" in text
    # Its clients cannot connect either, and the doctor says so for the same service.
    assert re.search(r"FAIL approval-tls: unreachable at 127\.0\.0\.1:\d+", text), text
    assert re.search(r"problems? found \(FAIL\)", text), text


def test_resets_and_goaways_sent_are_counted(tmp_path):
    """A call answered before its request ended is reset (RST_STREAM NO_ERROR); an idle connection
    is closed with GOAWAY: both show in the echo server's transport metrics."""
    import socket
    import h2.config
    import h2.connection
    import h2.events

    echo = ServiceProcess([swift_bin("surat-echo"), "--port", "0", "--metrics-port", "0", "--idle-timeout-ms", "300"])
    try:
        metrics_port = int(re.search(r"metrics on 127\.0\.0\.1:(\d+)", echo.output()).group(1))
        events = []
        with socket.create_connection(("127.0.0.1", echo.port), timeout=10) as sock:
            conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
            conn.initiate_connection()
            stream = conn.get_next_available_stream_id()
            # The request never ends: the server answers UNIMPLEMENTED at once, then resets the stream.
            conn.send_headers(stream, [(":method", "POST"), (":scheme", "http"), (":path", "/surat.echo.v1.Echo/Nope"),
                                       (":authority", "localhost"), ("content-type", "application/grpc"), ("te", "trailers")])
            sock.sendall(conn.data_to_send())
            while not any(isinstance(e, h2.events.ConnectionTerminated) for e in events):
                data = sock.recv(65536)
                if not data:
                    break
                events += conn.receive_data(data)
                sock.sendall(conn.data_to_send())
        assert any(isinstance(e, h2.events.StreamReset) for e in events), events
        assert any(isinstance(e, h2.events.ConnectionTerminated) for e in events), events
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as reply:
            families = {f.name: f for f in text_string_to_metric_families(reply.read().decode())}
        assert total(families, "surat_rpc_server_stream_resets_sent_total") >= 1
        assert total(families, "surat_rpc_server_goaways_sent_total") >= 1
        assert total(families, "surat_rpc_server_connections_total") == 1
    finally:
        echo.stop()
