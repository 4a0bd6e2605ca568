import Domain
import Foundation

/// The e4d2fe5 wire shape, for the migration only (GatewayStore+StoredReplyMigration.swift).
///
/// Issue 11 (item 11) changed field types in messages the gateway stores as encoded replies in
/// `gateway_request`: `Journey.revision_digest` (14) and `ReturnRecord.revision_digest` (5) were hex
/// `string`s and are 32-byte `bytes`; `Delivery.state` (2) was a `string` (the registry state's Swift
/// case name, e.g. "manual") and is the `DeliveryState` enum. These structs mirror those three messages
/// and the four stored replies that carry them, as the release at e4d2fe5 (and 741220b before it)
/// encoded them; every other field keeps today's type, whose wire shape did not change. Nothing else
/// may use them.
enum LegacyE4D2FE5 {
    /// Why a stored reply could not be converted; the migration (and the upgrade) stops with it.
    struct ConversionError: Error, CustomStringConvertible {
        var description: String
    }

    struct ReturnRecord: Codable {
        var round: Int32 = 0
        var at: Date = Date(timeIntervalSince1970: 0)
        var by: ActorIdentity? = nil
        var notes: String = ""
        var revisionDigest: String = ""
        enum CodingKeys: Int, CodingKey { case round = 1, at, by, notes, revisionDigest }

        func converted() throws -> GatewayAPI.ReturnRecord {
            var record = GatewayAPI.ReturnRecord()
            record.round = round
            record.at = at
            record.by = by
            record.notes = notes
            record.revisionDigest = try LegacyE4D2FE5.digest(revisionDigest, field: "returns.revision_digest")
            return record
        }
    }

    struct Journey: Codable {
        var letterID: String = ""
        var subject: String = ""
        var classification: String = ""
        var unit: String = ""
        var state: GatewayAPI.JourneyState = .unspecified
        var currentStep: Int32 = 0
        var currentStepTitle: String = ""
        var openedAt: Date = Date(timeIntervalSince1970: 0)
        var openedBy: ActorIdentity? = nil
        var clerk: ActorIdentity? = nil
        var drafter: ActorIdentity? = nil
        var draftID: String = ""
        var revision: Int64 = 0
        var revisionDigest: String = ""
        var signingRequestID: String = ""
        var signatureID: String = ""
        var letterNumber: String = ""
        var steps: [GatewayAPI.StepRecord] = []
        var returns: [ReturnRecord] = []
        var totalDurationSeconds: Double = 0
        var updatedAt: Date = Date(timeIntervalSince1970: 0)
        enum CodingKeys: Int, CodingKey {
            case letterID = 1, subject, classification, unit, state, currentStep, currentStepTitle, openedAt, openedBy,
                clerk, drafter, draftID, revision, revisionDigest, signingRequestID, signatureID, letterNumber, steps,
                returns, totalDurationSeconds, updatedAt
        }

        func converted() throws -> GatewayAPI.Journey {
            var journey = GatewayAPI.Journey()
            journey.letterID = letterID
            journey.subject = subject
            journey.classification = classification
            journey.unit = unit
            journey.state = state
            journey.currentStep = currentStep
            journey.currentStepTitle = currentStepTitle
            journey.openedAt = openedAt
            journey.openedBy = openedBy
            journey.clerk = clerk
            journey.drafter = drafter
            journey.draftID = draftID
            journey.revision = revision
            journey.revisionDigest = try LegacyE4D2FE5.digest(revisionDigest, field: "journey.revision_digest")
            journey.signingRequestID = signingRequestID
            journey.signatureID = signatureID
            journey.letterNumber = letterNumber
            journey.steps = steps
            journey.returns = try returns.map { try $0.converted() }
            journey.totalDurationSeconds = totalDurationSeconds
            journey.updatedAt = updatedAt
            return journey
        }
    }

    struct Delivery: Codable {
        var addressee: String = ""
        var state: String = ""
        var attempts: Int32 = 0
        var lastError: String = ""
        var updatedAt: Date? = nil
        enum CodingKeys: Int, CodingKey { case addressee = 1, state, attempts, lastError, updatedAt }

        func converted() throws -> GatewayAPI.Delivery {
            var delivery = GatewayAPI.Delivery()
            delivery.addressee = addressee
            delivery.state = try LegacyE4D2FE5.deliveryState(state)
            delivery.attempts = attempts
            delivery.lastError = lastError
            delivery.updatedAt = updatedAt
            return delivery
        }
    }

