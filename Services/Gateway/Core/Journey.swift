import Domain
import Foundation

/// One step's timing as recorded in the journey: who finished it, when it started and ended, against the SOP standard.
public struct StepRecord: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Codable {
        case inProgress = "in_progress"
        case done
        case returned   // step 3 that ended in a return with notes
        case withdrawn  // the step that was open when the letter was withdrawn
    }

    public var step: SOPStep
    /// 1 for the first pass; steps 2 and 3 get 2, 3, ... after each return.
    public var round: Int
    public var startedAt: Date
    public var endedAt: Date?
    public var actor: Actor?
    public var standardSeconds: Int
    public var outcome: Outcome

    public var durationSeconds: Double? { endedAt.map { $0.timeIntervalSince(startedAt) } }

    /// Late when it took (or, still open, has taken by `now`) longer than the SOP standard.
    public func isLate(now: Date) -> Bool {
        let end = endedAt ?? now
        return end.timeIntervalSince(startedAt) > Double(standardSeconds)
    }
}

/// A Sekretaris' return of a draft to the drafter (the loop the SOP leaves implicit).
public struct ReturnRecord: Sendable, Equatable, Codable {
    public var round: Int
    public var at: Date
    public var by: Actor
    public var notes: String
    public var revisionDigest: String
}

/// The Staf Umum's (or an admin's) withdrawal of a letter before registration (issue 11, item 1).
public struct Withdrawal: Sendable, Equatable, Codable {
    public var at: Date
    public var by: Actor
    public var reason: String
    /// The step the letter was waiting for.
    public var atStep: SOPStep
}

/// A change of the person a letter is assigned to (its clerk or its drafter), with the reason (item 7).
public struct Reassignment: Sendable, Equatable, Codable {
    public var at: Date
    public var by: Actor
    /// `.stafUmum` (the clerk of steps 4 and 6) or `.drafter` (step 2).
    public var role: Role
    public var from: Actor
    public var to: Actor
    public var reason: String
}

/// The letter's way through the SOP: its state, references into the backends, every step and every return.
///
/// Transitions are mutating methods that check the state first and throw FAILED_PRECONDITION naming the current
/// step, so a step out of order can never be recorded.
public struct Journey: Sendable, Equatable, Codable {
    public var letterID: String
    public var subject: String
    public var classification: String
    public var unit: String
    public var state: JourneyState
    public var openedAt: Date
    public var openedBy: Actor
    public var updatedAt: Date
    /// The Staf Umum who runs the letter (set by step 1).
    public var clerk: Actor?
    /// The drafter (set when the draft is created).
    public var drafter: Actor?
    public var draftID: String?
    public var revision: Int?
    public var revisionDigest: String?
    public var signingRequestID: String?
    public var signatureID: String?
    public var letterNumber: String?
    public var steps: [StepRecord]
    public var returns: [ReturnRecord]
    /// Set when the letter was withdrawn (state `.withdrawn`).
    public var withdrawal: Withdrawal?
    /// Optional in storage so journeys written before reassignments existed still decode.
    private var reassignmentLog: [Reassignment]?
    /// Every change of clerk or drafter, oldest first.
    public var reassignments: [Reassignment] {
        get { reassignmentLog ?? [] }
        set { reassignmentLog = newValue }
    }

    public init(letterID: String, subject: String, classification: String, unit: String, openedBy: Actor,
                at now: Date, standards: SOPStandards) {
        self.letterID = letterID
        self.subject = subject
        self.classification = classification
        self.unit = unit
        self.state = .opened
        self.openedAt = now
        self.openedBy = openedBy
        self.updatedAt = now
        self.steps = [StepRecord(step: .assign, round: 1, startedAt: now, endedAt: nil, actor: nil,
                                 standardSeconds: standards.seconds(for: .assign), outcome: .inProgress)]
        self.returns = []
    }

    public var currentStep: SOPStep? { state.currentStep }

    /// The open record of the current step.
    public var currentStepRecord: StepRecord? { steps.last(where: { $0.outcome == .inProgress }) }

    /// When the letter started waiting for its current step.
    public var waitingSince: Date { currentStepRecord?.startedAt ?? updatedAt }

    public var totalDurationSeconds: Double? {
        guard state == .completed, let end = steps.last?.endedAt else { return nil }
        return end.timeIntervalSince(openedAt)
    }

    // MARK: Transitions

    /// Throws FAILED_PRECONDITION naming the current step unless the letter waits for `step`.
    public func requireStep(_ step: SOPStep, to action: String) throws {
        guard currentStep == step else {
            throw GatewayError.outOfOrder(letterID: letterID, state: state, attempted: action)
        }
    }

