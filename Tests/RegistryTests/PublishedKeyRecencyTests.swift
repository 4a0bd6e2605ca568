import Crypto
import Domain
import Foundation
import Testing
@testable import RegistryServer

/// A key or delegation published just after the registry's last fetch, and used to sign right away,
/// used to be reported "not published" for up to a second (forced refetches were spaced a second
/// apart whatever the signature): a valid signature must never look invalid for a transient reason.
@Suite("Published keys: a signature newer than the last fetch refetches", .timeLimit(.minutes(2)))
struct PublishedKeyRecencyTests {
    @Test func keyPublishedJustAfterAFetchIsFetchedAtOnce() async throws {
        let signer = TestSigner()
        var withoutKey = signer.trustedKeys
        withoutKey.keys = []
        let signing = try await PublishedKeyFetchTests.ChangingSigning(keys: withoutKey)
        let directory = try signing.directory()
        let early = try signer.registration(addressees: [])
        let first = try await directory.verify(early.signature!, contentDigest: Data(SHA256.hash(data: early.content)))
        #expect(first.failures.first == .unknownKey)
        #expect(signing.calls.value.withLock { $0 } == 1)
        // Published and signed with at once, without waiting out the one-second spacing.
        signing.published.value.withLock { $0 = signer.trustedKeys }
        let request = try signer.registration(addressees: [])
        let report = try await directory.verify(request.signature!, contentDigest: Data(SHA256.hash(data: request.content)))
        #expect(report.valid, "\(report.checks)")
        #expect(signing.calls.value.withLock { $0 } == 2)
        await signing.server.shutdownGracefully()
    }

    @Test func signatureOlderThanTheLastFetchKeepsTheSpacing() async throws {
        let signer = TestSigner()
        var withoutKey = signer.trustedKeys
        withoutKey.keys = []
        let signing = try await PublishedKeyFetchTests.ChangingSigning(keys: withoutKey)
        let directory = try signing.directory()
        var old = try signer.registration(addressees: [])
        // Made a minute before the fetch: whatever it names was there to be fetched.
        var fields = try #require(old.signature?.fields)
        fields.signedAtUnixMillis -= 60_000
        old.signature?.fields = fields
        let digest = Data(SHA256.hash(data: old.content))
        _ = try await directory.verify(old.signature!, contentDigest: digest)
        _ = try await directory.verify(old.signature!, contentDigest: digest)
        #expect(signing.calls.value.withLock { $0 } == 1)
        await signing.server.shutdownGracefully()
    }
}
