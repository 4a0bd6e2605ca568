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
/// once per second, unless the signature was made after the last fetch began) so newly registered
/// signers and delegations work at once.
package final class PublishedKeyDirectory: Sendable {
    private struct State: Sendable {
        var remote = ListPublicKeysResponse()
        var verifier: SignatureVerifier
        var fetchedAt: ContinuousClock.Instant?
        var lastAttempt: ContinuousClock.Instant?
        /// Wall-clock start of the last fetch, to compare with a signature's signing time.
        var lastAttemptUnixMillis: Int64 = 0
        /// The fetch under way, if any: every caller that needs fresh keys awaits this one task
        /// (single flight), instead of skipping it and judging a signature on stale keys.
        var inFlight: Task<Bool, Never>?
        /// Whether the last fetch failed (the keys could not be had).
        var lastFetchFailed = false
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
            client = try RPCClient(host: host, port: port, tls: tls)
        }
        token = signingToken
        self.refreshInterval = refreshInterval
        self.logger = logger
        state = LockedValue(State(verifier: fileKeys.verifier))
    }

    /// Verifies `record` for the letter with this content digest. Returns the report; a report that
    /// is not valid names the failed check. Throws UNAVAILABLE when the signature names a key we
    /// do not have and the signing service cannot be reached to fetch it: a transient condition
    /// must never make a valid signature look invalid.
    func verify(_ record: SignatureRecord, contentDigest: Data) async throws(RegistryError) -> VerificationReport {
        if client != nil, let fetch = fetchTask(force: false) { _ = await fetch.value }
        var report = state.get().verifier.verify(envelopeBytes: record.envelope, signature: record.signature,
                                                 contentDigest: contentDigest)
        guard !report.valid, client != nil, Self.unknownToUs(report) else { return report }
        // Unknown key, signer or delegation: fetch (or join the fetch already under way) once.
        if let fetch = fetchTask(force: true, signedAtUnixMillis: record.fields.signedAtUnixMillis) { _ = await fetch.value }
        report = state.get().verifier.verify(envelopeBytes: record.envelope, signature: record.signature,
                                             contentDigest: contentDigest)
        if !report.valid, Self.unknownToUs(report), state.get().lastFetchFailed {
            throw RegistryError(.unavailable, "cannot fetch the published keys from the signing service to check this "
                                + "signature's key; nothing was registered: retry with the same request_id")
        }
        return report
    }

    /// The signers and delegations as the agenda book prints them (position and name, Plh./Plt.),
    /// from the cached keys, refreshed first when they are stale.
    package func agendaSigners() async -> AgendaSigners {
        if client != nil, let fetch = fetchTask(force: false) { _ = await fetch.value }
        let remote = state.get().remote
        var signers: [String: AgendaSigners.Signer] = [:]
        for signer in fileKeys.signers + remote.signers {
            signers[signer.id] = AgendaSigners.Signer(name: signer.name, position: signer.position)
        }
        let delegations = (fileKeys.delegations + remote.delegations).map { delegation in
            AgendaSigners.Delegation(
                fromSignerId: delegation.fromSignerId, toSignerId: delegation.toSignerId,
                authority: delegation.kind == .unspecified ? "a.n." : delegation.kind.label + ".",
                validFromMillis: delegation.validFromUnixMillis, validUntilMillis: delegation.validUntilUnixMillis,
                revokedAtMillis: delegation.revokedAtUnixMillis)
        }
        return AgendaSigners(signers: signers, delegations: delegations)
    }

    /// Whether the first failure is a key, signer or delegation we have not fetched yet (never
    /// a revoked or expired key, a bad signature or changed content: fetching cannot mend those).
    static func unknownToUs(_ report: VerificationReport) -> Bool {
        report.failures.first?.isUnknownToVerifier ?? false
    }

    /// The fetch to wait for: the one under way, or a new one when the keys are stale (or, with
    /// `force`, when the last attempt is more than a second old, or began before the signature was
    /// made: a key or delegation created just before signing, and after our last fetch, must not be
    /// reported unpublished); nil when the cache will do.
    private func fetchTask(force: Bool, signedAtUnixMillis: Int64 = 0) -> Task<Bool, Never>? {
        let now = ContinuousClock.now
        return state.withValue { state -> Task<Bool, Never>? in
            if let running = state.inFlight { return running }
            if force {
                // The hosts' clocks are synchronised (NTP), as key validity periods already require.
                let fetchedAfterSigning = state.lastAttemptUnixMillis >= signedAtUnixMillis
                if let last = state.lastAttempt, now - last < .seconds(1), !state.lastFetchFailed, fetchedAfterSigning { return nil }
            } else if let fetched = state.fetchedAt, now - fetched < refreshInterval {
                return nil
            } else if state.fetchedAt != nil, let last = state.lastAttempt, now - last < .seconds(1) {
                return nil
            }
            state.lastAttempt = now
            state.lastAttemptUnixMillis = Int64(Date().timeIntervalSince1970 * 1000)
            let task = Task { await self.refresh() }
            state.inFlight = task
            return task
        }
    }

    /// Fetches the keys once; true on success. Clears `inFlight` when done.
    private func refresh() async -> Bool {
        guard let client else { return false }
        do {
            let metadata = ServiceMetadata.make(token: token, actor: ActorIdentity(id: "surat-registry", name: "registry", role: .stafUmum))
            let remote = try await client.call(SigningAPI.listPublicKeys, ListPublicKeysRequest(), metadata: metadata, timeout: .seconds(5))
            let merged = SignatureVerifier(signers: fileKeys.signers + remote.signers, keys: fileKeys.keys + remote.keys,
                                           delegations: fileKeys.delegations + remote.delegations)
            state.withValue { state in
                state.remote = remote
                state.verifier = merged
                state.fetchedAt = .now
                state.lastFetchFailed = false
                state.inFlight = nil
            }
            logger.debug("published keys refreshed", metadata: ["keys": "\(remote.keys.count)"])
            return true
        } catch {
            state.withValue { state in
                state.lastFetchFailed = true
                state.inFlight = nil
            }
            logger.warning("cannot fetch published keys from the signing service", metadata: ["error": "\(error)"])
            return false
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