    /// `requireStep`, and the step must be done by the person the letter is assigned to for it.
    public func requireStep(_ step: SOPStep, to action: String, by actor: Actor) throws {
        try requireStep(step, to: action)
        try requireAssignee(step, actor: actor, to: action)
    }

    /// Who the letter is assigned to for `step`: its clerk for steps 4 and 6, its drafter for step 2
    /// once the draft exists. Nil means anyone in the step's role may do it.
    public func assignee(for step: SOPStep) -> Actor? {
        switch step {
        case .upload, .register: clerk
        case .draft: drafter
        case .assign, .review, .sign: nil
        }
    }

    /// PERMISSION_DENIED when the letter is assigned to someone else for `step` (issue 11, item 7).
    public func requireAssignee(_ step: SOPStep, actor: Actor, to action: String) throws {
        guard let assignee = assignee(for: step), assignee.id != actor.id else { return }
        let who = step == .draft ? "drafter" : "Staf Umum"
        throw GatewayError(.permissionDenied,
                           "letter \(letterID) is assigned to \(who) \(assignee.id), not \(actor.id); cannot \(action). The letter's clerk or an admin can reassign it (ReassignLetter)")
    }

    func require(_ expected: JourneyState, to action: String) throws {
        guard state == expected else {
            throw GatewayError.outOfOrder(letterID: letterID, state: state, attempted: action)
        }
    }

    /// Closes the current step's record and opens the next one.
    private mutating func advance(finishing step: SOPStep, by actor: Actor, at now: Date, outcome: StepRecord.Outcome,
                                  to next: JourneyState, standards: SOPStandards) {
        if let index = steps.lastIndex(where: { $0.outcome == .inProgress && $0.step == step }) {
            steps[index].endedAt = now
            steps[index].actor = actor
            steps[index].outcome = outcome
        }
        state = next
        updatedAt = now
        if let nextStep = next.currentStep {
            let round = (steps.filter { $0.step == nextStep }.map(\.round).max() ?? 0) + 1
            steps.append(StepRecord(step: nextStep, round: round, startedAt: now, endedAt: nil, actor: nil,
                                    standardSeconds: standards.seconds(for: nextStep), outcome: .inProgress))
        }
    }

    /// Step 1: the Staf Umum who will handle the letter is assigned.
    public mutating func assignClerk(_ clerk: Actor, by actor: Actor, at now: Date, standards: SOPStandards) throws {
        try require(.opened, to: "assign the Staf Umum")
        self.clerk = clerk
        advance(finishing: .assign, by: actor, at: now, outcome: .done, to: .drafting, standards: standards)
    }

    /// Step 2 (no state change): the draft was created in the drafting service.
    public mutating func recordDraftCreated(draftID: String, revision: Int, digest: String, by actor: Actor,
                                            at now: Date) throws {
        try require(.drafting, to: "create a draft")
        guard self.draftID == nil else {
            throw GatewayError(.alreadyExists, "letter \(letterID) already has draft \(self.draftID!); edit it instead")
        }
        self.draftID = draftID
        self.drafter = actor
        self.revision = revision
        self.revisionDigest = digest
        updatedAt = now
    }

    /// Step 2 (no state change): a new revision of the draft.
    public mutating func recordDraftEdited(revision: Int, digest: String, at now: Date) throws {
        try require(.drafting, to: "edit the draft")
        guard draftID != nil else {
            throw GatewayError(.failedPrecondition, "letter \(letterID) has no draft yet; create one first")
        }
        self.revision = revision
        self.revisionDigest = digest
        updatedAt = now
    }

    /// Checks that the draft can be edited or initialled now (before calling the drafting service).
    public func checkCanEditDraft() throws {
        try require(.drafting, to: "edit the draft")
        guard draftID != nil else {
            throw GatewayError(.failedPrecondition, "letter \(letterID) has no draft yet; create one first")
        }
    }

    /// Step 2 ends: the drafter's paraf on a revision; the letter goes to the Sekretaris.
    public mutating func paraf(revision: Int, digest: String, by actor: Actor, at now: Date,
                               standards: SOPStandards) throws {
        try checkCanEditDraft()
        self.revision = revision
        self.revisionDigest = digest
        advance(finishing: .draft, by: actor, at: now, outcome: .done, to: .inReview, standards: standards)
    }

