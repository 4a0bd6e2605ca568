import Crypto
import Domain
import Foundation
import GatewayCore
import Logging
import RPC
import ServiceKit
import Wire

/// The gateway's handlers: authentication of the caller, the SOP step protocol (role, request id, state,
/// backend call, journey record) and the queries.
public final class GatewayService: Sendable {
    public let store: GatewayStore
    public let backends: BackendClients?
    let configuration: GatewayConfiguration
    let logger: Logger
    /// The office profile for previews (GatewayService+Letter.swift).
    let officeProfiles = OfficeProfileCache()
    /// The registry's units, to refuse at OpenLetter a unit step 6 would refuse (GatewayService+Oversight.swift).
    let numberingRules = NumberingRulesCache()
    /// Password sign-in: hasher and failure limiter (GatewayService+Sessions.swift).
    let passwords: PasswordSupport

    public init(store: GatewayStore, backends: BackendClients?, configuration: GatewayConfiguration, logger: Logger) {
        self.store = store
        self.backends = backends
        self.configuration = configuration
        self.logger = logger
        self.passwords = PasswordSupport(log2N: configuration.passwordScryptLog2N)
    }

    var authenticator: GatewayAuthenticator { GatewayAuthenticator(store: store) }

    func requireBackends() throws -> BackendClients {
        guard let backends else { throw RPCError(.unavailable, "the gateway runs without backends") }
        return backends
    }

    static func hex(_ data: Data) -> String { data.map { String(format: "%02x", $0) }.joined() }

    func encode<M: Encodable>(_ message: M) throws -> Data { Data(try ProtobufEncoder().encode(message)) }
    func decode<M: Decodable>(_ type: M.Type, _ data: Data) throws -> M { try ProtobufDecoder().decode(type, from: [UInt8](data)) }

    /// Where a backend call of one step goes: the derived request id and the acting user.
    struct StepCall: Sendable {
        var backendRequestID: String
        var actor: GatewayCore.Actor
        var letterID: String
    }

