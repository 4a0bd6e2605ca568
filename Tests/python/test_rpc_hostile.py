"""Hostile and odd HTTP/2 peers against surat-echo, speaking raw frames with h2/hyperframe.
After each, the server must still serve a normal gRPC call: no crash, no stuck connection."""
import socket
import struct
import time

import grpc
import h2.config
import h2.connection
import h2.events
import pytest
from hyperframe.frame import Frame, GoAwayFrame, SettingsFrame, WindowUpdateFrame

from rpc_support import rss_kib, start_echo

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


@pytest.fixture(scope="module")
def echo():
    server = start_echo()
    yield server
    assert server.proc.poll() is None, "the server survived every hostile peer"
    assert server.stop() == 0


@pytest.fixture
def healthy(echo, protos):
    """Checks after the test that a well-behaved client is still served."""
    yield
    from surat.echo.v1 import echo_pb2, echo_pb2_grpc
    channel = grpc.insecure_channel(f"127.0.0.1:{echo.port}")
    reply = echo_pb2_grpc.EchoStub(channel).Echo(echo_pb2.EchoRequest(text="still here"), timeout=10)
    assert reply.text == "still here"
    channel.close()


def echo_request(text="", delay_ms=0, response_size=0):
    from surat.echo.v1 import echo_pb2
    body = echo_pb2.EchoRequest(text=text, delay_ms=delay_ms, response_size=response_size).SerializeToString()
    return b"\x00" + struct.pack(">I", len(body)) + body


def grpc_headers(path="/surat.echo.v1.Echo/Echo", extra=()):
    return [(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "localhost"),
            ("content-type", "application/grpc"), ("te", "trailers"), *extra]


