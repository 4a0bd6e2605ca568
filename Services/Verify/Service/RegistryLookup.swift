import Crypto
import Domain
import Foundation
import LetterSeal
import Logging
import RPC
import ServiceKit
import Synchronization

/// What the site asks the registry, with the verifier credential, and what it remembers briefly.
/// Public records are cached for `cacheSeconds` (a cancellation shows up within that time);
/// seal verdicts forever by PDF digest (a digest names one exact file).
final class RegistryLookup: Sendable {
    enum Answer: Sendable {
        case found(RegistryAPI.PublicRecord)
        case notFound
    }

    private struct Cached: Sendable {
        var answer: Answer
        var until: ContinuousClock.Instant
    }

    private let client: RPCClient
    private let metadata: Metadata
    private let timeout: Duration
    private let cacheFor: Duration
    private let records = Mutex<[String: Cached]>([:])
    private let sealVerdicts = Mutex<[Data: SealVerdict]>([:])
    private let verifier: SealVerifier
    private static let cacheLimit = 10_000

    init(configuration: VerifyConfiguration, logger: Logger) throws {
        let endpoint = try configuration.registryEndpoint()
        let tls = try ClientTLSConfiguration.fromConfiguration(
            trustRootsPath: configuration.registryTrustRootsPath, certificatePath: configuration.registryCertificatePath,
            keyPath: configuration.registryKeyPath, keyPrefix: "registry")
        client = try RPCClient(host: endpoint.host, port: endpoint.port, tls: tls, maxReceiveMessageSize: 4 << 20)
        metadata = ServiceMetadata.make(token: try configuration.resolvedServiceToken(), actor: nil)
        timeout = .seconds(configuration.registryTimeoutSeconds)
        cacheFor = .seconds(configuration.cacheSeconds)
        guard !configuration.officeCaPath.isEmpty else {
            throw ConfigError.invalid("set officeCaPath: the office CA certificate the seal must chain to")
        }
        do {
            verifier = try SealVerifier(trustedRootsPEM: Data(contentsOf: URL(fileURLWithPath: configuration.officeCaPath)))
        } catch {
            throw ConfigError.invalid("officeCaPath \(configuration.officeCaPath): \(error)")
        }
    }

    func close() async { await client.close() }

    /// The public record for a verification id (cached briefly, not-found included).
    func record(verificationID: String) async throws -> Answer {
        let now = ContinuousClock.now
        if let hit = records.withLock({ $0[verificationID] }), hit.until > now { return hit.answer }
        let answer: Answer
        do {
            answer = .found(try await client.call(RegistryAPI.getPublicRecord, .init(verificationID: verificationID),
                                                  metadata: metadata, timeout: timeout))
        } catch let error as RPCError where error.code == .notFound {
            answer = .notFound
        }
        if cacheFor > .zero {
            records.withLock { cache in
                if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
                cache[verificationID] = Cached(answer: answer, until: now + cacheFor)
            }
        }
        return answer
    }

    /// The registered letter whose final PDF has exactly this SHA-256, if any.
    func record(pdfSHA256 digest: Data) async throws -> RegistryAPI.PublicRecord? {
        do {
            return try await client.call(RegistryAPI.findByPDFDigest, .init(sha256: digest), metadata: metadata, timeout: timeout)
        } catch let error as RPCError where error.code == .notFound {
            return nil
        }
    }

    /// The registered final PDF, fetched in chunks and checked against the digest the registry gives.
    func pdf(verificationID: String) async throws -> Data {
        var data = Data()
        var total: UInt64 = 1
        var digest = Data()
        while UInt64(data.count) < total {
            let chunk = try await client.call(
                RegistryAPI.getLetterPDF, .init(verificationID: verificationID, offset: UInt64(data.count)),
                metadata: metadata, timeout: timeout)
            total = chunk.totalSize
            digest = chunk.sha256
            guard !chunk.data.isEmpty || UInt64(data.count) >= total else {
                throw RPCError(.dataLoss, "the registry sent an empty chunk at \(data.count) of \(total)")
            }
            data.append(chunk.data)
        }
        guard Data(SHA256.hash(data: data)) == digest else {
            throw RPCError(.dataLoss, "the PDF from the registry does not match its SHA-256")
        }
        return data
    }

    /// The seal verdict of the registered PDF (fetched once per digest); nil when it cannot be fetched.
    func sealVerdict(of record: RegistryAPI.PublicRecord) async -> SealVerdict? {
        guard !record.pdfSHA256.isEmpty else { return nil }
        if let known = sealVerdicts.withLock({ $0[record.pdfSHA256] }) { return known }
        guard let pdf = try? await pdf(verificationID: record.verificationID) else { return nil }
        let verdict = verifier.verify(pdf)
        sealVerdicts.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[record.pdfSHA256] = verdict
        }
        return verdict
    }

    func verifySeal(_ pdf: Data) -> SealVerdict { verifier.verify(pdf) }
}
