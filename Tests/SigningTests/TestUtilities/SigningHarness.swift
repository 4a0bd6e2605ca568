import Domain
import Foundation
import GRDB
import Logging
import ServiceKit
import Testing
@testable import SigningCore

/// An in-process signing service on a real SQLite file in a fresh temporary folder, with a
/// manual clock and a cheap scrypt cost (the production default is 2^16).
final class SigningHarness: Sendable {
    static let start: Int64 = 1_764_000_000_000  // 2025-11-24T16:00:00Z
    static let camatPassphrase = "rahasia-camat-sooko"
    static let sekretarisPassphrase = "rahasia-sekcam-sooko"

    let folder: URL
    let databasePath: String
    let clock = ManualSigningClock(unixMillis: SigningHarness.start)
    let service: SigningService
    let database: DatabasePool
    let logs = LogCapture()

    let admin = SigningCaller(actorId: "admin-1", actorRole: "admin", actorName: "Admin TI")
    let camat = SigningCaller(actorId: "camat-1", actorRole: "camat", actorName: "Drs. Camat")
    let sekretaris = SigningCaller(actorId: "sekcam-1", actorRole: "sekretaris", actorName: "Sekretaris")
    let clerk = SigningCaller(actorId: "staf-1", actorRole: "staf_umum", actorName: "Staf Umum")

    init(policy: SigningPolicy = SigningHarness.testPolicy()) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("signing-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        databasePath = folder.appendingPathComponent("signing.sqlite").path
        database = try Self.open(path: databasePath)
        service = SigningService(database: database, policy: policy, clock: clock.clock, logger: logs.logger(label: "signing-test"))
    }

    /// The same opening path as the executable (WAL, synchronous=FULL, migrations).
    static func open(path: String) throws -> DatabasePool {
        try ServiceDatabase.open(path: path) { migrator in SigningSchema.register(in: &migrator) }
    }

    static func testPolicy() -> SigningPolicy {
        var policy = SigningPolicy()
        policy.scrypt = ScryptCost(log2N: 10, blockSize: 8, parallelism: 1)
        return policy
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    @discardableResult
    func registerCamat() async throws -> RegisterSignerResponse {
        try await service.registerSigner(RegisterSignerRequest(
            requestId: "reg-camat",
            signer: PublishedSigner(id: camat.actorId, name: "Drs. Bambang Camat", nip: "196801011990031001", position: "Camat Sooko", role: "camat"),
            passphrase: Self.camatPassphrase), caller: admin)
    }

    @discardableResult
    func registerSekretaris() async throws -> RegisterSignerResponse {
        try await service.registerSigner(RegisterSignerRequest(
            requestId: "reg-sekcam",
            signer: PublishedSigner(id: sekretaris.actorId, name: "Siti Sekretaris", nip: "197502022000032002",
                                    position: "Sekretaris Kecamatan Sooko", role: "sekretaris"),
            passphrase: Self.sekretarisPassphrase), caller: admin)
    }

    static func content(subject: String = "Undangan rapat koordinasi") -> LetterContent {
        LetterContent(type: .undangan, classificationCode: "005", subject: subject, body: "Dengan hormat, ...",
                      sifat: .biasa, urgency: .segera,
                      addressees: [Addressee(name: "Kepala Desa Sooko", kind: .desa)], draftingUnit: "Seksi Pemerintahan", place: "Sooko")
    }

    static func parafs(for content: LetterContent) throws -> (Paraf, Paraf) {
        let digest = try content.digest()
        let drafter = Paraf(actor: ActorIdentity(id: "drafter-1", name: "Drafter", role: .drafter), role: "drafter",
                            initialledAt: Date(timeIntervalSince1970: 1_763_999_000), revisionDigest: digest, revision: 2)
        let sekretaris = Paraf(actor: ActorIdentity(id: "sekcam-1", name: "Sekretaris", role: .sekretaris), role: "sekretaris",
                               initialledAt: Date(timeIntervalSince1970: 1_763_999_500), revisionDigest: digest, revision: 2)
        return (drafter, sekretaris)
    }

    func upload(letterId: String = "letter-1", content: LetterContent = SigningHarness.content(), requestId: String? = nil) async throws -> SigningRequestRecord {
        let (drafter, sekretaris) = try Self.parafs(for: content)
        return try await service.upload(UploadForSignatureRequest(
            requestId: requestId ?? "upload-\(letterId)", letterId: letterId, content: content,
            drafterParaf: drafter, sekretarisParaf: sekretaris), caller: clerk)
    }

    func sign(_ upload: SigningRequestRecord, as caller: SigningCaller? = nil, passphrase: String = SigningHarness.camatPassphrase,
              requestId: String? = nil) async throws -> SignatureRecord {
        let caller = caller ?? camat
        return try await service.sign(SignRequest(requestId: requestId ?? "sign-\(upload.signingRequestId)",
                                                  signingRequestId: upload.signingRequestId, passphrase: passphrase), caller: caller)
    }

    /// All bytes of the database files (main file and WAL), as an attacker with the disk would see them.
    func databaseFileBytes() throws -> [UInt8] {
        var bytes: [UInt8] = []
        for suffix in ["", "-wal"] {
            let path = databasePath + suffix
            if FileManager.default.fileExists(atPath: path) {
                bytes += [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            }
        }
        return bytes
    }
}

func expectSigningError<T>(_ code: SigningError.Code, containing text: String = "", _ body: () async throws -> T,
                           sourceLocation: SourceLocation = #_sourceLocation) async {
    do {
        _ = try await body()
        Issue.record("expected \(code), call succeeded", sourceLocation: sourceLocation)
    } catch let error as SigningError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        if !text.isEmpty {
            #expect(error.message.contains(text), "\(error.message)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected SigningError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        let first = needle[0]
        var index = 0
        while index <= count - needle.count {
            if self[index] == first && Array(self[index..<index + needle.count]) == needle { return true }
            index += 1
        }
        return false
    }
}
