import Foundation

// The gateway's read-only calls: a journey, letter lists, the work queue, the SLA report, deliveries,
// verification, the agenda export and WhoAmI (proto-notes/surat/gateway/v1/gateway.proto).
extension GatewayAPI {
    public struct GetJourneyRequest: Codable, Sendable, Hashable {
        public var letterID: String = ""
        public init(letterID: String = "") { self.letterID = letterID }
        public enum CodingKeys: Int, CodingKey { case letterID = 1 }
    }

    public struct ListLettersRequest: Codable, Sendable, Hashable {
        public var state: JourneyState = .unspecified
        public var limit: Int32 = 0
        public var offset: Int32 = 0
        public init(state: JourneyState = .unspecified, limit: Int32 = 0, offset: Int32 = 0) {
            self.state = state
            self.limit = limit
            self.offset = offset
        }
        public enum CodingKeys: Int, CodingKey { case state = 1, limit, offset }
    }

    public struct ListLettersReply: Codable, Sendable, Hashable {
        public var letters: [Journey] = []
        public init(letters: [Journey] = []) { self.letters = letters }
        public enum CodingKeys: Int, CodingKey { case letters = 1 }
    }

    public struct WorkItem: Codable, Sendable, Hashable {
        public var letterID: String = ""
        public var subject: String = ""
        public var step: Int32 = 0
        public var stepTitle: String = ""
        public var waitingSince: Date = Date(timeIntervalSince1970: 0)
        public var ageSeconds: Double = 0
        public var standardSeconds: Int32 = 0
        public var overdue: Bool = false
        public var assigneeID: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey {
            case letterID = 1, subject, step, stepTitle, waitingSince, ageSeconds, standardSeconds, overdue, assigneeID
        }
    }

    public struct WorkQueueRequest: Codable, Sendable, Hashable {
        public var role: String = ""
        public var mineOnly: Bool = false
        public init(role: String = "", mineOnly: Bool = false) {
            self.role = role
            self.mineOnly = mineOnly
        }
        public enum CodingKeys: Int, CodingKey { case role = 1, mineOnly }
    }

    public struct WorkQueueReply: Codable, Sendable, Hashable {
        public var role: String = ""
        public var items: [WorkItem] = []
        public init() {}
        public enum CodingKeys: Int, CodingKey { case role = 1, items }
    }

    public struct StepSLA: Codable, Sendable, Hashable {
        public var step: Int32 = 0
        public var title: String = ""
        public var count: Int32 = 0
        public var medianSeconds: Double = 0
        public var p90Seconds: Double = 0
        public var lateCount: Int32 = 0
        public var standardSeconds: Int32 = 0
        public init() {}
        public enum CodingKeys: Int, CodingKey {
            case step = 1, title, count, medianSeconds, p90Seconds, lateCount, standardSeconds
        }
    }

    public struct SLAReportRequest: Codable, Sendable, Hashable {
        public var from: Date? = nil
        public var to: Date? = nil
        public init(from: Date? = nil, to: Date? = nil) {
            self.from = from
            self.to = to
        }
        public enum CodingKeys: Int, CodingKey { case from = 1, to }
    }

    public struct SLAReportReply: Codable, Sendable, Hashable {
        public var from: Date = Date(timeIntervalSince1970: 0)
        public var to: Date = Date(timeIntervalSince1970: 0)
        public var steps: [StepSLA] = []
        public init() {}
        public enum CodingKeys: Int, CodingKey { case from = 1, to, steps }
    }

    public struct GetDeliveryRequest: Codable, Sendable, Hashable {
        public var letterID: String = ""
        public init(letterID: String = "") { self.letterID = letterID }
        public enum CodingKeys: Int, CodingKey { case letterID = 1 }
    }

    public struct DeliveryReply: Codable, Sendable, Hashable {
        public var letterNumber: String = ""
        public var deliveries: [Delivery] = []
        public init() {}
        public enum CodingKeys: Int, CodingKey { case letterNumber = 1, deliveries }
    }

    public struct VerifyNumberRequest: Codable, Sendable, Hashable {
        public var letterNumber: String = ""
        public init(letterNumber: String = "") { self.letterNumber = letterNumber }
        public enum CodingKeys: Int, CodingKey { case letterNumber = 1 }
    }

    public struct VerifySignatureRequest: Codable, Sendable, Hashable {
        public var letterID: String = ""
        public init(letterID: String = "") { self.letterID = letterID }
        public enum CodingKeys: Int, CodingKey { case letterID = 1 }
    }

    public struct VerifyReply: Codable, Sendable, Hashable {
        public var valid: Bool = false
        public var detail: String = ""
        public var letterID: String = ""
        public var letterNumber: String = ""
        public var signature: SignatureInfo? = nil
        public var registration: Registration? = nil
        public init() {}
        public enum CodingKeys: Int, CodingKey { case valid = 1, detail, letterID, letterNumber, signature, registration }
    }

    public struct ExportAgendaRequest: Codable, Sendable, Hashable {
        public var year: Int32 = 0
        public var format: String = ""
        public init(year: Int32 = 0, format: String = "") {
            self.year = year
            self.format = format
        }
        public enum CodingKeys: Int, CodingKey { case year = 1, format }
    }

    public struct ExportAgendaReply: Codable, Sendable, Hashable {
        public var mediaType: String = ""
        public var content: Data = Data()
        public init(mediaType: String = "", content: Data = Data()) {
            self.mediaType = mediaType
            self.content = content
        }
        public enum CodingKeys: Int, CodingKey { case mediaType = 1, content }
    }

    /// An empty message: encodes to zero bytes.
    public typealias WhoAmIRequest = EmptyMessage

    public struct WhoAmIReply: Codable, Sendable, Hashable {
        public var user: User? = nil
        public var roles: [String] = []
        public var acting: [ActingGrant] = []
        public var tokenID: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey { case user = 1, roles, acting, tokenID }
    }
}
