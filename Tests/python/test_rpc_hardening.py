"""Transport hardening (issue 16): hostile peers that try to pin server memory or file
descriptors, floods of frames that do no work, and the protocol details a careful client
checks. Each test fails against a server without the corresponding limit.

Memory bounds are generous (the machine is shared and busy) but far below what the attack
would cost without the limit; waits are bounded, and nothing asserts how fast anything is."""
import gzip
import os
import resource
import selectors
import socket
import struct
import threading
import time
import zlib

import grpc
import h2.events
import pytest
from hpack import Encoder
from hyperframe.frame import GoAwayFrame, PingFrame, RstStreamFrame, Frame

from rpc_support import rss_kib, start_echo
from test_rpc_hostile import (PREFACE, Peer, echo_request, ended, grpc_headers, headers_of, raw_frame,
                              read_frames_until_closed)

ENHANCE_YOUR_CALM = 0xB
MIB = 1024 * 1024


@pytest.fixture(scope="module", autouse=True)
def enough_descriptors_for_the_test_process():
    """The preface test opens 2,000 client sockets from this process."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, 8192)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def served(port, text="still served", timeout=20):
    """A well-behaved grpcio client's call; returns once answered (raises otherwise)."""
    from surat.echo.v1 import echo_pb2, echo_pb2_grpc
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        reply = echo_pb2_grpc.EchoStub(channel).Echo(echo_pb2.EchoRequest(text=text), timeout=timeout)
        assert reply.text == text
    finally:
        channel.close()


def peak_rss_growth(pid, before_kib, seconds=4.0):
    """Largest RSS growth seen while sampling for a few seconds (KiB)."""
    peak = 0
    deadline = time.time() + seconds
    while time.time() < deadline:
        peak = max(peak, rss_kib(pid) - before_kib)
        time.sleep(0.1)
    return peak