def raw_frame(frame_type, flags, stream_id, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([frame_type, flags]) + struct.pack(">I", stream_id) + payload


class Peer:
    """A client connection speaking h2 with validation switched off, so it can misbehave."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        config = h2.config.H2Configuration(client_side=True, header_encoding="utf-8",
                                           validate_outbound_headers=False, normalize_outbound_headers=False,
                                           validate_inbound_headers=False)
        self.conn = h2.connection.H2Connection(config=config)
        self.conn.initiate_connection()
        self.flush()
        self.events = []

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def request(self, headers, body=None, end_stream=True):
        stream_id = self.conn.get_next_available_stream_id()
        self.conn.send_headers(stream_id, headers, end_stream=body is None and end_stream)
        if body is not None:
            self.conn.send_data(stream_id, body, end_stream=end_stream)
        self.flush()
        return stream_id

    def pump(self, until, timeout=10.0):
        """Reads events until `until(events)` is true; returns all events seen."""
        deadline = time.time() + timeout
        while not until(self.events):
            if time.time() > deadline:
                raise AssertionError(f"timed out; events so far: {self.events}")
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not data:
                # A closed connection is not what the caller waited for (a check on the events
                # would otherwise pass on whatever arrived before EOF).
                raise AssertionError(f"the server closed the connection first; events so far: {self.events}")
            self.events.extend(self.conn.receive_data(data))
            self.flush()
        return self.events

    def ping(self, payload=b"barrier!"):
        """Sends PING and waits for its ACK: the server has then read every frame sent before it."""
        self.conn.ping(payload)
        self.flush()
        self.pump(lambda events: any(isinstance(e, h2.events.PingAckReceived) and e.ping_data == payload
                                     for e in events))

    def close(self):
        self.sock.close()


def stream_events(events, stream_id):
    return [e for e in events if getattr(e, "stream_id", None) == stream_id]


def ended(stream_id):
    return lambda events: any(isinstance(e, (h2.events.StreamEnded, h2.events.StreamReset))
                              and e.stream_id == stream_id for e in events)


def headers_of(events, stream_id):
    out = {}
    for e in stream_events(events, stream_id):
        if isinstance(e, (h2.events.ResponseReceived, h2.events.TrailersReceived)):
            out.update(dict(e.headers))
    return out


def read_until_closed(sock, timeout=10.0):
    """Every byte the server sends until it closes the connection; fails if it has not closed it
    within `timeout` seconds."""
    sock.settimeout(timeout)
    buffer = b""
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            buffer += data
    except ConnectionResetError:
        pass
    except socket.timeout:
        raise AssertionError(f"the server kept the connection open for {timeout} s; received {buffer[:200]!r}")
    return buffer


def read_frames_until_closed(sock, timeout=10.0):
    """Raw frames the server sends until it closes the connection (which it must, in `timeout`)."""
    buffer = read_until_closed(sock, timeout)
    frames = []
    while len(buffer) >= 9:
        frame, length = Frame.parse_frame_header(memoryview(buffer[:9]))
        if len(buffer) < 9 + length:
            break
        frame.parse_body(memoryview(buffer[9:9 + length]))
        frames.append(frame)
        buffer = buffer[9 + length:]
    return frames


@pytest.mark.parametrize("garbage", [
    raw_frame(0x0, 0x1, 0, b""),                           # DATA on stream 0
    raw_frame(0x8, 0x0, 0, struct.pack(">I", 0)),          # WINDOW_UPDATE of 0 on the connection
    raw_frame(0x1, 0x4, 1, b"\xff\xff\xff\xff\xff\xff"),   # HEADERS with an undecodable HPACK block
    raw_frame(0x4, 0x0, 0, b"\x00\x01"),                   # SETTINGS with a truncated entry
    raw_frame(0x6, 0x0, 0, b"\x00" * 7),                   # PING of the wrong length
], ids=["data-on-stream-0", "zero-window-update", "bad-hpack", "short-settings", "short-ping"])
def test_malformed_frames_get_goaway(echo, healthy, garbage):
    sock = socket.create_connection(("127.0.0.1", echo.port))
    sock.sendall(PREFACE + raw_frame(0x4, 0, 0) + garbage)
    frames = read_frames_until_closed(sock)
    sock.close()
    goaways = [f for f in frames if isinstance(f, GoAwayFrame)]
    assert goaways, f"expected GOAWAY, got {frames}"
    assert goaways[-1].error_code != 0


def test_not_http2_at_all_is_dropped(echo, healthy):
    sock = socket.create_connection(("127.0.0.1", echo.port))
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    received = read_until_closed(sock, timeout=5)
    sock.close()
    # Closed, and never answered as HTTP/1: at most the HTTP/2 preface frames and GOAWAY.
    assert not received.startswith(b"HTTP/"), received[:200]
    if received:
        frames = []
        while len(received) >= 9:
            frame, length = Frame.parse_frame_header(memoryview(received[:9]))
            frames.append(frame)
            received = received[9 + length:]
        assert all(isinstance(f, (SettingsFrame, WindowUpdateFrame, GoAwayFrame)) for f in frames), frames


@pytest.mark.parametrize("headers", [
    grpc_headers(extra=[("X-Upper", "1")]),                                  # upper-case name
    [h for h in grpc_headers() if h[0] != ":path"],                          # missing :path
    grpc_headers(extra=[("connection", "keep-alive")]),                      # connection-specific header
    grpc_headers(extra=[(":bogus", "x")]),                                   # unknown pseudo-header
], ids=["uppercase", "no-path", "connection-header", "bogus-pseudo"])
def test_invalid_request_headers_reset_the_stream_only(echo, healthy, headers):
    peer = Peer(echo.port)
    bad = peer.request(headers, echo_request("bad"))
    peer.pump(ended(bad))
    assert any(isinstance(e, h2.events.StreamReset) and e.stream_id == bad for e in peer.events)
    good = peer.request(grpc_headers(), echo_request("good"))
    peer.pump(ended(good))
    assert headers_of(peer.events, good).get("grpc-status") == "0"
    peer.close()


def test_oversized_headers_are_refused(echo, healthy):
    peer = Peer(echo.port)
    big = peer.request(grpc_headers(extra=[("x-padding", "a" * 40000)]), echo_request("big"))
    peer.pump(ended(big))
    reset = any(isinstance(e, h2.events.StreamReset) for e in stream_events(peer.events, big))
    status = headers_of(peer.events, big).get("grpc-status")
    assert reset or status not in (None, "0"), peer.events
    peer.close()


def test_non_grpc_requests_get_415_with_a_body(echo, healthy):
    peer = Peer(echo.port)
    sid = peer.request([(":method", "POST"), (":scheme", "http"), (":path", "/surat.echo.v1.Echo/Echo"),
                        (":authority", "x"), ("content-type", "application/json")], b"{}")
    peer.pump(ended(sid))
    assert headers_of(peer.events, sid)[":status"] == "415"
    body = b"".join(e.data for e in stream_events(peer.events, sid) if isinstance(e, h2.events.DataReceived))
    assert b"application/grpc" in body
    peer.close()


def test_unknown_method_is_answered_at_headers_time(echo, healthy):
    peer = Peer(echo.port)
    sid = peer.request(grpc_headers(path="/surat.echo.v1.Echo/Missing"), end_stream=False)
    # No DATA sent yet: the answer must come from the HEADERS alone, as Trailers-Only.
    peer.pump(ended(sid))
    received = stream_events(peer.events, sid)
    response = [e for e in received if isinstance(e, h2.events.ResponseReceived)][0]
    assert dict(response.headers)["grpc-status"] == "12"
    assert response.stream_ended is not None
    peer.close()


def test_server_enforces_grpc_timeout_itself(echo, healthy):
    peer = Peer(echo.port)
    sid = peer.request(grpc_headers(extra=[("grpc-timeout", "200m")]), echo_request(delay_ms=10000))
    # The handler would answer OK after 10 s; DEADLINE_EXCEEDED can only come from the server's own timer.
    peer.pump(ended(sid), timeout=30)
    assert headers_of(peer.events, sid)["grpc-status"] == "4"
    peer.close()


def test_two_messages_in_a_unary_call_are_rejected(echo, healthy):
    peer = Peer(echo.port)
    sid = peer.request(grpc_headers(), echo_request("a") + echo_request("b"))
    peer.pump(ended(sid))
    assert headers_of(peer.events, sid)["grpc-status"] == "13"
    peer.close()


def test_compression_rules(echo, healthy):
    peer = Peer(echo.port)
    flagged = bytearray(echo_request("z"))
    flagged[0] = 1
    no_encoding = peer.request(grpc_headers(), bytes(flagged))
    not_gzip = peer.request(grpc_headers(extra=[("grpc-encoding", "gzip")]), bytes(flagged))
    snappy = peer.request(grpc_headers(extra=[("grpc-encoding", "snappy")]), bytes(flagged))
    peer.pump(lambda ev: ended(no_encoding)(ev) and ended(not_gzip)(ev) and ended(snappy)(ev))
    assert headers_of(peer.events, no_encoding)["grpc-status"] == "13"
    # Flagged as gzip but not gzip data: it does not inflate.
    assert headers_of(peer.events, not_gzip)["grpc-status"] == "13"
    snappy_headers = headers_of(peer.events, snappy)
    assert snappy_headers["grpc-status"] == "12"
    assert snappy_headers["grpc-accept-encoding"] == "identity,gzip,deflate"
    peer.close()


def test_rst_stream_flood_is_cut_off(echo, healthy):
    sock = socket.create_connection(("127.0.0.1", echo.port))
    config = h2.config.H2Configuration(client_side=True, header_encoding="utf-8")
    conn = h2.connection.H2Connection(config=config)
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    body = echo_request(delay_ms=1000)
    try:
        for _ in range(5000):
            sid = conn.get_next_available_stream_id()
            conn.send_headers(sid, grpc_headers(), end_stream=False)
            conn.send_data(sid, body, end_stream=True)
            conn.reset_stream(sid)
            sock.sendall(conn.data_to_send())
    except (BrokenPipeError, ConnectionResetError, h2.exceptions.ProtocolError):
        pass  # the server already hung up on us: that is the point
    frames = read_frames_until_closed(sock, timeout=10)
    sock.close()
    goaways = [f for f in frames if isinstance(f, GoAwayFrame)]
    assert goaways and goaways[-1].error_code != 0, "the flood ended with GOAWAY"


def test_a_peer_that_stops_reading_does_not_grow_the_server(echo, healthy, protos):
    before = rss_kib(echo.proc.pid)
    peers = []
    for _ in range(4):
        peers.append(Peer(echo.port))  # none of them ever reads a byte
    # Bursts: the first is served into the server's buffers, later ones must wait for the
    # peer to read (which it never does: no WINDOW_UPDATE ever) instead of piling up more
    # responses. After each burst a PING's ACK shows the server has read the whole burst.
    for _ in range(4):
        for peer in peers:
            for _ in range(50):
                peer.request(grpc_headers(), echo_request(response_size=256 << 10))
        for peer in peers:
            peer.ping()
    # Meanwhile a well-behaved client is served.
    from surat.echo.v1 import echo_pb2, echo_pb2_grpc
    channel = grpc.insecure_channel(f"127.0.0.1:{echo.port}")
    assert echo_pb2_grpc.EchoStub(channel).Echo(echo_pb2.EchoRequest(text="x"), timeout=10).text == "x"
    channel.close()
    grown = rss_kib(echo.proc.pid) - before
    for peer in peers:
        peer.close()
    # 800 requested responses of 256 KiB would be 200 MiB if buffered without limit.
    assert grown < 120 * 1024, f"server RSS grew by {grown} KiB"


def test_idle_connections_are_closed_with_goaway(protos):
    server = start_echo("--idle-timeout-ms", "300")
    try:
        peer = Peer(server.port)
        sid = peer.request(grpc_headers(), echo_request("before idling"))
        peer.pump(ended(sid))
        assert headers_of(peer.events, sid)["grpc-status"] == "0"
        # No open stream now: after the idle timeout the server says GOAWAY and closes.
        peer.pump(lambda events: any(isinstance(e, h2.events.ConnectionTerminated) for e in events), timeout=10)
        terminated = [e for e in peer.events if isinstance(e, h2.events.ConnectionTerminated)][0]
        assert terminated.error_code == 0
        peer.close()
    finally:
        assert server.stop() == 0
