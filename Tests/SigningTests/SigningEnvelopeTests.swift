import Crypto
import Domain
import Foundation
import Testing
import Wire

@Suite("Signing envelope bytes", .timeLimit(.minutes(2)))
struct SigningEnvelopeTests {
    static let digest = Data((0..<32).map { UInt8($0) })

    static func sample() -> SigningEnvelope {
        SigningEnvelope(letterId: "L-1", revisionDigest: digest, signerId: "camat", keyId: "ed25519:00",
                        signedAtUnixMillis: 1_764_000_000_123, onBehalfOf: "", delegationId: "")
    }

    @Test("bytes are the documented proto3 layout")
    func documentedLayout() {
        var expected: [UInt8] = [0x0a, UInt8(SigningEnvelope.contextV1.utf8.count)] + Array(SigningEnvelope.contextV1.utf8)
        expected += [0x12, 3] + Array("L-1".utf8)
        expected += [0x1a, 32] + Array(Self.digest)
        expected += [0x22, 5] + Array("camat".utf8)
        expected += [0x2a, 10] + Array("ed25519:00".utf8)
        // 1764000000123 as a varint, computed the long way round.
        var value: UInt64 = 1_764_000_000_123
        var varint: [UInt8] = []
        repeat {
            let low = UInt8(value & 0x7f)
            value >>= 7
            varint.append(value == 0 ? low : low | 0x80)
        } while value != 0
        #expect(varint == [0xfb, 0xd0, 0xdf, 0xb4, 0xab, 0x33])  // as printed in proto-notes/signing.md
        expected += [0x30] + varint
        #expect(Self.sample().canonicalBytes() == expected)
    }

    @Test("delegation fields follow the signing time")
    func delegationFields() throws {
        var envelope = Self.sample()
        envelope.onBehalfOf = "camat"
        envelope.delegationId = "dlg-1"
        let bytes = envelope.canonicalBytes()
        #expect(Array(bytes.suffix(7 + 7)) == [0x3a, 5] + Array("camat".utf8) + [0x42, 5] + Array("dlg-1".utf8))
        #expect(try SigningEnvelope(canonicalBytes: bytes) == envelope)
    }

    @Test("parsing accepts only the canonical encoding")
    func strictParsing() throws {
        let bytes = Self.sample().canonicalBytes()
        #expect(try SigningEnvelope(canonicalBytes: bytes) == Self.sample())
        // trailing garbage, a truncated field, an unknown field, a repeated field, an explicit empty field
        #expect(throws: SigningEnvelopeError.self) { try SigningEnvelope(canonicalBytes: bytes + [0x00]) }
        #expect(throws: SigningEnvelopeError.self) { try SigningEnvelope(canonicalBytes: bytes.dropLast()) }
        #expect(throws: SigningEnvelopeError.self) { try SigningEnvelope(canonicalBytes: bytes + [0x4a, 1, 0x41]) }
        #expect(throws: SigningEnvelopeError.self) { try SigningEnvelope(canonicalBytes: bytes + [0x12, 1, 0x41]) }
        #expect(throws: SigningEnvelopeError.self) { try SigningEnvelope(canonicalBytes: bytes + [0x3a, 0]) }
        // a non-minimal varint for the time
        var padded = Self.sample()
        padded.signedAtUnixMillis = 1
        let one = padded.canonicalBytes()
        #expect(one.suffix(2) == [0x30, 0x01])
        #expect(throws: SigningEnvelopeError.self) { try SigningEnvelope(canonicalBytes: one.dropLast() + [0x81, 0x00]) }
        // another context is another statement
        var other = Self.sample()
        other.context = "surat-keluar/registry-receipt/v1"
        #expect(throws: SigningEnvelopeError.unknownContext(other.context)) { try SigningEnvelope(canonicalBytes: other.canonicalBytes()) }
    }

    @Test("key ids are derived from the public key")
    func keyIds() {
        let key = Curve25519.Signing.PrivateKey().publicKey.rawRepresentation
        let id = SigningKeyID.derive(publicKey: key)
        let hex = SHA256.hash(data: key).prefix(16).map { String(format: "%02x", $0) }.joined()
        #expect(id == "ed25519:" + hex)
        #expect(id.count == 8 + 32)
    }
}

@Suite("Envelope bytes agree with the general protobuf encoder", .timeLimit(.minutes(2)))
struct SigningEnvelopeWireTests {
    @Test func sameBytesAsWire() throws {
        var envelope = SigningEnvelopeTests.sample()
        #expect(try ProtobufEncoder().encode(envelope) == envelope.canonicalBytes())
        envelope.onBehalfOf = "camat-1"
        envelope.delegationId = "dlg-1"
        #expect(try ProtobufEncoder().encode(envelope) == envelope.canonicalBytes())
        #expect(try ProtobufDecoder().decode(SigningEnvelope.self, from: envelope.canonicalBytes()) == envelope)
    }
}
