import Domain
import Foundation
import GatewayCore

// Conversions between the gateway's internal records and the published surat.gateway.v1 messages.

extension ActorIdentity {
    init(_ actor: GatewayCore.Actor) {
        self.init(id: actor.id, name: actor.name, role: actor.role, actingFor: actor.actingFor)
    }
}

extension GatewayAPI.JourneyState {
    init(_ state: GatewayCore.JourneyState) {
        self = switch state {
        case .opened: .opened
        case .drafting: .drafting
        case .inReview: .inReview
        case .approved: .approved
        case .awaitingSignature: .awaitingSignature
        case .signed: .signed
        case .completed: .completed
        case .withdrawn: .withdrawn
        }
    }

    var core: GatewayCore.JourneyState? {
        switch self {
        case .unspecified: nil
        case .opened: .opened
        case .drafting: .drafting
        case .inReview: .inReview
        case .approved: .approved
        case .awaitingSignature: .awaitingSignature
        case .signed: .signed
        case .completed: .completed
        case .withdrawn: .withdrawn
        }
    }
}

extension GatewayAPI.StepRecord {
    init(_ record: GatewayCore.StepRecord, now: Date) {
        self.init()
        step = Int32(record.step.rawValue)
        title = record.step.title
        round = Int32(record.round)
        startedAt = record.startedAt
        endedAt = record.endedAt
        actor = record.actor.map(ActorIdentity.init)
        durationSeconds = (record.endedAt ?? now).timeIntervalSince(record.startedAt)
        standardSeconds = Int32(record.standardSeconds)
        late = record.isLate(now: now)
        outcome = switch record.outcome {
        case .inProgress: .inProgress
        case .done: .done
        case .returned: .returned
        case .withdrawn: .withdrawn
        }
    }
}

extension GatewayAPI.Journey {
    init(_ journey: GatewayCore.Journey, now: Date) {
        self.init()
        letterID = journey.letterID
        subject = journey.subject
        classification = journey.classification
        unit = journey.unit
        state = GatewayAPI.JourneyState(journey.state)
        currentStep = Int32(journey.currentStep?.rawValue ?? 0)
        currentStepTitle = journey.currentStep?.title ?? "completed"
        openedAt = journey.openedAt
        openedBy = ActorIdentity(journey.openedBy)
        clerk = journey.clerk.map(ActorIdentity.init)
        drafter = journey.drafter.map(ActorIdentity.init)
        draftID = journey.draftID ?? ""
        revision = Int64(journey.revision ?? 0)
        revisionDigest = GatewayService.digestBytes(journey.revisionDigest)
        signingRequestID = journey.signingRequestID ?? ""
        signatureID = journey.signatureID ?? ""
        letterNumber = journey.letterNumber ?? ""
        steps = journey.steps.map { GatewayAPI.StepRecord($0, now: now) }
        returns = journey.returns.map { record in
            var message = GatewayAPI.ReturnRecord()
            message.round = Int32(record.round)
            message.at = record.at
            message.by = ActorIdentity(record.by)
            message.notes = record.notes
            message.revisionDigest = GatewayService.digestBytes(record.revisionDigest)
            return message
        }
        totalDurationSeconds = journey.totalDurationSeconds ?? 0
        updatedAt = journey.updatedAt
        withdrawal = journey.withdrawal.map { record in
            var message = GatewayAPI.Withdrawal()
            message.at = record.at
            message.by = ActorIdentity(record.by)
            message.reason = record.reason
            message.atStep = Int32(record.atStep.rawValue)
            return message
        }
        reassignments = journey.reassignments.map { record in
            var message = GatewayAPI.Reassignment()
            message.at = record.at
            message.by = ActorIdentity(record.by)
            message.role = record.role.rawValue
            message.previous = ActorIdentity(record.from)
            message.assignee = ActorIdentity(record.to)
            message.reason = record.reason
            return message
        }
    }
}

extension GatewayAPI.WorkItem {
    init(_ item: GatewayCore.WorkItem) {
        self.init()
        letterID = item.letterID
        subject = item.subject
        step = Int32(item.step.rawValue)
        stepTitle = item.step.title
        waitingSince = item.waitingSince
        ageSeconds = item.ageSeconds
        standardSeconds = Int32(item.standardSeconds)
        overdue = item.overdue
        assigneeID = item.assigneeID ?? ""
    }
}

extension GatewayAPI.StepSLA {
    init(_ row: GatewayCore.StepSLA) {
        self.init()
        step = Int32(row.step.rawValue)
        title = row.step.title
        count = Int32(row.count)
        medianSeconds = row.medianSeconds
        p90Seconds = row.p90Seconds
        lateCount = Int32(row.lateCount)
        standardSeconds = Int32(row.standardSeconds)
    }
}

extension GatewayAPI.User {
    init(_ user: GatewayCore.User) {
        self.init()
        id = user.id
        name = user.name
        role = user.role.rawValue
        nip = user.nip
        active = user.active
        createdAt = user.createdAt
    }
}

extension GatewayAPI.TokenInfo {
    init(_ token: TokenRecord) {
        self.init()
        id = token.id
        userID = token.userID
        label = token.label
        createdAt = token.createdAt
        expiresAt = token.expiresAt
        revokedAt = token.revokedAt
    }
}

extension GatewayAPI.ActingGrant {
    init(_ grant: GatewayCore.ActingGrant) {
        self.init()
        id = grant.id
        userID = grant.userID
        role = grant.role.rawValue
        actingFor = grant.actingFor
        validFrom = grant.validFrom
        validUntil = grant.validUntil
    }
}
