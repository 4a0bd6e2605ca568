import Crypto
import Domain
import Foundation
import Logging
import RegistryCore
import RPC
import ServiceKit
import Synchronization
import Testing
@testable import RegistryServer

/// Issue 11, item 4: right after a restart, concurrent Register calls arrived while the registry
/// fetched the signing keys for the first time; all but one skipped the fetch and reported a
/// valid signature as "not among the published keys".
@Suite("Published keys: one fetch, awaited by every caller")
struct PublishedKeyFetchTests {
    /// A stand-in signing service whose ListPublicKeys is slow, counting its calls.
    final class Counter: Sendable {
        let value = Mutex(0)
    }

    final class SlowSigning: Sendable {
        let server: RPCServer
        let calls = Counter()

        init(keys: ListPublicKeysResponse) async throws {
            var service = ServiceDescriptor(name: SigningAPI.serviceName)
            let calls = calls
            service.unary(SigningAPI.listPublicKeys) { _, _ in
                calls.value.withLock { $0 += 1 }
                try await Task.sleep(for: .milliseconds(300))
                return keys
            }
            server = try RPCServer(configuration: ServerConfiguration(host: "127.0.0.1", port: 0), services: [service],
                                   logger: Logger(label: "slow-signing"))
            try await server.start()
        }
    }

    static func logger() -> Logger {
        var logger = Logger(label: "published-keys-test")
        logger.logLevel = .critical
        return logger
    }

    @Test("a burst during the first fetch waits for it: every valid signature verifies, one fetch")
    func burstWaitsForTheFirstFetch() async throws {
        let signer = TestSigner()
        let signing = try await SlowSigning(keys: signer.trustedKeys)
        let directory = try PublishedKeyDirectory(trustedKeysFile: "", signingEndpoint: "127.0.0.1:\(signing.server.localPort)",
                                                  signingToken: "token", refreshInterval: .seconds(600), logger: Self.logger())
        let requests = try (0..<12).map { _ in try signer.registration(addressees: []) }
        let reports = try await withThrowingTaskGroup(of: VerificationReport.self) { group in
            for request in requests {
                group.addTask {
                    try await directory.verify(request.signature!, contentDigest: Data(SHA256.hash(data: request.content)))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(reports.count == 12)
        let invalid = reports.filter { !$0.valid }.compactMap(\.firstProblem).map(\.detail)
        #expect(invalid.isEmpty, "\(invalid)")
        #expect(signing.calls.value.withLock { $0 } == 1)
        await signing.server.shutdownGracefully()
    }

    @Test("keys that cannot be had are UNAVAILABLE, not an invalid signature")
    func unreachableSigningIsUnavailable() async throws {
        let signer = TestSigner()
        // Port 9 (discard) is never served on the test machines: nothing answers there.
        let directory = try PublishedKeyDirectory(trustedKeysFile: "", signingEndpoint: "127.0.0.1:9", signingToken: "token",
                                                  refreshInterval: .seconds(600), logger: Self.logger())
        let request = try signer.registration(addressees: [])
        let error = await #expect(throws: RegistryError.self) {
            _ = try await directory.verify(request.signature!, contentDigest: Data(SHA256.hash(data: request.content)))
        }
        #expect(error?.kind == .unavailable)
    }
}
