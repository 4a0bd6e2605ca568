import Foundation

/// The statement a signature covers: who signed which exact revision of which letter, with which
/// key, when, and on whose behalf.
///
/// The signed bytes are the proto3 encoding of `surat.signing.v1.SigningEnvelope` with fields in
/// ascending order and default values omitted (see proto-notes/signing.md). They are written and
/// parsed here by hand, not through `Wire`, so the bytes a signature covers can never change
/// when the general-purpose encoder changes. Parsing is strict: only the canonical encoding of an
/// envelope is accepted, so one envelope has exactly one byte form.
public struct SigningEnvelope: Codable, Sendable, Hashable {
    /// Domain separation: these bytes are a Surat Keluar signing envelope, version 1, and nothing else.
    public static let contextV1 = "surat-keluar/signing-envelope/v1"

    public var context: String = SigningEnvelope.contextV1
    public var letterId: String = ""
    /// SHA-256 of the canonical bytes of the signed revision (`LetterContent.digest()`), 32 bytes.
    public var revisionDigest: Data = Data()
    public var signerId: String = ""
    /// `SigningKeyID.derive(publicKey:)` of the signing key.
    public var keyId: String = ""
    /// Signing time, milliseconds since 1970-01-01T00:00:00Z.
    public var signedAtUnixMillis: Int64 = 0
    /// Signer id of the official signed for (the Camat) when signing as Plh/Plt; empty otherwise.
    public var onBehalfOf: String = ""
    /// Id of the delegation that allowed signing on behalf; empty otherwise.
    public var delegationId: String = ""

    public init(
        context: String = SigningEnvelope.contextV1, letterId: String = "", revisionDigest: Data = Data(),
        signerId: String = "", keyId: String = "", signedAtUnixMillis: Int64 = 0,
        onBehalfOf: String = "", delegationId: String = ""
    ) {
        self.context = context
        self.letterId = letterId
        self.revisionDigest = revisionDigest
        self.signerId = signerId
        self.keyId = keyId
        self.signedAtUnixMillis = signedAtUnixMillis
        self.onBehalfOf = onBehalfOf
        self.delegationId = delegationId
    }

    public enum CodingKeys: Int, CodingKey {
        case context = 1
        case letterId = 2
        case revisionDigest = 3
        case signerId = 4
        case keyId = 5
        case signedAtUnixMillis = 6
        case onBehalfOf = 7
        case delegationId = 8
    }

    public var signedAt: Date { Date(timeIntervalSince1970: Double(signedAtUnixMillis) / 1000) }

    // MARK: - Canonical bytes

    /// The exact bytes that are signed.
    public func canonicalBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + letterId.utf8.count + signerId.utf8.count + onBehalfOf.utf8.count)
        Self.appendLengthDelimited(1, Array(context.utf8), to: &out)
        Self.appendLengthDelimited(2, Array(letterId.utf8), to: &out)
        Self.appendLengthDelimited(3, Array(revisionDigest), to: &out)
        Self.appendLengthDelimited(4, Array(signerId.utf8), to: &out)
        Self.appendLengthDelimited(5, Array(keyId.utf8), to: &out)
        if signedAtUnixMillis != 0 {
            Self.appendVarint(UInt64(6 << 3 | 0), to: &out)
            Self.appendVarint(UInt64(bitPattern: signedAtUnixMillis), to: &out)
        }
        Self.appendLengthDelimited(7, Array(onBehalfOf.utf8), to: &out)
        Self.appendLengthDelimited(8, Array(delegationId.utf8), to: &out)
        return out
    }

    /// Parses envelope bytes, accepting only the canonical encoding (re-encoding gives the input).
    public init<Bytes: Collection<UInt8>>(canonicalBytes input: Bytes) throws(SigningEnvelopeError) {
        let bytes = Array(input)
        var envelope = SigningEnvelope(context: "")
        var index = 0
        var lastField = 0
        while index < bytes.count {
            let key = try Self.readVarint(bytes, &index)
            let field = Int(key >> 3)
            let wireType = Int(key & 7)
            guard field > lastField else { throw .notCanonical("field \(field) out of order or repeated") }
            lastField = field
            switch (field, wireType) {
            case (6, 0):
                envelope.signedAtUnixMillis = Int64(bitPattern: try Self.readVarint(bytes, &index))
            case (1...8, 2):
                let length = try Self.readVarint(bytes, &index)
                guard length <= UInt64(bytes.count - index) else { throw .truncated }
                let value = Array(bytes[index..<index + Int(length)])
                index += Int(length)
                if field == 3 {
                    envelope.revisionDigest = Data(value)
                } else {
                    guard let text = String(validating: value, as: UTF8.self) else {
                        throw .notCanonical("field \(field) is not valid UTF-8")
                    }
                    switch field {
                    case 1: envelope.context = text
                    case 2: envelope.letterId = text
                    case 4: envelope.signerId = text
                    case 5: envelope.keyId = text
                    case 7: envelope.onBehalfOf = text
                    default: envelope.delegationId = text
                    }
                }
            default:
                throw .notCanonical("unexpected field \(field) with wire type \(wireType)")
            }
        }
        guard envelope.canonicalBytes() == bytes else { throw .notCanonical("bytes are not the canonical encoding") }
        guard envelope.context == Self.contextV1 else { throw .unknownContext(envelope.context) }
        self = envelope
    }

    private static func appendLengthDelimited(_ field: Int, _ value: [UInt8], to out: inout [UInt8]) {
        guard !value.isEmpty else { return }  // proto3: default values are not written
        appendVarint(UInt64(field << 3 | 2), to: &out)
        appendVarint(UInt64(value.count), to: &out)
        out.append(contentsOf: value)
    }

    private static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            out.append(UInt8(value & 0x7f) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
    }

    private static func readVarint(_ bytes: [UInt8], _ index: inout Int) throws(SigningEnvelopeError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            guard shift < 64 else { throw .notCanonical("varint too long") }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        throw .truncated
    }
}

/// Why envelope bytes were rejected.
public enum SigningEnvelopeError: Error, Sendable, Hashable, CustomStringConvertible {
    case truncated
    case notCanonical(String)
    case unknownContext(String)

    public var description: String {
        switch self {
        case .truncated: "envelope bytes are truncated"
        case .notCanonical(let why): "envelope is not canonical: \(why)"
        case .unknownContext(let context): "envelope context is \"\(context)\", expected \"\(SigningEnvelope.contextV1)\""
        }
    }
}
