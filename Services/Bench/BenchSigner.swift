import ArgumentParser
import Crypto
import Domain
import Foundation
import Wire

/// A stand-in Camat for load tests: signs letter envelopes exactly as the signing service does
/// (same canonical envelope bytes, Ed25519), with a key the registry is told to trust through its
/// `trustedKeysFile`. The registry's verification path is the real one.
struct BenchSigner: @unchecked Sendable {  // Curve25519 keys are immutable values, not annotated Sendable in Crypto 3
    static let signerId = "bench-camat"
    let key: Curve25519.Signing.PrivateKey

    var publicKey: Data { key.publicKey.rawRepresentation }
    var keyId: String { SigningKeyID.derive(publicKey: publicKey) }

    static func load(path: String) throws -> BenchSigner {
        guard let data = FileManager.default.contents(atPath: path), data.count == 32 else {
            throw ValidationError("cannot read a 32-byte signer key at \(path); create one with `surat-bench keygen`")
        }
        return BenchSigner(key: try Curve25519.Signing.PrivateKey(rawRepresentation: data))
    }

    /// What the registry must trust: this signer as the Camat and its key.
    var trustedKeys: ListPublicKeysResponse {
        ListPublicKeysResponse(
            signers: [PublishedSigner(id: Self.signerId, name: "Camat (load test)", nip: "000000000000000000",
                                      position: "Camat", role: "camat")],
            keys: [PublishedKey(keyId: keyId, signerId: Self.signerId, publicKey: publicKey)])
    }

    /// A signed letter ready to register.
    func registration(classification: String, unit: String, subject: String, addressees: [Addressee] = [
        Addressee(name: "Kepala Desa Sooko", kind: .desa, address: "di Tempat"),
    ]) throws -> RegistryAPI.RegisterRequest {
        let letterId = UUID().uuidString.lowercased()
        let content = LetterContent(type: .undangan, classificationCode: classification, subject: subject,
                                    body: "Dengan hormat, bersama ini kami mengundang Saudara untuk hadir.",
                                    sifat: .biasa, urgency: .biasa, addressees: addressees, draftingUnit: "Seksi Pemerintahan",
                                    place: "Sooko")
        let bytes = try content.canonicalBytes()
        let envelope = SigningEnvelope(letterId: letterId, revisionDigest: Data(SHA256.hash(data: bytes)), signerId: Self.signerId,
                                       keyId: keyId, signedAtUnixMillis: Int64(Date().timeIntervalSince1970 * 1000))
        let envelopeBytes = envelope.canonicalBytes()
        let signature = try key.signature(for: envelopeBytes)
        var request = RegistryAPI.RegisterRequest()
        request.requestID = "bench-" + letterId
        request.letterID = letterId
        request.content = Data(bytes)
        request.signature = SignatureRecord(signatureId: "sig-" + letterId, envelope: Data(envelopeBytes), signature: Data(signature),
                                            fields: envelope, signerName: "Camat (load test)", signerPosition: "Camat",
                                            publicKey: publicKey)
        request.unit = unit
        return request
    }
}

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a load-test signer key and the trusted-keys file for surat-registry.")

    @Option(help: "Folder for bench-signer.key and bench-trusted-keys.json.")
    var outDir = "."

    func run() throws {
        let directory = URL(fileURLWithPath: outDir)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let signer = BenchSigner(key: Curve25519.Signing.PrivateKey())
        let keyPath = directory.appendingPathComponent("bench-signer.key").path
        guard FileManager.default.createFile(atPath: keyPath, contents: signer.key.rawRepresentation,
                                             attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write \(keyPath)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let trustedPath = directory.appendingPathComponent("bench-trusted-keys.json")
        try encoder.encode(signer.trustedKeys).write(to: trustedPath)
        print("signer key:   \(keyPath)  (key id \(signer.keyId))")
        print("trusted keys: \(trustedPath.path)  (start surat-registry with --trusted-keys-file \(trustedPath.path))")
    }
}
