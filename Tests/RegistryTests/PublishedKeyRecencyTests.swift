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
        // Published and signed with at once, without waiting out the one-second spacing.
        signing.published.value.withLock { $0 = signer.trustedKeys }
        let request = try signer.registration(addressees: [])
        let report = try await directory.verify(request.signature!, contentDigest: Data(SHA256.hash(data: request.content)))
        // Before, this waited for the one-second spacing of forced fetches and was refused meanwhile.
        #expect(report.valid, "\(report.checks)")
        await signing.server.shutdownGracefully()
    }
}
