import Foundation

/// Messages of `surat.inbox.v1` (proto-notes/surat/inbox/v1/inbox.proto): the receiving side of
/// distribution, served by every registry.
public enum InboxAPI {}

extension InboxAPI {
    /// A letter delivered by another office's registry. The inbox checks the receipt seal against
    /// the sender office's registry key it trusts, the letter signature against the signer key
    /// named in the receipt, and the content against both.
    public struct DeliverLetterRequest: Codable, Sendable, Hashable {
        public var senderOffice: String = ""
        public var number: String = ""
        public var letterID: String = ""
        /// Canonical bytes of the signed `surat.common.v1.LetterContent`.
        public var content: Data = Data()
        public var signature: SignatureRecord? = nil
        public var receipt: RegistryAPI.Receipt? = nil
        /// Which addressee of the letter this delivery is for.
        public var addresseeID: String = ""
        public var addresseeName: String = ""
        /// The final PDF (empty when the letter has none or it is over 2 MiB: fetch it by the
        /// verification id of the v2 receipt) and its SHA-256, which the v2 receipt seals.
        public var pdf: Data = Data()
        public var pdfSHA256: Data = Data()
        public init() {}
        public enum CodingKeys: Int, CodingKey {
            case senderOffice = 1, number, letterID, content, signature, receipt, addresseeID, addresseeName, pdf, pdfSHA256
        }
    }

    public struct DeliverLetterResponse: Codable, Sendable, Hashable {
        /// The receiving office's acknowledgement id; the same on every redelivery.
        public var acknowledgement: String = ""
        public var receivedAt: Date = Date(timeIntervalSince1970: 0)
        /// True when this (sender, number) had been received before.
        public var duplicate: Bool = false
        public var receiverOffice: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey { case acknowledgement = 1, receivedAt, duplicate, receiverOffice }
    }

    public struct IncomingLetter: Codable, Sendable, Hashable {
        public var senderOffice: String = ""
        public var number: String = ""
        public var letterID: String = ""
        public var subject: String = ""
        public var signerID: String = ""
        public var receivedAt: Date = Date(timeIntervalSince1970: 0)
        public var acknowledgement: String = ""
        public var addresseeID: String = ""
        public var contentSHA256: Data = Data()
        public init() {}
        public enum CodingKeys: Int, CodingKey {
            case senderOffice = 1, number, letterID, subject, signerID, receivedAt, acknowledgement, addresseeID, contentSHA256
        }
    }

    public struct ListIncomingRequest: Codable, Sendable, Hashable {
        public var senderOffice: String = ""
        public var limit: Int32 = 0
        public init() {}
        public enum CodingKeys: Int, CodingKey { case senderOffice = 1, limit }
    }

    public struct ListIncomingResponse: Codable, Sendable, Hashable {
        public var letters: [IncomingLetter] = []
        public init() {}
        public enum CodingKeys: Int, CodingKey { case letters = 1 }
    }
}