    /// Step 3 ends: the Sekretaris' paraf; the letter goes to upload for signature.
    public mutating func approve(by actor: Actor, at now: Date, standards: SOPStandards) throws {
        try require(.inReview, to: "approve")
        advance(finishing: .review, by: actor, at: now, outcome: .done, to: .approved, standards: standards)
    }

    /// Step 3 returns the draft to step 2 with notes; may repeat any number of times.
    public mutating func returnToDrafter(notes: String, by actor: Actor, at now: Date,
                                         standards: SOPStandards) throws {
        try require(.inReview, to: "return the draft")
        let trimmed = notes.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw GatewayError.invalidArgument(field: "notes", "a return needs notes") }
        let round = (steps.last(where: { $0.step == .review })?.round) ?? 1
        returns.append(ReturnRecord(round: round, at: now, by: actor, notes: trimmed,
                                    revisionDigest: revisionDigest ?? ""))
        advance(finishing: .review, by: actor, at: now, outcome: .returned, to: .drafting, standards: standards)
    }

    /// Step 4 ends: uploaded to the signing service.
    public mutating func upload(signingRequestID: String, by actor: Actor, at now: Date,
                                standards: SOPStandards) throws {
        try require(.approved, to: "upload for signature")
        self.signingRequestID = signingRequestID
        advance(finishing: .upload, by: actor, at: now, outcome: .done, to: .awaitingSignature, standards: standards)
    }

    /// Step 5 ends: the Camat (or acting official) signed.
    public mutating func sign(signatureID: String, by actor: Actor, at now: Date, standards: SOPStandards) throws {
        try require(.awaitingSignature, to: "sign")
        self.signatureID = signatureID
        advance(finishing: .sign, by: actor, at: now, outcome: .done, to: .signed, standards: standards)
    }

    /// Step 6 ends: numbered, registered and handed to distribution.
    public mutating func register(letterNumber: String, by actor: Actor, at now: Date,
                                  standards: SOPStandards) throws {
        try require(.signed, to: "register")
        self.letterNumber = letterNumber
        advance(finishing: .register, by: actor, at: now, outcome: .done, to: .completed, standards: standards)
    }

    /// Withdraws the letter at any step before registration: the open step ends as withdrawn and
    /// the letter never moves again (every later step is FAILED_PRECONDITION).
    public mutating func withdraw(reason: String, by actor: Actor, at now: Date) throws {
        guard let step = currentStep, !state.isTerminal else {
            throw GatewayError.outOfOrder(letterID: letterID, state: state, attempted: "withdraw it")
        }
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw GatewayError.invalidArgument(field: "reason", "is required: say why the letter is withdrawn")
        }
        if let index = steps.lastIndex(where: { $0.outcome == .inProgress }) {
            steps[index].endedAt = now
            steps[index].actor = actor
            steps[index].outcome = .withdrawn
        }
        withdrawal = Withdrawal(at: now, by: actor, reason: trimmed, atStep: step)
        state = .withdrawn
        updatedAt = now
    }

    /// Gives the letter's clerk (`.stafUmum`) or drafter (`.drafter`) role on this letter to `person`.
    /// Only once someone holds it (before, AssignClerk and CreateDraft assign), and only before the
    /// letter is completed or withdrawn.
    public mutating func reassign(_ role: Role, to person: Actor, reason: String, by actor: Actor, at now: Date) throws {
        guard !state.isTerminal else {
            throw GatewayError.outOfOrder(letterID: letterID, state: state, attempted: "reassign it")
        }
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw GatewayError.invalidArgument(field: "reason", "is required: say why the letter is reassigned")
        }
        guard person.role == role else {
            throw GatewayError.invalidArgument(field: "to_user_id", "\(person.id) has role \(person.role.rawValue), not \(role.rawValue)")
        }
        let current: Actor?
        switch role {
        case .stafUmum: current = clerk
        case .drafter: current = drafter
        default:
            throw GatewayError.invalidArgument(field: "role", "must be staf_umum (the clerk) or drafter")
        }
        guard let from = current else {
            let how = role == .stafUmum ? "assign a clerk with AssignClerk (step 1)" : "the first drafter to create the draft holds it"
            throw GatewayError(.failedPrecondition, "letter \(letterID) has no \(role.rawValue) assigned yet: \(how)")
        }
        guard from.id != person.id else {
            throw GatewayError.invalidArgument(field: "to_user_id", "\(person.id) already holds letter \(letterID) as \(role.rawValue)")
        }
        if role == .stafUmum { clerk = person } else { drafter = person }
        reassignments.append(Reassignment(at: now, by: actor, role: role, from: from, to: person, reason: trimmed))
        updatedAt = now
    }
}
