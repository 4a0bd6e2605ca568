import Crypto
import Foundation
import Wire

extension LetterContent {
    /// The canonical bytes of the content: its deterministic protobuf encoding.
    public func canonicalBytes() throws -> [UInt8] {
        try ProtobufEncoder().encode(self)
    }

    /// SHA-256 of the canonical bytes. Parafs, approvals and the signature all name this digest,
    /// so every service computes it the same way from the same bytes.
    public func digest() throws -> Data {
        Data(SHA256.hash(data: try canonicalBytes()))
    }
}

extension Attachment {
    /// SHA-256 of the attachment's bytes.
    public var computedSHA256: Data { Data(SHA256.hash(data: content)) }
}

extension LetterContent {
    /// Lowercase hex of a digest, for logs, error messages and tables.
    public static func hex(_ digest: Data) -> String {
        let digits = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(digest.count * 2)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return text
    }
}
