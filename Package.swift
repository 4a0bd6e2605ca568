// swift-tools-version: 6.0
// Surat Keluar: the outgoing-letter office of a kecamatan as gRPC-compatible Swift services.
// Layout: Shared/ holds the libraries every service uses, Services/ one folder per executable,
// Tests/ one folder per test target. Paths are explicit because nothing lives in Sources/.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

// MARK: - Dependencies (every one is on the machine's package mirror; see the README)

let dependencies: [Package.Dependency] = [
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    // surat-web and surat-verify: HTTP servers; surat-web's HTML templates.
    .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
    .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
]

let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
    .product(name: "NIOSSL", package: "swift-nio-ssl"),
    .product(name: "NIOTLS", package: "swift-nio"),
]
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")

// MARK: - Shared libraries

let sharedTargets: [Target] = [
    // libnghttp2 from Debian's libnghttp2-dev: HTTP/2 framing, HPACK, flow control.
    .systemLibrary(
        name: "CNghttp2",
        path: "Shared/CNghttp2",
        pkgConfig: "libnghttp2",
        providers: [.apt(["libnghttp2-dev"])]
    ),
    // zlib from Debian's zlib1g-dev: inflating gzip/deflate-compressed request messages.
    .systemLibrary(
        name: "CZlib",
        path: "Shared/CZlib",
        providers: [.apt(["zlib1g-dev"])]
    ),
    // Pango + Cairo from Debian's libpango1.0-dev and libcairo2-dev: text shaping, line
    // breaking, justification and PDF output for the letter document.
    .systemLibrary(
        name: "CPangoCairo",
        path: "Shared/CPangoCairo",
        pkgConfig: "pangocairo",
        providers: [.apt(["libpango1.0-dev", "libcairo2-dev"])]
    ),
    // libqrencode from Debian's libqrencode-dev: the QR code on a signed letter.
    .systemLibrary(
        name: "CQRencode",
        path: "Shared/CQRencode",
        pkgConfig: "libqrencode",
        providers: [.apt(["libqrencode-dev"])]
    ),
    // The letter as a document (naskah dinas): office profile, content model, body markup and
    // the PDF renderer (preview and final). Safe Swift over CPangoCairo and CQRencode.
    .target(
        name: "LetterDocument",
        dependencies: ["CPangoCairo", "CQRencode"],
        path: "Shared/LetterDocument",
        swiftSettings: swiftSettings
    ),
    // Domain records (content, signature record, stored profile) → the renderer's inputs; used by
    // the registry (final PDF) and the gateway (preview).
    .target(
        name: "LetterMapping",
        dependencies: ["Domain", "LetterDocument"],
        path: "Shared/LetterMapping",
        swiftSettings: swiftSettings
    ),
    // OpenSSL's libcrypto from Debian's libssl-dev: CMS SignedData, X.509, PKCS#12 for the office seal.
    .systemLibrary(
        name: "COpenSSL",
        path: "Shared/COpenSSL",
        pkgConfig: "libcrypto",
        providers: [.apt(["libssl-dev"])]
    ),
    // The office's electronic seal on the final PDF (PAdES baseline B-B) and its verification.
    .target(name: "LetterSeal", dependencies: ["COpenSSL"], path: "Shared/LetterSeal", swiftSettings: swiftSettings),
    // Codable <-> protobuf (proto3) wire format.
    .target(name: "Wire", path: "Shared/Wire", swiftSettings: swiftSettings),
    // gRPC-compatible server and client over SwiftNIO sockets and nghttp2 sessions.
    .target(
        name: "RPC",
        dependencies: ["CNghttp2", "CZlib", "Wire", logging] + nio,
        path: "Shared/RPC",
        swiftSettings: swiftSettings
    ),
    // Build version, and metrics: the swift-metrics API with its Prometheus backend, the RPC
    // server's observer, the /metrics listener (HTTP/1.1). Light on purpose: surat-echo uses it
    // to measure what metrics cost the transport.
    .target(
        name: "Observability",
        dependencies: [
            "RPC", logging, .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"), .product(name: "NIOHTTP1", package: "swift-nio"),
        ] + nio,
        path: "Shared/Observability",
        swiftSettings: swiftSettings
    ),
    // FileDescriptorProtos of proto-notes/**/*.proto for server reflection (generated).
    .target(name: "ProtoDescriptors", path: "Shared/ProtoDescriptors", swiftSettings: swiftSettings),
    // Message types of every service (the contract): one subfolder per owner, Common shared by all.
    .target(
        name: "Domain",
        dependencies: ["Wire", "RPC", .product(name: "Crypto", package: "swift-crypto")],
        path: "Shared/Domain",
        swiftSettings: swiftSettings
    ),
    // Common service plumbing: config loading, SQLite (GRDB), idempotency, service auth, main loop.
    .target(
        name: "ServiceKit",
        dependencies: [
            "RPC", "Domain", "Wire", logging,
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Crypto", package: "swift-crypto"),
            "Observability", .product(name: "Metrics", package: "swift-metrics"),
        ],
        path: "Shared/ServiceKit",
        swiftSettings: swiftSettings
    ),
]