    struct JourneyReply: LegacyStoredReply {
        var journey: Journey? = nil
        enum CodingKeys: Int, CodingKey { case journey = 1 }

        func converted() throws -> GatewayAPI.JourneyReply { GatewayAPI.JourneyReply(journey: try journey?.converted()) }
        static func journeys(in reply: GatewayAPI.JourneyReply) -> [GatewayAPI.Journey] { reply.journey.map { [$0] } ?? [] }
    }

    struct DraftReply: LegacyStoredReply {
        var journey: Journey? = nil
        var draftID: String = ""
        var revision: Int64 = 0
        var revisionDigest: Data = Data()
        var content: LetterContent? = nil
        enum CodingKeys: Int, CodingKey { case journey = 1, draftID, revision, revisionDigest, content }

        func converted() throws -> GatewayAPI.DraftReply {
            var reply = GatewayAPI.DraftReply()
            reply.journey = try journey?.converted()
            reply.draftID = draftID
            reply.revision = revision
            reply.revisionDigest = revisionDigest
            reply.content = content
            return reply
        }
        static func journeys(in reply: GatewayAPI.DraftReply) -> [GatewayAPI.Journey] { reply.journey.map { [$0] } ?? [] }
    }

    struct SignReply: LegacyStoredReply {
        var journey: Journey? = nil
        var signature: GatewayAPI.SignatureInfo? = nil
        enum CodingKeys: Int, CodingKey { case journey = 1, signature }

        func converted() throws -> GatewayAPI.SignReply {
            var reply = GatewayAPI.SignReply()
            reply.journey = try journey?.converted()
            reply.signature = signature
            return reply
        }
        static func journeys(in reply: GatewayAPI.SignReply) -> [GatewayAPI.Journey] { reply.journey.map { [$0] } ?? [] }
    }

    struct RegisterReply: LegacyStoredReply {
        var journey: Journey? = nil
        var registration: GatewayAPI.Registration? = nil
        var deliveries: [Delivery] = []
        enum CodingKeys: Int, CodingKey { case journey = 1, registration, deliveries }

        func converted() throws -> GatewayAPI.RegisterReply {
            var reply = GatewayAPI.RegisterReply()
            reply.journey = try journey?.converted()
            reply.registration = registration
            reply.deliveries = try deliveries.map { try $0.converted() }
            return reply
        }
        static func journeys(in reply: GatewayAPI.RegisterReply) -> [GatewayAPI.Journey] { reply.journey.map { [$0] } ?? [] }
    }

    /// A stored hex SHA-256 as its 32 bytes; "" (no revision yet) stays empty. Anything else is not
    /// what the previous release wrote, and is refused rather than guessed at.
    static func digest(_ hex: String, field: String) throws -> Data {
        if hex.isEmpty { return Data() }
        let digits = Array(hex.utf8)
        guard digits.count == 64 else {
            throw ConversionError(description: "\(field) \"\(hex)\" is not a hex SHA-256 (64 digits)")
        }
        var bytes = Data(capacity: 32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else {
                throw ConversionError(description: "\(field) \"\(hex)\" is not a hex SHA-256")
            }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The previous release wrote `String(describing:)` of the registry's delivery state, i.e. the Swift
    /// case name ("pending", "delivered", "failed", "manual", "deliveredManually", "withdrawn"), which
    /// `GatewayAPI.DeliveryState` shares; the proto's lower_snake spelling is accepted too.
    static func deliveryState(_ name: String) throws -> GatewayAPI.DeliveryState {
        let folded = name.lowercased().filter { $0 != "_" && $0 != "-" }
        if let state = GatewayAPI.DeliveryState.allCases.first(where: { String(describing: $0).lowercased() == folded }) {
            return state
        }
        throw ConversionError(description: "deliveries.state \"\(name)\" is not a delivery state")
    }
}

/// A stored reply in the e4d2fe5 wire shape and how it becomes today's.
protocol LegacyStoredReply: Decodable {
    associatedtype Current: Codable
    func converted() throws -> Current
    /// The journeys a reply of today's shape carries (to recognise one already in today's shape).
    static func journeys(in reply: Current) -> [GatewayAPI.Journey]
}
