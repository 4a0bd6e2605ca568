import Foundation

// Messages of the registry's office-profile, final-PDF and public-verification methods
// (proto-notes/surat/registry/v1/registry.proto; proto-notes/registry.md, "The final PDF").

extension RegistryAPI {
    public struct GetOfficeProfileRequest: Codable, Sendable, Hashable {
        /// 0 = the current version.
        public var version: Int64 = 0
        public init(version: Int64 = 0) { self.version = version }
        public enum CodingKeys: Int, CodingKey { case version = 1 }
    }

    public struct SetOfficeProfileRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        /// The profile JSON; empty keeps the current profile.
        public var profileJSON: Data = Data()
        /// The emblem PNG; empty keeps the current emblem (or the JSON's `kop.emblemPNG`).
        public var emblemPNG: Data = Data()
        /// 0 = any; otherwise the version this change is based on.
        public var expectedVersion: Int64 = 0
        public init(requestID: String = "", profileJSON: Data = Data(), emblemPNG: Data = Data(), expectedVersion: Int64 = 0) {
            self.requestID = requestID
            self.profileJSON = profileJSON
            self.emblemPNG = emblemPNG
            self.expectedVersion = expectedVersion
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, profileJSON, emblemPNG, expectedVersion }
    }

    public struct OfficeProfileRecord: Codable, Sendable, Hashable {
        /// 0 = no profile set yet.
        public var version: Int64 = 0
        /// Every key, sorted, without the emblem.
        public var profileJSON: Data = Data()
        public var emblemPNG: Data = Data()
        public var setAt: Date? = nil
        public var setBy: String = ""
        /// SHA-256 of profileJSON || emblemPNG.
        public var sha256: Data = Data()
        public init() {}
        public enum CodingKeys: Int, CodingKey { case version = 1, profileJSON, emblemPNG, setAt, setBy, sha256 }
    }

    /// What the public verification page shows about one registered letter.
    public struct PublicRecord: Codable, Sendable, Hashable {
        public var number: String = ""
        public var registeredAt: Date? = nil
        /// Empty for Rahasia and Sangat Rahasia letters.
        public var subject: String = ""
        public var sifat: Sifat = .unspecified
        public var signerName: String = ""
        public var signerPosition: String = ""
        public var onBehalfOf: String = ""
        public var signatureValid: Bool = false
        public var receiptValid: Bool = false
        public var cancelled: Bool = false
        public var cancelReason: String = ""
        public var pdfSHA256: Data = Data()
        public var pdfSize: UInt64 = 0
        public var pdfDownloadable: Bool = false
        public var verificationID: String = ""
        /// When the number was cancelled (pembatalan); nil while it stands.
        public var cancelledAt: Date? = nil
        public init() {}
        public enum CodingKeys: Int, CodingKey {
            case number = 1, registeredAt, subject, sifat, signerName, signerPosition, onBehalfOf, signatureValid, receiptValid,
                 cancelled, cancelReason, pdfSHA256, pdfSize, pdfDownloadable, verificationID, cancelledAt
        }
    }

    public struct GetPublicRecordRequest: Codable, Sendable, Hashable {
        public var verificationID: String = ""
        public init(verificationID: String = "") { self.verificationID = verificationID }
        public enum CodingKeys: Int, CodingKey { case verificationID = 1 }
    }

    /// Exactly one of `verificationID` and `number` (the latter for staff, through the gateway).
    public struct GetLetterPDFRequest: Codable, Sendable, Hashable {
        public var verificationID: String = ""
        public var offset: UInt64 = 0
        /// 0 = `PDFChunk.maximumBytes`.
        public var maxBytes: UInt32 = 0
        public var number: String = ""
        public init(verificationID: String = "", number: String = "", offset: UInt64 = 0, maxBytes: UInt32 = 0) {
            self.verificationID = verificationID
            self.number = number
            self.offset = offset
            self.maxBytes = maxBytes
        }
        public enum CodingKeys: Int, CodingKey { case verificationID = 1, offset, maxBytes, number }
    }

    public struct PDFChunk: Codable, Sendable, Hashable {
        /// The largest chunk one reply carries: well under the 4 MiB message limit.
        public static let maximumBytes: UInt32 = 1 << 20
        public var data: Data = Data()
        public var totalSize: UInt64 = 0
        public var sha256: Data = Data()
        public init() {}
        public enum CodingKeys: Int, CodingKey { case data = 1, totalSize, sha256 }
    }

    public struct FindByPDFDigestRequest: Codable, Sendable, Hashable {
        public var sha256: Data = Data()
        public init(sha256: Data = Data()) { self.sha256 = sha256 }
        public enum CodingKeys: Int, CodingKey { case sha256 = 1 }
    }
}
