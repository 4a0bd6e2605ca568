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
]

let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
    .product(name: "NIOSSL", package: "swift-nio-ssl"),
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
    // Maps the services' records (Domain) onto LetterDocument's model: content, signature, paraf.
    .target(
        name: "LetterDocumentDomain",
        dependencies: ["LetterDocument", "Domain"],
        path: "Shared/LetterDocumentDomain",
        swiftSettings: swiftSettings
    ),
    // Codable <-> protobuf (proto3) wire format.
    .target(name: "Wire", path: "Shared/Wire", swiftSettings: swiftSettings),
    // gRPC-compatible server and client over SwiftNIO sockets and nghttp2 sessions.
    .target(
        name: "RPC",
        dependencies: ["CNghttp2", "Wire", logging] + nio,
        path: "Shared/RPC",
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
        ],
        path: "Shared/ServiceKit",
        swiftSettings: swiftSettings
    ),
]

// MARK: - Executables

let executableTargets: [Target] = [
    // The example echo service used by tests and the transport benchmark.
    .target(name: "EchoService", dependencies: ["RPC"], path: "Services/Echo/EchoService", swiftSettings: swiftSettings),
    .executableTarget(
        name: "surat-echo",
        dependencies: ["EchoService", "RPC", "ProtoDescriptors", logging],
        path: "Services/Echo/Main",
        swiftSettings: swiftSettings
    ),
    // Gateway: the SOP journey state machine, records, queues, SLA, users and tokens (library, unit-tested).
    .target(
        name: "GatewayCore",
        dependencies: ["Domain", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto")],
        path: "Services/Gateway/Core",
        swiftSettings: swiftSettings
    ),
    // Gateway handlers (steps through the backends, queries, admin) and the `surat-gateway` executable.
    .target(
        name: "GatewayService",
        dependencies: [
            "GatewayCore", "ServiceKit", "Domain", "RPC", "Wire", "ProtoDescriptors", logging,
            .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        path: "Services/Gateway/Service",
        swiftSettings: swiftSettings
    ),
    .executableTarget(
        name: "surat-gateway",
        dependencies: ["GatewayService", "GatewayCore", "ServiceKit"],
        path: "Services/Gateway/Main",
        swiftSettings: swiftSettings
    ),
    // `surat`: the command line for staff and district IT (a client of the gateway).
    .executableTarget(
        name: "surat",
        dependencies: ["Domain", "RPC", .product(name: "ArgumentParser", package: "swift-argument-parser")],
        path: "Services/CLI",
        swiftSettings: swiftSettings
    ),
    // Registry: numbering, group commit, agenda book, receipts, outbox and inbox store (library, unit-tested).
    .target(
        name: "RegistryCore",
        dependencies: [.product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"), logging],
        path: "Services/Registry/Core",
        swiftSettings: swiftSettings
    ),
    .target(
        name: "RegistryServer",
        dependencies: [
            "RegistryCore", "ServiceKit", "Domain", "RPC", "Wire", logging, .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        path: "Services/Registry/Server",
        swiftSettings: swiftSettings
    ),
    .executableTarget(
        name: "surat-registry",
        dependencies: ["RegistryServer", "ServiceKit", "Domain", "ProtoDescriptors"],
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
        path: "Services/Drafting/Core",
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
        path: "Services/Approval/Core",
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
        dependencies: ["LetterDocument", .product(name: "ArgumentParser", package: "swift-argument-parser")],
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
        ],
        path: "Services/Signing/Core",
        swiftSettings: swiftSettings
    ),
    .executableTarget(
        name: "surat-signing",
        dependencies: ["SigningCore", "ServiceKit", "Domain", "ProtoDescriptors"],
        path: "Services/Signing/Main",
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
        dependencies: ["GatewayCore", "GatewayService", "Domain", .product(name: "GRDB", package: "GRDB.swift")],
        path: "Tests/GatewayTests",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "RegistryTests",
        dependencies: ["RegistryCore", "RegistryServer", "Domain", "RPC", "ServiceKit", "Wire", logging],
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
    // The letter renderer, checked with the real PDF tools (pdftotext, zbarimg, qpdf, pdftoppm).
    .testTarget(
        name: "LetterDocumentTests",
        dependencies: ["LetterDocument", "LetterDocumentDomain", "Domain", .product(name: "Crypto", package: "swift-crypto")],
        path: "Tests/LetterDocumentTests",
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
        .executable(name: "surat-letter", targets: ["surat-letter"]),
        // Wire as a library product so the separate Benchmarks/ package can depend on it.
        .library(name: "Wire", targets: ["Wire"]),
    ],
    dependencies: dependencies,
    targets: sharedTargets + executableTargets + testTargets
)