    /// The protocol every SOP step follows:
    /// 1. the caller's role must be the step's (PERMISSION_DENIED), the request id valid (INVALID_ARGUMENT);
    /// 2. a request id seen before returns the stored reply without touching anything;
    /// 3. the letter must be at this step (FAILED_PRECONDITION naming the step it is at), unless the step
    ///    has a natural key (`replaysByNaturalKey`: Paraf, Approve, Sign, Register) and this user already
    ///    did it, with the same request under another request id: then its stored reply;
    /// 4. the step's intent is written durably (GatewayStore+Intents.swift): the backend request id for
    ///    this ask on this journey, derived from the gateway's request id the first time and reused by
    ///    every retry of the same ask (also under a new request id, also after a crash), so the backend
    ///    returns its first result instead of acting twice; a backend that did the step under another
    ///    request id answers from the step's natural key (proto-notes/services.md, "Exactly once");
    /// 5. the transition and the reply (and, for step 6, the registration record) are stored in ONE
    ///    transaction (the state is checked again inside), which closes the intent.
    /// A failure in 3-4 leaves the journey as it was.
    func runStep<Request: GatewayStepRequest, Response: Codable & Sendable, Outcome: Sendable>(
        _ method: RPCMethod<Request, Response>, _ request: Request, context: ServerContext,
        requestID: String, letterID: String, step: SOPStep, action: String,
        replaysByNaturalKey: Bool = false, fingerprintOf fingerprintRequest: Request? = nil,
        precheck: @Sendable (GatewayCore.Journey) throws -> Void = { _ in },
        registration: @Sendable (Outcome) -> GatewayStore.HeldRegistration? = { _ in nil },
        backend: @Sendable (GatewayCore.Journey, StepCall) async throws -> Outcome,
        apply: @escaping @Sendable (inout GatewayCore.Journey, Outcome, GatewayCore.Actor, Date) throws -> Response
    ) async throws -> Response {
        let user = try await caller(context)
        let actor = try user.actor(for: step.role, action: action)
        try Idempotency.validate(requestID: requestID)
        guard !letterID.isEmpty else { throw InvalidFieldError("letter_id", "is required") }
        // One spelling of the letter id from here on, so backend request ids derived from it
        // are the same whichever case the caller used.
        let letterID = GatewayStore.canonicalLetterID(letterID)
        // `fingerprintRequest` is the request without secrets (Sign's passphrase): a digest of a
        // passphrase kept in the database would be an offline guessing target.
        let fingerprint = Self.hex(try Idempotency.fingerprint(of: fingerprintRequest ?? request, actorID: user.user.id))
        var log = context.logger
        log[metadataKey: "letter.id"] = .string(letterID)
        log[metadataKey: "request.id"] = .string(requestID)
        if let stored = try await store.storedResponse(method: method.fullName, requestID: requestID,
                                                       requestDigest: fingerprint) {
            log.info(ExactlyOnce.replayMessage(method: method.fullName), metadata: ["replay.by": "request_id"])
            return try decode(Response.self, stored)
        }
        var askedRequest = fingerprintRequest ?? request
        askedRequest.requestID = ""
        let asked = Self.hex(try Idempotency.fingerprint(of: askedRequest, actorID: user.user.id))
        let naturalKey = replaysByNaturalKey ? GatewayStore.naturalKey(letterID: letterID, asked: asked) : nil
        let journey = try await store.journey(letterID)
        do {
            // Assignment is enforced (issue 11, item 7): steps 2, 4 and 6 by the letter's drafter or clerk.
            try journey.requireStep(step, to: action, by: actor)
            try precheck(journey)
        } catch {
            // The letter is past this step: if it is this very step by this user (natural key), answer with
            // its stored reply instead of the error (proto-notes/services.md, "Exactly once").
            if let naturalKey, let stored = try await store.storedStep(method: method.fullName, naturalKey: naturalKey,
                                                                         requestID: requestID, requestDigest: fingerprint) {
                log.info(ExactlyOnce.replayMessage(method: method.fullName), metadata: ["replay.by": "natural_key"])
                return try decode(Response.self, stored)
            }
            throw error
        }
        let backendRequestID = try await store.stepIntent(
            letterID: letterID, method: method.fullName, asked: asked, journeyUpdatedAt: journey.updatedAt,
            proposed: BackendRequestID.derive(requestID: requestID, letterID: letterID, operation: method.name))
        let call = StepCall(backendRequestID: backendRequestID, actor: actor, letterID: letterID)
        let outcome: Outcome
        do {
            outcome = try await backend(journey, call)
        } catch let error as RPCError where error.code == .cancelled {
            // The caller went away while a backend worked (BackendClients.call): not a backend failure
            // (issue 11, item 19). The backend may have finished; a retry gets its result.
            log.notice("\(action) cancelled by the caller while a backend worked on it; journey unchanged",
                       metadata: ["rpc.code": "\(error.code.rawValue)", "backend.request.id": .string(call.backendRequestID)])
            throw error
        } catch {
            // The journey did not move; say why on a line that carries the letter and request ids.
            let code = (error as? RPCError).map { "\($0.code.rawValue)" } ?? "\(type(of: error))"
            log.warning("\(action) failed in a backend; journey unchanged",
                        metadata: ["rpc.code": .string(code), "backend.request.id": .string(call.backendRequestID)])
            throw error
        }
        let now = store.now()
        let bytes = try await store.update(letterID: letterID, method: method.fullName, requestID: requestID,
                                           requestDigest: fingerprint, registration: registration(outcome),
                                           naturalKey: naturalKey) { journey in
            try self.encode(try apply(&journey, outcome, actor, now))
        }
        log.info("\(action) recorded", metadata: ["actor.id": .string(actor.id), "step": .stringConvertible(step.rawValue)])
        return try decode(Response.self, bytes)
    }

    func journeyReply(_ journey: GatewayCore.Journey, now: Date) -> GatewayAPI.JourneyReply {
        GatewayAPI.JourneyReply(journey: GatewayAPI.Journey(journey, now: now))
    }

