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

    // The office profile: the gateway passes the registry's messages through (gateway.proto's
    // GetOfficeProfileRequest, SetOfficeProfileRequest and OfficeProfile have the fields of
    // registry.proto's GetOfficeProfileRequest, SetOfficeProfileRequest and OfficeProfileRecord).
    public typealias GetOfficeProfileRequest = RegistryAPI.GetOfficeProfileRequest
    public typealias SetOfficeProfileRequest = RegistryAPI.SetOfficeProfileRequest
    public typealias OfficeProfile = RegistryAPI.OfficeProfileRecord
}