// MARK: - Executables

let executableTargets: [Target] = [
    // The example echo service used by tests and the transport benchmark.
    .target(name: "EchoService", dependencies: ["RPC"], path: "Services/Echo/Service", swiftSettings: swiftSettings),
    .executableTarget(
        name: "surat-echo",
        dependencies: ["EchoService", "RPC", "ProtoDescriptors", "Observability", logging],
        path: "Services/Echo/Main",
        swiftSettings: swiftSettings
    ),
    // Gateway: the SOP journey state machine, records, queues, SLA, users and tokens (library, unit-tested).
    .target(
        name: "GatewayCore",
        dependencies: [
            "Domain", "Wire", "ServiceKit", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ],
        path: "Services/Gateway/Core",
        swiftSettings: swiftSettings
    ),
    // Gateway handlers (steps through the backends, queries, admin) and the `surat-gateway` executable.
    .target(
        name: "GatewayService",
        dependencies: [
            "GatewayCore", "ServiceKit", "Observability", "Domain", "RPC", "Wire", "ProtoDescriptors", "LetterDocument", "LetterMapping", logging,
            .product(name: "Metrics", package: "swift-metrics"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        path: "Services/Gateway/Service",
        swiftSettings: swiftSettings
    ),
    .executableTarget(
        name: "surat-gateway",
        dependencies: ["GatewayService", "GatewayCore", "ServiceKit", "Observability"],
        path: "Services/Gateway/Main",
        swiftSettings: swiftSettings
    ),
    // `surat`: the command line for staff and district IT (a client of the gateway).
    .executableTarget(
        name: "surat",
        dependencies: ["Domain", "RPC", "Observability", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                       .product(name: "Crypto", package: "swift-crypto"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                       .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
        path: "Services/CLI",
        swiftSettings: swiftSettings
    ),
    // Registry: numbering, group commit, agenda book, receipts, outbox and inbox store (library, unit-tested).
    .target(
        name: "RegistryCore",
        dependencies: ["ServiceKit", "Domain", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"), logging,
                       .product(name: "Metrics", package: "swift-metrics")],
        path: "Services/Registry/Core",
        swiftSettings: swiftSettings
    ),
    .target(
        name: "RegistryServer",
        dependencies: [
            "RegistryCore", "ServiceKit", "Domain", "RPC", "Wire", "LetterDocument", "LetterMapping", "LetterSeal", logging,
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        path: "Services/Registry/Service",
        swiftSettings: swiftSettings
    ),
    .executableTarget(
        name: "surat-registry",
        dependencies: ["RegistryServer", "RegistryCore", "ServiceKit", "Domain", "ProtoDescriptors"],
        path: "Services/Registry/Main",
        swiftSettings: swiftSettings
    ),
    // The registry load generator (surat-bench registry): HdrHistogram percentiles, integrity check.
    .executableTarget(
        name: "surat-bench",
        dependencies: [
            "Domain", "RPC", "ServiceKit", "Wire", .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ],
        path: "Services/Bench",
        swiftSettings: swiftSettings
    ),
    // Drafting (SOP step 2) and approval (step 3): handlers and stores as libraries (tested
    // in-process), each with a thin executable.
    .target(
        name: "DraftingCore",
        dependencies: ["ServiceKit", "Domain", "RPC", logging, .product(name: "GRDB", package: "GRDB.swift")],
        path: "Services/Drafting",
        sources: ["Core", "Service"],
        swiftSettings: swiftSettings
    ),
    .executableTarget(
        name: "surat-drafting",
        dependencies: ["DraftingCore", "ServiceKit", "Domain", "ProtoDescriptors"],
        path: "Services/Drafting/Main",
        swiftSettings: swiftSettings
    ),
    .target(
        name: "ApprovalCore",
        dependencies: ["ServiceKit", "Domain", "RPC", logging, .product(name: "GRDB", package: "GRDB.swift")],
        path: "Services/Approval",
        sources: ["Core", "Service"],
        swiftSettings: swiftSettings
    ),
    .executableTarget(
        name: "surat-approval",
        dependencies: ["ApprovalCore", "ServiceKit", "Domain", "ProtoDescriptors"],
        path: "Services/Approval/Main",
        swiftSettings: swiftSettings
    ),
    // `surat-letter`: render a letter document from JSON files, regenerate the sample, benchmark.
    .executableTarget(
        name: "surat-letter",
        dependencies: ["LetterDocument", "LetterSeal", .product(name: "ArgumentParser", package: "swift-argument-parser")],
        path: "Services/LetterTool",
        swiftSettings: swiftSettings
    ),
    // Signing (SOP steps 4 and 5): keys sealed under scrypt, Ed25519 signatures, delegations,
    // lockout; library (tested in-process) plus a thin executable.
    .target(
        name: "SigningCore",
        dependencies: [
            "ServiceKit", "Domain", "RPC", "Wire", logging, .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "Metrics", package: "swift-metrics"),
        ],
        path: "Services/Signing",
        sources: ["Core", "Service"],
        swiftSettings: swiftSettings
    ),
    .executableTarget(
        name: "surat-signing",
        dependencies: ["SigningCore", "ServiceKit", "Domain", "ProtoDescriptors"],
        path: "Services/Signing/Main",
        swiftSettings: swiftSettings
    ),
    // The public verification site (surat-verify, 7490): pages over Hummingbird, registry lookups
    // with the read-only verifier credential, upload check with LetterSeal.
    .target(
        name: "VerifySite",
        dependencies: [
            "Domain", "RPC", "ServiceKit", "LetterSeal", logging, .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "MultipartKit", package: "multipart-kit"),
        ],
        path: "Services/Verify/Service",
        swiftSettings: swiftSettings
    ),
    .executableTarget(
        name: "surat-verify",
        dependencies: ["VerifySite", "ServiceKit"],
        path: "Services/Verify/Main",
        swiftSettings: swiftSettings
    ),
    // surat-web: the office's web app, a client of the gateway (sessions, pages, forms) as a
    // library (tested) plus a thin executable.
    .target(
        name: "WebApp",
        dependencies: [
            "Domain", "RPC", "ServiceKit", "LetterDocument", logging, .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        path: "Services/Web/Service",
        swiftSettings: swiftSettings
    ),
    .executableTarget(
        name: "surat-web",
        dependencies: ["WebApp", "ServiceKit"],
        path: "Services/Web/Main",
        swiftSettings: swiftSettings
    ),
]

// MARK: - Tests

let testTargets: [Target] = [
    .testTarget(name: "WireTests", dependencies: ["Wire"], path: "Tests/WireTests", swiftSettings: swiftSettings),
    .testTarget(
        name: "RPCTests",
        dependencies: ["RPC", "Wire", "EchoService", "ProtoDescriptors", logging] + nio,
        path: "Tests/RPCTests",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "GatewayTests",
        dependencies: ["GatewayCore", "GatewayService", "Domain", "Wire", "ServiceKit", .product(name: "GRDB", package: "GRDB.swift"),
                       .product(name: "InMemoryLogging", package: "swift-log")],
        path: "Tests/GatewayTests",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "RegistryTests",
        dependencies: ["RegistryCore", "RegistryServer", "Domain", "RPC", "ServiceKit", "Wire", "LetterDocument", "LetterMapping", logging],
        path: "Tests/RegistryTests",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "SigningTests",
        dependencies: ["SigningCore", "ServiceKit", "Domain", "RPC", "Wire", logging, .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto")],
        path: "Tests/SigningTests",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "ServiceKitTests",
        dependencies: ["ServiceKit", "Domain", "RPC", "Wire", logging, .product(name: "GRDB", package: "GRDB.swift")],
        path: "Tests/ServiceKitTests",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "WebAppTests",
        dependencies: ["WebApp", "Domain", "RPC"],
        path: "Tests/WebAppTests",
        swiftSettings: swiftSettings
    ),
    // The letter renderer, checked with the real PDF tools (pdftotext, zbarimg, qpdf, pdftoppm).
    .testTarget(
        name: "LetterDocumentTests",
        dependencies: ["LetterDocument", .product(name: "Crypto", package: "swift-crypto")],
        path: "Tests/LetterDocumentTests",
        swiftSettings: swiftSettings
    ),
    // One source of truth: the Swift types every server registers against proto-notes/ (issue 11, item 10).
    .testTarget(
        name: "ContractTests",
        dependencies: ["Wire", "RPC", "ProtoDescriptors", "Domain", "ServiceKit", "DraftingCore", "ApprovalCore", "SigningCore",
                       "RegistryCore", "RegistryServer", "GatewayCore", "GatewayService", "EchoService", logging],
        path: "Tests/ContractTests",
        swiftSettings: swiftSettings
    ),
    // The office seal on renderer output; pdfsig and pyHanko check it in Tests/python/test_letter_seal.py.
    .testTarget(
        name: "LetterSealTests",
        dependencies: ["LetterSeal", "LetterDocument"],
        path: "Tests/LetterSealTests",
        swiftSettings: swiftSettings
    ),
    // Steps 2 and 3 share one harness (both services in-process, called over real RPC).
    .testTarget(
        name: "DraftingApprovalTests",
        dependencies: ["DraftingCore", "ApprovalCore", "ServiceKit", "Domain", "RPC", logging],
        path: "Tests/DraftingApprovalTests",
        swiftSettings: swiftSettings
    ),
]

let package = Package(
    name: "surat-keluar",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "surat-echo", targets: ["surat-echo"]),
        .executable(name: "surat-signing", targets: ["surat-signing"]),
        .executable(name: "surat-gateway", targets: ["surat-gateway"]),
        .executable(name: "surat", targets: ["surat"]),
        .executable(name: "surat-registry", targets: ["surat-registry"]),
        .executable(name: "surat-bench", targets: ["surat-bench"]),
        .executable(name: "surat-drafting", targets: ["surat-drafting"]),
        .executable(name: "surat-approval", targets: ["surat-approval"]),
        .executable(name: "surat-web", targets: ["surat-web"]),
        .executable(name: "surat-letter", targets: ["surat-letter"]),
        .executable(name: "surat-verify", targets: ["surat-verify"]),
        // Wire as a library product so the separate Benchmarks/ package can depend on it.
        .library(name: "Wire", targets: ["Wire"]),
    ],
    dependencies: dependencies,
    targets: sharedTargets + executableTargets + testTargets
)