    // MARK: Step 1

    func openLetter(_ request: GatewayAPI.OpenLetterRequest, _ context: ServerContext) async throws -> GatewayAPI.JourneyReply {
        let user = try await caller(context)
        let actor = try user.actor(for: .stafUmum, action: "opening a letter (step 1)")
        try Idempotency.validate(requestID: request.requestID)
        try TextCheck.rejectControlCharacters(request.subject, "subject")
        try TextCheck.rejectControlCharacters(request.unit, "unit")
        let subject = request.subject.trimmingCharacters(in: .whitespaces)
        guard !subject.isEmpty, subject.unicodeScalars.count <= 500 else { throw InvalidFieldError("subject", "must be 1-500 characters") }
        if let problem = ClassificationCode.validationProblem(request.classification) {
            throw InvalidFieldError("classification", problem)
        }
        let unit = request.unit.trimmingCharacters(in: .whitespaces)
        guard !unit.isEmpty, unit.unicodeScalars.count <= 40 else { throw InvalidFieldError("unit", "must be 1-40 characters, e.g. 416-313") }
        try await checkUnitAgainstRegistry(unit, as: actor, context: context)
        let fingerprint = Self.hex(try Idempotency.fingerprint(of: request, actorID: user.user.id))
        let now = store.now()
        let letterID = Self.newLetterID(now: now)
        let journey = GatewayCore.Journey(letterID: letterID, subject: subject, classification: request.classification,
                                          unit: unit, openedBy: actor, at: now, standards: store.standards)
        let bytes = try await store.openLetter(journey, method: GatewayAPI.openLetter.fullName, requestID: request.requestID,
                                               requestDigest: fingerprint) { journey in
            try self.encode(self.journeyReply(journey, now: now))
        }
        return try decode(GatewayAPI.JourneyReply.self, bytes)
    }

    /// Letter ids are lowercase UUIDs: the registry keys its agenda book by them.
    static func newLetterID(now: Date) -> String { UUID().uuidString.lowercased() }

    func assignClerk(_ request: GatewayAPI.AssignClerkRequest, _ context: ServerContext) async throws -> GatewayAPI.JourneyReply {
        let caller = try await caller(context)
        _ = try caller.actor(for: .assign)
        let me = caller.user
        let clerkID = request.clerkID.isEmpty ? me.id : request.clerkID
        let clerkUser = try await store.user(clerkID)
        guard clerkUser.role == .stafUmum, clerkUser.active else {
            throw InvalidFieldError("clerk_id", "\(clerkID) is not an active staf_umum user")
        }
        let clerk = GatewayCore.Actor(id: clerkUser.id, name: clerkUser.name, role: .stafUmum)
        let standards = store.standards
        return try await runStep(GatewayAPI.assignClerk, request, context: context, requestID: request.requestID,
                                 letterID: request.letterID, step: .assign, action: "assign the Staf Umum (step 1)",
                                 backend: { _, _ in () }) { journey, _, actor, now in
            try journey.assignClerk(clerk, by: actor, at: now, standards: standards)
            return self.journeyReply(journey, now: now)
        }
    }

    // MARK: Queries

    func getJourney(_ request: GatewayAPI.GetJourneyRequest, _ context: ServerContext) async throws -> GatewayAPI.JourneyReply {
        _ = try await caller(context)
        guard !request.letterID.isEmpty else { throw InvalidFieldError("letter_id", "is required") }
        return journeyReply(try await store.journey(request.letterID), now: store.now())
    }

    func listLetters(_ request: GatewayAPI.ListLettersRequest, _ context: ServerContext) async throws -> GatewayAPI.ListLettersReply {
        _ = try await caller(context)
        let limit = request.limit == 0 ? 50 : Int(request.limit)
        guard (1...500).contains(limit) else { throw InvalidFieldError("limit", "must be 1-500") }
        guard request.offset >= 0 else { throw InvalidFieldError("offset", "must not be negative") }
        let now = store.now()
        let journeys = try await store.journeys(state: request.state.core, limit: limit, offset: Int(request.offset))
        return GatewayAPI.ListLettersReply(letters: journeys.map { GatewayAPI.Journey($0, now: now) })
    }

