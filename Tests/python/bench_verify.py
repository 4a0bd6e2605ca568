#!/usr/bin/env python3
"""Verification-site and seal benchmark (NOT a test; pytest does not collect it).

    swift build -c release --scratch-path .build-seal-release --product surat-verify --product surat-letter
    SURAT_BUILD_DIR=.build/debug python3 Tests/python/bench_verify.py --release .build-seal-release/release

Starts the five services (from SURAT_BUILD_DIR) with the office seal on the registry, drives one
Biasa letter through the six steps, then with the --release binaries:
1. `surat-letter seal bench` on the renderer's output of that letter (CPU per seal);
2. surat-verify against the registry, and `h2load --h1` on GET /v/<id> (requests/s; the registry
   answer is cached for cacheSeconds, as in production).
"""
import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import ServiceProcess, compile_protos, free_port  # noqa: E402
from test_e2e_gateway import Office  # noqa: E402
from test_letter_pdf import ok, profile_json, surat  # noqa: E402
from test_verify_browser import SealedCluster, registered_letter  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--release", required=True, help="folder with release surat-verify and surat-letter")
    parser.add_argument("--requests", type=int, default=50000)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    release = Path(args.release)
    compile_protos()
    root = Path(tempfile.mkdtemp(prefix="bench-verify-"))
    cluster = SealedCluster(root)
    office = Office(cluster, None)
    office.write_tokens(root)
    (root / "config.json").write_text(f'{{"address": "127.0.0.1:{cluster.ports["gateway"]}"}}')
    (root / "verifier.token").write_text(cluster.verifier_token + "\n")
    port = free_port()
    live = (cluster, office, root)
    import json
    (root / "profile.json").write_text(json.dumps(profile_json(f"http://127.0.0.1:{port}")))
    ok(surat(live, "admin", "admin", "office", "set", "--file", str(root / "profile.json"),
             "--emblem", str(ROOT / "deploy/letter/sample-emblem.png")))
    verify = None
    try:
        number, fields, final = registered_letter(live, "SIFAT_BIASA", root)
        data = final.read_bytes()
        unsealed = root / "unsealed.pdf"
        unsealed.write_bytes(data[:data.index(b"%%EOF") + 6])
        seal = root / "seal"
        print(f"letter {number}: sealed final PDF {len(data)} bytes, renderer output {unsealed.stat().st_size} bytes")
        out = subprocess.run([str(release / "surat-letter"), "seal", "bench", "--certificate", str(seal / "office-seal.pem"),
                              "--key", str(seal / "office-seal.key"), str(unsealed), "--iterations", "500"],
                             capture_output=True, text=True, check=True)
        print("seal:", out.stdout.strip())
        verify = ServiceProcess([release / "surat-verify", "--port", port, "--registry-address",
                                 f"127.0.0.1:{cluster.ports['registry']}", "--service-token-file", root / "verifier.token",
                                 "--office-ca-path", seal / "office-ca.pem"], log_path=root / "verify.log")
        url = f"http://127.0.0.1:{port}/v/{fields['verification-id']}"
        subprocess.run(["h2load", "--h1", "-n", "2000", "-c", "8", url], capture_output=True, check=True)   # warm-up
        out = subprocess.run(["h2load", "--h1", "-n", str(args.requests), "-c", str(args.connections), "-t", "1", url],
                             capture_output=True, text=True, check=True)
        print(f"h2load --h1 -n {args.requests} -c {args.connections} -t 1 {url}")
        print("\n".join(line for line in out.stdout.splitlines()
                        if line.startswith(("finished in", "requests:", "status codes:", "time for request:"))))
    finally:
        if verify:
            verify.stop()
        office.channel.close()
        cluster.close()


if __name__ == "__main__":
    main()
