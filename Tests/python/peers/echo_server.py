#!/usr/bin/env python3
"""A Python grpcio implementation of surat.echo.v1.Echo, compiled from proto-notes/, so the Swift
client can be tested against an independent server. Prints `listening on 127.0.0.1:PORT`, and with
`--port-file PATH` also writes the port to PATH. Exits when its parent process goes away."""
import os
import signal
import sys
import time
from concurrent import futures
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conftest import compile_protos  # noqa: E402

compile_protos()
import grpc  # noqa: E402
from surat.echo.v1 import echo_pb2, echo_pb2_grpc  # noqa: E402


class Echo(echo_pb2_grpc.EchoServicer):
    def Echo(self, request, context):
        if request.delay_ms:
            deadline = time.time() + request.delay_ms / 1000
            while time.time() < deadline and context.is_active():
                time.sleep(0.01)
        if request.fail_code:
            context.abort(grpc.StatusCode(next(c for c in grpc.StatusCode if c.value[0] == request.fail_code)),
                          request.fail_message)
        context.send_initial_metadata([(k, v) for k, v in context.invocation_metadata() if k.startswith("x-echo-")])
        context.set_trailing_metadata([("x-echo-trailer", "python")])
        payload = b"\0" * request.response_size if request.response_size else request.payload
        return echo_pb2.EchoResponse(text=request.text, payload=payload)


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    # grpcio's threads keep the default SIGTERM action from ending the process: stop explicitly.
    signal.signal(signal.SIGTERM, lambda *_: (server.stop(0), os._exit(0)))
    echo_pb2_grpc.add_EchoServicer_to_server(Echo(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"listening on 127.0.0.1:{port}", flush=True)
    if "--port-file" in sys.argv:
        path = Path(sys.argv[sys.argv.index("--port-file") + 1])
        path.with_suffix(".tmp").write_text(str(port))
        path.with_suffix(".tmp").rename(path)
    parent = os.getppid()
    try:
        # A test that crashed must not leave this server behind.
        while os.getppid() == parent:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    server.stop(1)


if __name__ == "__main__":
    main()
