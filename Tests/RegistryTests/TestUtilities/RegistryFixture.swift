import Crypto
import Foundation
import Logging
@testable import RegistryCore

/// A registry store on a fresh SQLite file in a temporary directory.
/// `@unchecked`: the signing key is an immutable value, just not annotated Sendable in Crypto 3.
struct RegistryFixture: @unchecked Sendable {
    let directory: URL
    let store: RegistryStore
    let signer = Curve25519.Signing.PrivateKey()

    init(template: String = LetterNumberFormat.defaultTemplate, scope: NumberingScope = .unitYear,
         timeZone: OfficeTimeZone = .wib, units: [String] = [], addressBook: [String: String] = [:],
         clock: RegistryClock = .system, maxBatch: Int = 512, directory: URL? = nil) throws {
        let directory = directory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("registry-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        let settings = RegistrySettings(officeId: "kec-sooko", officeName: "Kecamatan Sooko", defaultUnit: "416-313",
                                        units: units, numberFormat: try LetterNumberFormat(template), scope: scope,
                                        timeZone: timeZone, maxBatch: maxBatch, addressBook: addressBook)
        let pool = try RegistryDatabase.open(path: directory.appendingPathComponent("registry.sqlite").path)
        let key = try RegistryKey.loadOrCreate(at: directory.appendingPathComponent("registry-key").path)
        var logger = Logger(label: "registry-tests")
        logger.logLevel = .warning
        store = try RegistryStore(pool: pool, settings: settings, key: key, clock: clock, logger: logger)
    }

    /// A registration of a letter signed by this fixture's signer.
    func request(letterId: UUID = UUID(), requestId: String? = nil, classification: String = "065", unit: String = "",
                 subject: String = "Undangan rapat koordinasi", addressees: [Addressee] = [Addressee(id: "desa-sooko", name: "Kepala Desa Sooko")],
                 content: String? = nil) -> RegistrationRequest {
        let contentBytes = Array((content ?? "letter \(letterId) \(subject)").utf8)
        let digest = Array(SHA256.hash(data: contentBytes))
        let signature = Array(try! signer.signature(for: digest))
        return RegistrationRequest(
            requestId: requestId ?? "req-\(letterId.uuidString.lowercased())", letterId: letterId, content: contentBytes,
            contentDigest: digest, classification: classification, unit: unit, subject: subject, addressees: addressees,
            attachmentCount: 1, sifat: "Biasa", urgency: "Biasa", letterType: "undangan", remarks: "",
            registeredBy: "staf-umum-1",
            signature: VerifiedSignature(signerId: "camat", signerName: "Camat Sooko", keyId: "key-1",
                                         signerPublicKey: Array(signer.publicKey.rawRepresentation), signedAt: Date(),
                                         onBehalfOf: "", reference: "sig-\(letterId)", signature: signature,
                                         record: Array("record".utf8)))
    }

    func remove() {
        store.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A clock the test moves by hand (`@unchecked`: `lock` guards `current`).
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date) { current = start }
    var now: Date { lock.lock(); defer { lock.unlock() }; return current }
    func set(_ date: Date) { lock.lock(); current = date; lock.unlock() }
    var registryClock: RegistryClock { RegistryClock { [self] in self.now } }
}

extension Date {
    /// A civil time in the given office zone.
    static func office(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int,
                       _ zone: OfficeTimeZone = .wib) -> Date {
        zone.calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
    }
}
