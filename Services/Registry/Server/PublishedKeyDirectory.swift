import Domain
import Foundation
import Logging
import RegistryCore
import RPC
import ServiceKit

/// The signing service's published keys, cached, so verifying a signature on Register costs one
/// Ed25519 verification and no network round trip.
///
/// Sources: a trusted-keys file (a JSON `ListPublicKeysResponse`, for offline or benchmark use)
/// and/or the signing service's `ListPublicKeys`. Fetched keys are reused for `refreshInterval`;
/// a signature naming a key, signer or delegation we do not know triggers one refetch (at most
/// once per second) so newly registered signers work at once.
package final class PublishedKeyDirectory: Sendable {
    private struct State: Sendable {
        var remote = ListPublicKeysResponse()
        var verifier: SignatureVerifier
        var fetchedAt: ContinuousClock.Instant?
        var lastAttempt: ContinuousClock.Instant?
        var refreshing = false
    }

    private let fileKeys: ListPublicKeysResponse
    private let client: RPCClient?
    private let token: String
    private let refreshInterval: Duration
    private let logger: Logger
    private let state: LockedValue<State>

    package init(trustedKeysFile: String, signingEndpoint: String, signingToken: String, refreshInterval: Duration,
                tls: ClientTLSConfiguration? = nil, logger: Logger) throws {
        var fileKeys = ListPublicKeysResponse()
        if !trustedKeysFile.isEmpty {
            guard let data = FileManager.default.contents(atPath: trustedKeysFile) else {
                throw ConfigError.invalid("cannot read trustedKeysFile \(trustedKeysFile)")
            }
            do { fileKeys = try JSONDecoder().decode(ListPublicKeysResponse.self, from: data) } catch {
                throw ConfigError.invalid("trustedKeysFile \(trustedKeysFile) is not a ListPublicKeysResponse in JSON: \(error)")
            }
        }
        self.fileKeys = fileKeys
        if signingEndpoint.isEmpty {
            client = nil
        } else {
            let (host, port) = try Endpoint.parse(signingEndpoint, key: "signingEndpoint")
            client = try RPCClient(host: host, port: port, tls: tls, logger: logger)
        }
        token = signingToken
        self.refreshInterval = refreshInterval
        self.logger = logger
        state = LockedValue(State(verifier: fileKeys.verifier))
    }

    /// Verifies `record` for the letter with this content digest. Returns the report; a report that
    /// is not valid names the failed check.
    func verify(_ record: SignatureRecord, contentDigest: Data) async -> VerificationReport {
        if client != nil, needsRefresh(force: false) { await refresh() }
        var report = state.get().verifier.verify(envelopeBytes: record.envelope, signature: record.signature,
                                                 contentDigest: contentDigest)
        if !report.valid, client != nil, Self.unknownToUs(report), needsRefresh(force: true) {
            await refresh()
            report = state.get().verifier.verify(envelopeBytes: record.envelope, signature: record.signature,
                                                 contentDigest: contentDigest)
        }
        return report
    }

    private static func unknownToUs(_ report: VerificationReport) -> Bool {
        guard let problem = report.firstProblem else { return false }
        return problem.detail.contains("not published") || problem.detail.contains("not among the published")
    }

    private func needsRefresh(force: Bool) -> Bool {
        let now = ContinuousClock.now
        return state.withValue { state in
            guard !state.refreshing else { return false }
            if let last = state.lastAttempt, now - last < .seconds(1) { return false }
            if !force, let fetched = state.fetchedAt, now - fetched < refreshInterval { return false }
            state.refreshing = true
            state.lastAttempt = now
            return true
        }
    }

    private func refresh() async {
        guard let client else { return }
        do {
            let metadata = ServiceMetadata.make(token: token, actor: ActorIdentity(id: "surat-registry", name: "registry", role: .stafUmum))
            let remote = try await client.call(SigningAPI.listPublicKeys, ListPublicKeysRequest(), metadata: metadata, timeout: .seconds(5))
            let merged = SignatureVerifier(signers: fileKeys.signers + remote.signers, keys: fileKeys.keys + remote.keys,
                                           delegations: fileKeys.delegations + remote.delegations)
            state.withValue { state in
                state.remote = remote
                state.verifier = merged
                state.fetchedAt = .now
                state.refreshing = false
            }
            logger.debug("published keys refreshed", metadata: ["keys": "\(remote.keys.count)"])
        } catch {
            state.withValue { $0.refreshing = false }
            logger.warning("cannot fetch published keys from the signing service", metadata: ["error": "\(error)"])
        }
    }
}

enum Endpoint {
    /// "host:port" (IPv6 as "[::1]:7404").
    static func parse(_ text: String, key: String) throws(ConfigError) -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw .invalid("\(key) \"\(text)\" must be host:port")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw .invalid("\(key) \"\(text)\" must be host:port") }
        return (host, port)
    }
}