    func workQueue(_ request: GatewayAPI.WorkQueueRequest, _ context: ServerContext) async throws -> GatewayAPI.WorkQueueReply {
        let user = try await caller(context)
        let role: Role
        if request.role.isEmpty {
            role = user.user.role
        } else {
            role = try Role(parsing: request.role)  // its error names the field: no "role: role:"
        }
        var reply = GatewayAPI.WorkQueueReply()
        reply.role = role.rawValue
        reply.items = try await store.workQueue(role: role, assigneeID: request.mineOnly ? user.user.id : nil)
            .map(GatewayAPI.WorkItem.init)
        return reply
    }

    func slaReport(_ request: GatewayAPI.SLAReportRequest, _ context: ServerContext) async throws -> GatewayAPI.SLAReportReply {
        _ = try await caller(context)
        let to = request.to ?? store.now()
        let from = request.from ?? to.addingTimeInterval(-30 * 86_400)
        guard from < to else { throw InvalidFieldError("to", "must be after from") }
        let report = try await store.slaReport(from: from, to: to)
        var reply = GatewayAPI.SLAReportReply()
        reply.from = report.from
        reply.to = report.to
        reply.steps = report.steps.map(GatewayAPI.StepSLA.init)
        return reply
    }

    func whoAmI(_ request: GatewayAPI.WhoAmIRequest, _ context: ServerContext) async throws -> GatewayAPI.WhoAmIReply {
        let user = try await caller(context)
        var reply = GatewayAPI.WhoAmIReply()
        reply.user = GatewayAPI.User(user.user)
        reply.roles = user.roles.map(\.rawValue).sorted()
        reply.acting = user.acting.map(GatewayAPI.ActingGrant.init)
        reply.tokenID = user.tokenID
        return reply
    }

    // MARK: Service descriptors

    public func descriptors() -> [ServiceDescriptor] {
        var gateway = ServiceDescriptor(name: GatewayAPI.serviceName)
        gateway.unary(GatewayAPI.openLetter, openLetter)
        gateway.unary(GatewayAPI.assignClerk, assignClerk)
        gateway.unary(GatewayAPI.getJourney, getJourney)
        gateway.unary(GatewayAPI.listLetters, listLetters)
        gateway.unary(GatewayAPI.getWorkQueue, workQueue)
        gateway.unary(GatewayAPI.getSLAReport, slaReport)
        gateway.unary(GatewayAPI.whoAmI, whoAmI)
        registerBackendSteps(&gateway)
        registerPublishedKeys(&gateway)
        registerCancelNumber(&gateway)
        var admin = ServiceDescriptor(name: GatewayAPI.adminServiceName)
        registerAdmin(&admin)
        registerLetterDocument(gateway: &gateway, admin: &admin)
        registerSessions(gateway: &gateway, admin: &admin)
        registerOversight(gateway: &gateway, admin: &admin)
        return [gateway, admin]
    }
}

/// A request `runStep` handles: its request id is emptied to digest what the step asks (the step intent).
protocol GatewayStepRequest: Codable, Sendable {
    var requestID: String { get set }
}

extension GatewayAPI.AssignClerkRequest: GatewayStepRequest {}
extension GatewayAPI.CreateDraftRequest: GatewayStepRequest {}
extension GatewayAPI.EditDraftRequest: GatewayStepRequest {}
extension GatewayAPI.ParafRequest: GatewayStepRequest {}
extension GatewayAPI.ApproveRequest: GatewayStepRequest {}
extension GatewayAPI.ReturnDraftRequest: GatewayStepRequest {}
extension GatewayAPI.UploadForSignatureRequest: GatewayStepRequest {}
extension GatewayAPI.SignRequest: GatewayStepRequest {}
extension GatewayAPI.RegisterRequest: GatewayStepRequest {}