def open_descriptors(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def pump_reading(peer, until, timeout=60.0):
    """Like Peer.pump, but acknowledges received DATA, as a client that reads does."""
    seen = len(peer.events)

    def acknowledged(events):
        nonlocal seen
        for event in events[seen:]:
            if isinstance(event, h2.events.DataReceived) and event.flow_controlled_length:
                peer.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        seen = len(events)
        peer.flush()
        return until(events)
    return peer.pump(acknowledged, timeout=timeout)


def header_block(headers):
    return Encoder().encode(headers)


def raw_connection(port, source="127.0.0.1"):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    sock.sendall(PREFACE + raw_frame(0x4, 0, 0))
    return sock


# 1. Streaming replies have backpressure ------------------------------------------------------

def reflection_request(symbol):
    """A ServerReflectionRequest asking for the file containing `symbol`, length-prefixed."""
    name = symbol.encode()
    body = b"\x22" + bytes([len(name)]) + name  # field 4, file_containing_symbol
    return b"\x00" + struct.pack(">I", len(body)) + body


def test_a_reflection_stream_that_never_reads_holds_server_memory(protos):
    echo = start_echo()
    try:
        served(echo.port, "warm up")
        before = rss_kib(echo.proc.pid)
        sock = raw_connection(echo.port)
        path = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"
        sock.sendall(raw_frame(0x1, 0x4, 1, header_block(grpc_headers(path=path))))
        # About 0.9 MiB of requests (within the stream's 1 MiB window), each 31 bytes answered
        # with 14 KiB of descriptors: 400 MiB of replies if they were all queued.
        message = reflection_request("surat.gateway.v1.Gateway")  # ~14 KiB of descriptors each
        chunk = message * (16000 // len(message))
        sock.settimeout(10)
        try:
            for _ in range(56):
                sock.sendall(raw_frame(0x0, 0, 1, chunk))
        except (socket.timeout, BrokenPipeError, ConnectionResetError):
            pass  # the server stopped taking input: that is backpressure too
        # This peer never reads a byte. Meanwhile another client is served...
        served(echo.port)
        grown = peak_rss_growth(echo.proc.pid, before)
        print(f"reflection stream never read: server RSS +{grown} KiB")
        assert grown < 64 * 1024, f"server RSS grew by {grown} KiB for a stream whose replies are never read"
        served(echo.port, "after")
        sock.close()
    finally:
        assert echo.stop() == 0


# 2. The connection budget holds for what is queued ---------------------------------------------

def test_256_max_size_calls_on_a_connection_that_reads_nothing_stay_in_budget(protos):
    echo = start_echo()
    try:
        served(echo.port, "warm up")
        before = rss_kib(echo.proc.pid)
        peer = Peer(echo.port)  # never reads
        request = echo_request(response_size=4 * MIB - 64)
        for _ in range(256):
            peer.request(grpc_headers(), request)
        served(echo.port)
        grown = peak_rss_growth(echo.proc.pid, before)
        print(f"256 unread 4 MiB responses: server RSS +{grown} KiB")
        # 256 responses of 4 MiB would be 1 GiB; the budget is 8 MiB (plus what is in flight).
        assert grown < 64 * 1024, f"server RSS grew by {grown} KiB for 256 unread 4 MiB responses"
        peer.close()
        served(echo.port, "after")
    finally:
        assert echo.stop() == 0


def test_a_slow_reader_still_gets_every_large_response(protos):
    """The budget delays calls, it does not lose them: a client that reads late gets all."""
    echo = start_echo()
    try:
        peer = Peer(echo.port)
        ids = [peer.request(grpc_headers(), echo_request(response_size=2 * MIB)) for _ in range(12)]
        time.sleep(1)  # not reading yet: the server holds most calls back
        pump_reading(peer, lambda events: all(ended(sid)(events) for sid in ids))
        for sid in ids:
            assert headers_of(peer.events, sid).get("grpc-status") == "0"
        peer.close()
    finally:
        assert echo.stop() == 0


# 3. Connection cap, handshake timeout, accept backoff -----------------------------------------

def open_silent_connections(port, count, source):
    """Non-blocking connects that never send a byte (some may wait in the listen queue)."""
    socks = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((source, 0))
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        socks.append(s)
    return socks


def wait_for_descriptors_below(pid, limit, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if open_descriptors(pid) < limit:
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("limited", [False, True], ids=["default-limit", "ulimit-1024"])
def test_connections_that_never_send_the_preface_are_closed(protos, limited):
    args = ["--handshake-timeout-ms", "2000"]
    if limited:
        # Under `ulimit -n 1024` and without the caps, 2,000 silent sockets exhaust the
        # descriptors: accept must back off (not spin), and the handshake timeout frees them.
        args += ["--max-connections", "100000", "--max-connections-per-address", "100000"]
    echo = start_echo(*args, nofile=1024 if limited else None)
    try:
        baseline = open_descriptors(echo.proc.pid)
        # The silent connections come from 127.0.0.2, the good client from 127.0.0.1, so the
        # per-address cap applies to the flood and not to it.
        socks = open_silent_connections(echo.port, 2000, "127.0.0.2")
        served(echo.port, "served meanwhile", timeout=30)
        # Closed within the handshake timeout (2 s), waited for with a wide margin.
        assert wait_for_descriptors_below(echo.proc.pid, baseline + 20, timeout=40), \
            f"{open_descriptors(echo.proc.pid)} descriptors still open (baseline {baseline})"
        # Each silent client sees its connection closed by the server.
        selector = selectors.DefaultSelector()
        for s in socks:
            selector.register(s, selectors.EVENT_READ)
        closed = 0
        deadline = time.time() + 40
        while closed < len(socks) and time.time() < deadline:
            for key, _ in selector.select(timeout=1):
                try:
                    data = key.fileobj.recv(1)
                except (ConnectionResetError, ConnectionRefusedError, BlockingIOError):
                    data = b""
                if not data:
                    selector.unregister(key.fileobj)
                    closed += 1
        for s in socks:
            s.close()
        assert closed == len(socks), f"only {closed} of {len(socks)} silent connections were closed"
        served(echo.port, "after")
        assert echo.proc.poll() is None
    finally:
        assert echo.stop() == 0


def test_connections_past_the_per_address_cap_are_closed_at_once(protos):
    echo = start_echo("--max-connections-per-address", "5", "--handshake-timeout-ms", "60000")
    try:
        kept = [raw_connection(echo.port, source="127.0.0.3") for _ in range(5)]
        for s in kept:  # each was admitted (the server's SETTINGS arrive) before the sixth comes
            assert s.recv(9)
        extra = socket.create_connection(("127.0.0.1", echo.port), timeout=10, source_address=("127.0.0.3", 0))
        extra.settimeout(10)
        try:
            assert extra.recv(1) == b"", "the sixth connection from one address is closed"
        except ConnectionResetError:
            pass
        served(echo.port)  # another address is not affected
        for s in kept + [extra]:
            s.close()
    finally:
        assert echo.stop() == 0


# 4. Floods of frames that do no work -----------------------------------------------------------

def flood(port, frames):
    sock = raw_connection(port)
    try:
        for start in range(0, len(frames), 200):
            sock.sendall(b"".join(frames[start:start + 200]))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server hung up first
    received = read_frames_until_closed(sock, timeout=15.0)
    sock.close()
    return [f for f in received if isinstance(f, GoAwayFrame)]


@pytest.fixture(scope="module")
def echo(protos):
    server = start_echo()
    yield server
    assert server.proc.poll() is None
    assert server.stop() == 0


def test_an_empty_data_flood_gets_enhance_your_calm(echo):
    opening = raw_frame(0x1, 0x4, 1, header_block(grpc_headers()))
    goaways = flood(echo.port, [opening] + [raw_frame(0x0, 0, 1, b"")] * 5000)
    assert goaways and goaways[-1].error_code == ENHANCE_YOUR_CALM, goaways
    served(echo.port)


def test_a_window_update_flood_gets_enhance_your_calm(echo):
    goaways = flood(echo.port, [raw_frame(0x8, 0, 0, struct.pack(">I", 1))] * 5000)
    assert goaways and goaways[-1].error_code == ENHANCE_YOUR_CALM, goaways
    served(echo.port)


def test_resets_the_peer_makes_the_server_send_are_counted(echo):
    # "MadeYouReset": each stream carries a header nghttp2 must reject, so the server resets
    # it. The client never sends RST_STREAM itself; the server's own resets are counted.
    bad = header_block(grpc_headers(extra=[("connection", "keep-alive")]))
    frames = [raw_frame(0x1, 0x5, 2 * i + 1, bad) for i in range(3000)]
    goaways = flood(echo.port, frames)
    assert goaways and goaways[-1].error_code == ENHANCE_YOUR_CALM, goaways
    served(echo.port)


def test_a_reading_client_with_many_window_updates_is_not_cut_off(echo):
    """h2 acknowledges every DATA frame with WINDOW_UPDATEs: earned, so never a flood."""
    peer = Peer(echo.port)
    for _ in range(40):
        sid = peer.request(grpc_headers(), echo_request(response_size=256 << 10))
        pump_reading(peer, ended(sid))
        assert headers_of(peer.events, sid)["grpc-status"] == "0"
    peer.close()


# 5. No RST_STREAM on a stream both sides have closed -----------------------------------------

def test_early_answers_to_ended_requests_send_no_reset(echo):
    sock = raw_connection(echo.port)
    requests = [
        grpc_headers(path="/surat.echo.v1.Echo/Missing"),                                   # UNIMPLEMENTED
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "x")],     # 405
        [(":method", "POST"), (":scheme", "http"), (":path", "/surat.echo.v1.Echo/Echo"),
         (":authority", "x"), ("content-type", "application/json")],                        # 415
        grpc_headers(),                                                                     # no message: INTERNAL
    ]
    encoder = Encoder()
    out = b""
    for index, headers in enumerate(requests):
        out += raw_frame(0x1, 0x5, 2 * index + 1, encoder.encode(headers))  # END_HEADERS | END_STREAM
    out += raw_frame(0x6, 0, 0, b"12345678")
    sock.sendall(out)
    sock.settimeout(10)
    buffer, frames = b"", []
    while not any(isinstance(f, PingFrame) and "ACK" in f.flags for f in frames):
        data = sock.recv(65536)
        assert data, f"connection closed; frames: {frames}"
        buffer += data
        while len(buffer) >= 9:
            frame, length = Frame.parse_frame_header(memoryview(buffer[:9]))
            if len(buffer) < 9 + length:
                break
            frame.parse_body(memoryview(buffer[9:9 + length]))
            frames.append(frame)
            buffer = buffer[9 + length:]
    sock.close()
    resets = [f for f in frames if isinstance(f, RstStreamFrame)]
    assert not resets, f"RST_STREAM on closed streams: {resets}"


# 6. Health Watch ---------------------------------------------------------------------------------

def test_health_watch_sees_serving_then_not_serving_on_shutdown(protos):
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    server = start_echo()
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    try:
        stub = health_pb2_grpc.HealthStub(channel)
        unknown = stub.Watch(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=30)
        assert next(unknown).status == health_pb2.HealthCheckResponse.SERVICE_UNKNOWN
        unknown.cancel()
        watch = stub.Watch(health_pb2.HealthCheckRequest(service="surat.echo.v1.Echo"), timeout=30)
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
        stopper = threading.Thread(target=server.stop)
        stopper.start()
        assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
        with pytest.raises(grpc.RpcError) as ending:
            next(watch)
        assert ending.value.code() == grpc.StatusCode.UNAVAILABLE
        stopper.join(30)
        assert server.proc.returncode == 0
    finally:
        channel.close()
        server.stop()


# 7. Whitespace around a token ------------------------------------------------------------------

@pytest.mark.parametrize("value, words", [
    ("Bearer rahasia ", "whitespace"),
    ("Bearer ", "whitespace"),
    (" Bearer rahasia", "whitespace"),
    ("Bearer rahasia\n", "newline"),
], ids=["trailing-space", "bearer-alone", "leading-space", "newline"])
def test_a_token_with_whitespace_gets_unauthenticated(protos, value, words):
    server = start_echo("--token", "rahasia")
    try:
        peer = Peer(server.port)
        bad = peer.request(grpc_headers(extra=[("authorization", value)]), echo_request("x"))
        good = peer.request(grpc_headers(extra=[("authorization", "Bearer rahasia")]), echo_request("y"))
        peer.pump(lambda events: ended(bad)(events) and ended(good)(events))
        answer = headers_of(peer.events, bad)
        assert answer.get("grpc-status") == "16", answer
        assert words in answer.get("grpc-message", ""), answer
        assert headers_of(peer.events, good).get("grpc-status") == "0"
        peer.close()
    finally:
        assert server.stop() == 0


# 8. gzip and deflate requests --------------------------------------------------------------------

def test_grpcio_gzip_requests_are_accepted(echo):
    from surat.echo.v1 import echo_pb2, echo_pb2_grpc
    channel = grpc.insecure_channel(f"127.0.0.1:{echo.port}", compression=grpc.Compression.Gzip)
    payload = b"surat keluar " * 10000
    reply = echo_pb2_grpc.EchoStub(channel).Echo(echo_pb2.EchoRequest(text="gz", payload=payload), timeout=10)
    assert reply.text == "gz" and reply.payload == payload
    channel.close()


def compressed_request(compress, encoding, text="z", payload=b""):
    from surat.echo.v1 import echo_pb2
    body = compress(echo_pb2.EchoRequest(text=text, payload=payload).SerializeToString())
    return grpc_headers(extra=[("grpc-encoding", encoding)]), b"\x01" + struct.pack(">I", len(body)) + body


def test_deflate_and_corrupt_and_bombs(echo):
    peer = Peer(echo.port)
    headers, body = compressed_request(zlib.compress, "deflate", text="deflated")
    deflated = peer.request(headers, body)
    headers, body = compressed_request(gzip.compress, "gzip", payload=b"\0" * (8 * MIB))
    bomb = peer.request(headers, body)  # ~8 KiB that inflates to 8 MiB
    corrupt = peer.request(grpc_headers(extra=[("grpc-encoding", "gzip")]), b"\x01\x00\x00\x00\x04abcd")
    peer.pump(lambda ev: all(ended(s)(ev) for s in (deflated, bomb, corrupt)))
    assert headers_of(peer.events, deflated)["grpc-status"] == "0"
    bombed = headers_of(peer.events, bomb)
    assert bombed["grpc-status"] == "8", bombed
    assert "decompress" in bombed["grpc-message"]
    assert headers_of(peer.events, corrupt)["grpc-status"] == "13"
    peer.close()
