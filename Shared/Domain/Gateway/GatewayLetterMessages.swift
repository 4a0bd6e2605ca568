import Foundation

// The letter as a document through the gateway: previews, the final PDF, the office profile
// (proto-notes/surat/gateway/v1/gateway.proto; proto-notes/gateway.md, "The letter document").

extension GatewayAPI {
    public struct PreviewLetterRequest: Codable, Sendable, Hashable {
        public var letterID: String = ""
        /// 0 = the latest revision.
        public var revision: Int64 = 0
        public init(letterID: String = "", revision: Int64 = 0) {
            self.letterID = letterID
            self.revision = revision
        }
        public enum CodingKeys: Int, CodingKey { case letterID = 1, revision }
    }

    public struct PreviewLetterReply: Codable, Sendable, Hashable {
        public var pdf: Data = Data()
        public var revision: Int64 = 0
        public var pageCount: Int32 = 0
        public var profileVersion: Int64 = 0
        public init() {}
        public enum CodingKeys: Int, CodingKey { case pdf = 1, revision, pageCount, profileVersion }
    }

    /// Exactly one of `letterNumber` and `letterID`.
    public struct GetLetterPDFRequest: Codable, Sendable, Hashable {
        public var letterNumber: String = ""
        public var letterID: String = ""
        public var offset: UInt64 = 0
        /// 0 = 1 MiB; at most 1 MiB.
        public var maxBytes: UInt32 = 0
        public init(letterNumber: String = "", letterID: String = "", offset: UInt64 = 0, maxBytes: UInt32 = 0) {
            self.letterNumber = letterNumber
            self.letterID = letterID
            self.offset = offset
            self.maxBytes = maxBytes
        }
        public enum CodingKeys: Int, CodingKey { case letterNumber = 1, letterID, offset, maxBytes }
    }

    public struct LetterPDFChunk: Codable, Sendable, Hashable {
        public var data: Data = Data()
        public var totalSize: UInt64 = 0
        public var sha256: Data = Data()
        public var letterNumber: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey { case data = 1, totalSize, sha256, letterNumber }
    }

    public struct GetOfficeProfileRequest: Codable, Sendable, Hashable {
        public var version: Int64 = 0
        public init(version: Int64 = 0) { self.version = version }
        public enum CodingKeys: Int, CodingKey { case version = 1 }
    }

    public struct SetOfficeProfileRequest: Codable, Sendable, Hashable {
        public var requestID: String = ""
        public var profileJSON: Data = Data()
        public var emblemPNG: Data = Data()
        public var expectedVersion: Int64 = 0
        public init(requestID: String = "", profileJSON: Data = Data(), emblemPNG: Data = Data(), expectedVersion: Int64 = 0) {
            self.requestID = requestID
            self.profileJSON = profileJSON
            self.emblemPNG = emblemPNG
            self.expectedVersion = expectedVersion
        }
        public enum CodingKeys: Int, CodingKey { case requestID = 1, profileJSON, emblemPNG, expectedVersion }
    }

    public struct OfficeProfile: Codable, Sendable, Hashable {
        public var version: Int64 = 0
        public var profileJSON: Data = Data()
        public var emblemPNG: Data = Data()
        public var setAt: Date? = nil
        public var setBy: String = ""
        public var sha256: Data = Data()
        public init() {}
        public enum CodingKeys: Int, CodingKey { case version = 1, profileJSON, emblemPNG, setAt, setBy, sha256 }
    }
}
