// swift-tools-version: 6.0
// Wire-format benchmark: our Codable protobuf encoder/decoder against swift-protobuf generated
// code and Foundation's JSONEncoder/JSONDecoder, on one realistic letter. Not built by CI.
// Run: swift run -c release wire-bench   (see BENCHMARKS.md)
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which depends on where the repository
// was cloned; read it rather than hard-coding "main".
let rootIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

let package = Package(
    name: "surat-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
    ],
    targets: [
        .executableTarget(
            name: "wire-bench",
            dependencies: [
                .product(name: "Wire", package: rootIdentity),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/WireBench"
        ),
    ]
)
