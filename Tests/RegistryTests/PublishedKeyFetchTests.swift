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
@Suite("Published keys: one fetch, awaited by every caller", .timeLimit(.minutes(10)))
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

    /// A stand-in signing service whose published keys the test changes, counting ListPublicKeys calls.
    final class ChangingSigning: Sendable {
        final class Keys: Sendable {
            let value: Mutex<ListPublicKeysResponse>
            init(_ keys: ListPublicKeysResponse) { value = Mutex(keys) }
        }

        let server: RPCServer
        let calls = Counter()
        let published: Keys

        init(keys: ListPublicKeysResponse) async throws {
            let published = Keys(keys)
            self.published = published
            var service = ServiceDescriptor(name: SigningAPI.serviceName)
            let calls = calls
            service.unary(SigningAPI.listPublicKeys) { _, _ in
                calls.value.withLock { $0 += 1 }
                return published.value.withLock { $0 }
            }
            server = try RPCServer(configuration: ServerConfiguration(host: "127.0.0.1", port: 0), services: [service],
                                   logger: Logger(label: "changing-signing"))
            try await server.start()
        }

        func directory() throws -> PublishedKeyDirectory {
            try PublishedKeyDirectory(trustedKeysFile: "", signingEndpoint: "127.0.0.1:\(server.localPort)", signingToken: "token",
                                      refreshInterval: .seconds(600), logger: PublishedKeyFetchTests.logger())
        }

        /// Forced refetches are spaced at least a second apart (PublishedKeyDirectory.fetchTask):
        /// wait that out, so a second fetch is allowed if the directory wants one.
        static func waitOutRefetchSpacing() async throws {
            try await Task.sleep(for: .milliseconds(1100))
        }
    }

    @Test("a key the registry has not fetched yet makes it fetch again, and then the signature verifies")
    func unknownKeyIsFetched() async throws {
        let signer = TestSigner()
        var withoutKey = signer.trustedKeys
        withoutKey.keys = []
        let signing = try await ChangingSigning(keys: withoutKey)
        let directory = try signing.directory()
        let request = try signer.registration(addressees: [])
        let digest = Data(SHA256.hash(data: request.content))
        let before = try await directory.verify(request.signature!, contentDigest: digest)
        #expect(before.failures.first == .unknownKey)
        // One fetch, or two when the first one took longer than the refetch spacing (a loaded
        // machine): either way the key was not there to be had.
        let fetchesBefore = signing.calls.value.withLock { $0 }
        #expect((1...2).contains(fetchesBefore))
        // The key is published after the registry's first fetch (a signer registered since).
        signing.published.value.withLock { $0 = signer.trustedKeys }
        try await ChangingSigning.waitOutRefetchSpacing()
        let after = try await directory.verify(request.signature!, contentDigest: digest)
        #expect(after.valid, "\(after.checks)")
        // The unknown key sent the registry back to the signing service exactly once more.
        #expect(signing.calls.value.withLock { $0 } == fetchesBefore + 1)
        await signing.server.shutdownGracefully()
    }

    @Test("a revoked key is judged on the keys at hand: no refetch")
    func revokedKeyIsNotFetchedAgain() async throws {
        let signer = TestSigner()
        var revoked = signer.trustedKeys
        revoked.keys[0].revokedAtUnixMillis = 1
        let signing = try await ChangingSigning(keys: revoked)
        let directory = try signing.directory()
        let request = try signer.registration(addressees: [])
        let digest = Data(SHA256.hash(data: request.content))
        let first = try await directory.verify(request.signature!, contentDigest: digest)
        #expect(first.failures == [.keyNotValid])
        try await ChangingSigning.waitOutRefetchSpacing()
        let second = try await directory.verify(request.signature!, contentDigest: digest)
        #expect(second.failures == [.keyNotValid])
        // One fetch at the start; a revoked key never sends the registry back to the signing service.
        #expect(signing.calls.value.withLock { $0 } == 1)
        await signing.server.shutdownGracefully()
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
