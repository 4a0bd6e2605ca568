import ArgumentParser

/// `surat-bench`: load generator for district IT (registry throughput, latency and integrity).
@main
struct SuratBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surat-bench",
        abstract: "Load generator for the Surat Keluar services.",
        discussion: """
            Typical use (see BENCHMARKS.md):
              surat-bench keygen --out-dir /tmp/bench
              surat-registry --data-directory /tmp/bench/data --signing-endpoint '' \\
                  --trusted-keys-file /tmp/bench/bench-trusted-keys.json --service-tokens bench:$(printf %s bench-token | sha256sum | cut -c1-64)
              surat-bench registry --signer-key /tmp/bench/bench-signer.key --concurrency 64 --duration 20
            """,
        subcommands: [RegistryBench.self, Keygen.self])
}
