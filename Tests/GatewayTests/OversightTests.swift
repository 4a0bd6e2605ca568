import Domain
import Foundation
@testable import GatewayCore
import GRDB
import RPC
import Testing
@testable import GatewayService

/// Issue 11, items 1, 6, 7 and 8 at the gateway: withdrawal, assignment and reassignment, who reads a
/// letter's content, the append-only audit log.
@Suite("Withdrawal, assignment, content access, audit log", .timeLimit(.minutes(10)))
struct OversightTests {
    let standards = SOPStandards.sop
    static let otherClerk = Actor(id: "budi", name: "Budi", role: .stafUmum)
    static let otherDrafter = Actor(id: "eko", name: "Eko", role: .drafter)

    /// A journey moved to `state` through the normal transitions.
    func journey(at state: JourneyState, clock: ManualClock) throws -> Journey {
        let clerk = Fixtures.clerk
        var journey = Journey(letterID: "L1", subject: "Undangan", classification: "005", unit: "416-313",
                              openedBy: clerk, at: clock.now(), standards: standards)
        let path: [JourneyState] = [.opened, .drafting, .inReview, .approved, .awaitingSignature, .signed, .completed]
        for next in path.dropFirst() {
            if journey.state == state { break }
            clock.advance(minutes: 1)
            switch next {
            case .drafting:
                try journey.assignClerk(clerk, by: clerk, at: clock.now(), standards: standards)
                try journey.recordDraftCreated(draftID: "D1", revision: 1, digest: "aa", by: Fixtures.drafter, at: clock.now())
            case .inReview: try journey.paraf(revision: 1, digest: "aa", by: Fixtures.drafter, at: clock.now(), standards: standards)
            case .approved: try journey.approve(by: Fixtures.sekretaris, at: clock.now(), standards: standards)
            case .awaitingSignature: try journey.upload(signingRequestID: "S1", by: clerk, at: clock.now(), standards: standards)
            case .signed: try journey.sign(signatureID: "SIG", by: Fixtures.camat, at: clock.now(), standards: standards)
            case .completed: try journey.register(letterNumber: "005/1/416-313/2026", by: clerk, at: clock.now(), standards: standards)
            default: break
            }
        }
        #expect(journey.state == state)
        return journey
    }

    @Test("a letter can be withdrawn at every step before registration; then it is terminal and leaves the queues",
          arguments: [JourneyState.opened, .drafting, .inReview, .approved, .awaitingSignature, .signed])
    func withdrawAtEveryStep(state: JourneyState) throws {
        let clock = ManualClock()
        var journey = try journey(at: state, clock: clock)
        let step = try #require(journey.currentStep)
        #expect(WorkQueue.items(for: step.role, journeys: [journey], now: clock.now()).count == 1)
        clock.advance(minutes: 2)
        try journey.withdraw(reason: "  Acara dibatalkan  ", by: Fixtures.clerk, at: clock.now())
        #expect(journey.state == .withdrawn && journey.state.isTerminal && journey.currentStep == nil)
        #expect(journey.withdrawal == Withdrawal(at: clock.now(), by: Fixtures.clerk, reason: "Acara dibatalkan", atStep: step))
        #expect(journey.steps.last?.outcome == .withdrawn && journey.steps.last?.endedAt == clock.now())
        #expect(journey.steps.allSatisfy { $0.outcome != .inProgress })
        // Out of every queue, and its withdrawn step does not count in the SLA report.
        for role in Role.allCases { #expect(WorkQueue.items(for: role, journeys: [journey], now: clock.now()).isEmpty) }
        let report = SLAReport.compute(records: journey.steps, from: .distantPast, to: .distantFuture, standards: standards)
        #expect(report.steps.first { $0.step == step }?.count == journey.steps.filter { $0.step == step && $0.outcome != .withdrawn }.count)
        // Every later step and a second withdrawal are FAILED_PRECONDITION saying it was withdrawn.
        let withdrawn = journey
        let attempts: [() throws -> Void] = [
            { try withdrawn.requireStep(step, to: "act") },
            { var copy = withdrawn; try copy.withdraw(reason: "again", by: Fixtures.clerk, at: clock.now()) },
            { var copy = withdrawn; try copy.reassign(.stafUmum, to: Self.otherClerk, reason: "r", by: Fixtures.clerk, at: clock.now()) },
        ]
        for attempt in attempts {
            let error = #expect(throws: GatewayError.self) { try attempt() }
            #expect(error?.kind == .failedPrecondition && error?.message.contains("withdrawn") == true, "\(String(describing: error))")
        }
    }

    @Test("a completed letter cannot be withdrawn; a withdrawal needs a reason")
    func withdrawRefusals() throws {
        let clock = ManualClock()
        var completed = try journey(at: .completed, clock: clock)
        #expect(throws: GatewayError.self) { try completed.withdraw(reason: "late", by: Fixtures.clerk, at: clock.now()) }
        var drafting = try journey(at: .drafting, clock: clock)
        let refused1 = #expect(throws: GatewayError.self) { try drafting.withdraw(reason: " \n ", by: Fixtures.clerk, at: clock.now()) }
        #expect(refused1?.field == "reason")
        #expect(drafting.state == .drafting)
    }

    @Test("steps 2, 4 and 6 only by the assigned drafter or clerk; a reassignment moves them and is recorded")
    func assignmentAndReassignment() throws {
        let clock = ManualClock()
        var journey = try journey(at: .drafting, clock: clock)
        #expect(throws: Never.self) { try journey.requireStep(.draft, to: "edit", by: Fixtures.drafter) }
        let denied = #expect(throws: GatewayError.self) { try journey.requireStep(.draft, to: "edit the draft", by: Self.otherDrafter) }
        #expect(denied?.kind == .permissionDenied && denied?.message.contains("dedi") == true
                && denied?.message.contains("ReassignLetter") == true)
        clock.advance(minutes: 1)
        try journey.reassign(.drafter, to: Self.otherDrafter, reason: "Dedi cuti", by: Fixtures.clerk, at: clock.now())
        #expect(journey.drafter == Self.otherDrafter)
        #expect(throws: GatewayError.self) { try journey.requireStep(.draft, to: "edit", by: Fixtures.drafter) }
        #expect(throws: Never.self) { try journey.requireStep(.draft, to: "edit", by: Self.otherDrafter) }
        #expect(journey.reassignments == [Reassignment(at: clock.now(), by: Fixtures.clerk, role: .drafter, from: Fixtures.drafter,
                                                       to: Self.otherDrafter, reason: "Dedi cuti")])

        var approved = try self.journey(at: .approved, clock: clock)
        #expect(throws: GatewayError.self) { try approved.requireStep(.upload, to: "upload", by: Self.otherClerk) }
        try approved.reassign(.stafUmum, to: Self.otherClerk, reason: "Ani pindah tugas", by: Fixtures.clerk, at: clock.now())
        #expect(throws: Never.self) { try approved.requireStep(.upload, to: "upload", by: Self.otherClerk) }
        #expect(throws: GatewayError.self) { try approved.requireStep(.upload, to: "upload", by: Fixtures.clerk) }
        // Steps 3 and 5 are not assigned to one person.
        let review = try self.journey(at: .inReview, clock: clock)
        #expect(throws: Never.self) { try review.requireStep(.review, to: "approve", by: Actor(id: "plh", name: "Plh", role: .sekretaris)) }
    }

    @Test("reassignment refusals: no holder yet, wrong role, same person, no reason, terminal letter")
    func reassignmentRefusals() throws {
        let clock = ManualClock()
        var opened = try journey(at: .opened, clock: clock)
        let refused2 = #expect(throws: GatewayError.self) { try opened.reassign(.stafUmum, to: Self.otherClerk, reason: "r", by: Fixtures.clerk, at: clock.now()) }
        #expect(refused2?.kind == .failedPrecondition)
        var drafting = try journey(at: .drafting, clock: clock)
        let refused3 = #expect(throws: GatewayError.self) { try drafting.reassign(.drafter, to: Self.otherClerk, reason: "r", by: Fixtures.clerk, at: clock.now()) }
        #expect(refused3?.field == "to_user_id")
        let refused4 = #expect(throws: GatewayError.self) { try drafting.reassign(.drafter, to: Fixtures.drafter, reason: "r", by: Fixtures.clerk, at: clock.now()) }
        #expect(refused4?.field == "to_user_id")
        let refused5 = #expect(throws: GatewayError.self) { try drafting.reassign(.drafter, to: Self.otherDrafter, reason: "", by: Fixtures.clerk, at: clock.now()) }
        #expect(refused5?.field == "reason")
        var completed = try journey(at: .completed, clock: clock)
        let refused6 = #expect(throws: GatewayError.self) { try completed.reassign(.stafUmum, to: Self.otherClerk, reason: "r", by: Fixtures.clerk, at: clock.now()) }
        #expect(refused6?.kind == .failedPrecondition)
    }

    @Test("content by sifat: Biasa everyone; Terbatas/Rahasia participants and the SOP chain; Sangat Rahasia participants")
    func contentAccess() throws {
        let clock = ManualClock()
        let drafting = try journey(at: .drafting, clock: clock)
        let review = try journey(at: .inReview, clock: clock)
        func may(_ id: String, _ roles: Set<Role>, _ journey: Journey, _ sifat: Sifat) -> Bool {
            ContentAccess.mayRead(userID: id, roles: roles, journey: journey, sifat: sifat)
        }
        for sifat in [Sifat.unspecified, .biasa] {
            #expect(may("eko", [.drafter], drafting, sifat) && may("root", [.admin], drafting, sifat))
        }
        for sifat in [Sifat.terbatas, .rahasia] {
            #expect(may("dedi", [.drafter], drafting, sifat))          // the drafter
            #expect(may("budi", [.stafUmum], drafting, sifat))         // SOP chain role, not on the journey
            #expect(may("sri", [.sekretaris], drafting, sifat) && may("camat", [.camat], drafting, sifat))
            #expect(!may("eko", [.drafter], drafting, sifat))          // another drafter
            #expect(!may("root", [.admin], drafting, sifat) && !may("aud", [.auditor], drafting, sifat))
        }
        #expect(may("ani", [.stafUmum], drafting, .sangatRahasia) && may("dedi", [.drafter], drafting, .sangatRahasia))
        #expect(!may("budi", [.stafUmum], drafting, .sangatRahasia))  // a clerk not on the journey
        #expect(!may("sri", [.sekretaris], drafting, .sangatRahasia))  // not yet the Sekretaris' turn
        #expect(may("sri", [.sekretaris], review, .sangatRahasia))     // now it is
        #expect(!may("camat", [.camat], review, .sangatRahasia) && !may("root", [.admin], review, .sangatRahasia))
        #expect(ContentAccess.strictest([.biasa, .sangatRahasia, .rahasia]) == .sangatRahasia)
    }

    @Test("the audit log appends in order, filters, and SQLite refuses to change or delete an entry")
    func auditLogIsAppendOnly() async throws {
        let store = try GatewayStore(path: Fixtures.temporaryDatabasePath(), clock: ManualClock())
        let admin = Actor(id: "admin", name: "Administrator", role: .admin)
        try await store.appendAudit(actor: admin, action: "CreateUser", target: "user:dedi", detail: "role=drafter")
        try await store.appendAudit(actor: admin, action: "IssueToken", target: "user:dedi", detail: "token=tok-1")
        try await store.appendAudit(actor: Fixtures.clerk, action: "WithdrawLetter", target: "letter:L1", requestID: "r1")
        let all = try await store.auditLog()
        #expect(all.map(\.sequence) == [1, 2, 3] && all.map(\.action) == ["CreateUser", "IssueToken", "WithdrawLetter"])
        #expect(try await store.auditLog(afterSequence: 1, limit: 1).map(\.sequence) == [2])
        #expect(try await store.auditLog(actorID: "ani").map(\.target) == ["letter:L1"])
        #expect(try await store.auditLog(action: "IssueToken").map(\.detail) == ["token=tok-1"])
        for sql in ["UPDATE audit_log SET detail = 'nothing' WHERE sequence = 2", "DELETE FROM audit_log WHERE sequence = 1",
                    "DELETE FROM audit_log"] {
            await #expect(throws: DatabaseError.self) { try await store.pool.write { try $0.execute(sql: sql) } }
        }
        #expect(try await store.auditLog() == all)
    }

    @Test("over RPC: admin actions are audited, ListAuditLog is for admin and auditor; withdrawal by the clerk only; unit syntax at open")
    func overRPC() async throws {
        let gateway = try await LiveGateway()
        defer { Task { await gateway.stop() } }
        let ani = try await gateway.user("ani", role: "staf_umum")
        let budi = try await gateway.user("budi", role: "staf_umum")
        let auditor = try await gateway.user("audit", role: "auditor")
        // The registry is unreachable here: the unit's syntax is still checked (issue 11, item 1).
        for unit in ["416/313", "416 313", "Kec/Sooko"] {
            let refused = await rpcCode {
                _ = try await gateway.call(GatewayAPI.openLetter, GatewayAPI.OpenLetterRequest(
                    requestID: "r-\(UUID())", subject: "Undangan", classification: "005", unit: unit), token: ani)
            }
            #expect(refused?.code == .invalidArgument && refused?.metadata["surat-field"] == "unit", "\(String(describing: refused))")
        }
        let opened = try await gateway.call(GatewayAPI.openLetter, GatewayAPI.OpenLetterRequest(
            requestID: "r-open", subject: "Undangan", classification: "005", unit: "416-313"), token: ani)
        let letterID = try #require(opened.journey?.letterID)
        _ = try await gateway.call(GatewayAPI.assignClerk, GatewayAPI.AssignClerkRequest(requestID: "r-assign", letterID: letterID),
                                   token: ani)
        let notClerk = await rpcCode {
            _ = try await gateway.call(GatewayAPI.withdrawLetter, GatewayAPI.WithdrawLetterRequest(
                requestID: "w1", letterID: letterID, reason: "Tidak jadi"), token: budi)
        }
        #expect(notClerk?.code == .permissionDenied)
        let noReason = await rpcCode {
            _ = try await gateway.call(GatewayAPI.withdrawLetter, GatewayAPI.WithdrawLetterRequest(
                requestID: "w2", letterID: letterID, reason: " "), token: ani)
        }
        #expect(noReason?.code == .invalidArgument && noReason?.metadata["surat-field"] == "reason")
        let withdrawn = try await gateway.call(GatewayAPI.withdrawLetter, GatewayAPI.WithdrawLetterRequest(
            requestID: "w3", letterID: letterID, reason: "Tidak jadi"), token: ani)
        #expect(withdrawn.journey?.state == .withdrawn && withdrawn.journey?.withdrawal?.reason == "Tidak jadi")
        #expect(withdrawn.journey?.withdrawal?.atStep == 2 && withdrawn.journey?.steps.last?.outcome == .withdrawn)
        let replay = try await gateway.call(GatewayAPI.withdrawLetter, GatewayAPI.WithdrawLetterRequest(
            requestID: "w3", letterID: letterID, reason: "Tidak jadi"), token: ani)
        #expect(replay == withdrawn)

        let denied = await rpcCode {
            _ = try await gateway.call(GatewayAPI.listAuditLog, GatewayAPI.ListAuditLogRequest(), token: ani)
        }
        #expect(denied?.code == .permissionDenied)
        for token in [gateway.adminToken, auditor] {
            let log = try await gateway.call(GatewayAPI.listAuditLog, GatewayAPI.ListAuditLogRequest(), token: token)
            #expect(log.entries.map(\.action) == ["CreateUser", "IssueToken", "CreateUser", "IssueToken", "CreateUser", "IssueToken",
                                                  "WithdrawLetter"])
            #expect(log.entries.map(\.target).prefix(2) == ["user:ani", "user:ani"])
            #expect(log.entries.first?.actor?.id == "admin" && log.entries.last?.actor?.id == "ani")
            #expect(log.entries.last?.target == "letter:\(letterID)" && log.entries.last?.requestID == "w3")
            #expect(log.entries.map(\.sequence) == Array(1...7))
        }
        let tokens = try await gateway.call(GatewayAPI.listAuditLog, GatewayAPI.ListAuditLogRequest(action: "IssueToken"),
                                            token: auditor)
        #expect(tokens.entries.count == 3 && tokens.entries.allSatisfy { !$0.detail.contains("surat_") })
    }

    @Test("a journey stored before withdrawals and reassignments existed still decodes, with none")
    func oldJourneysDecode() throws {
        let clock = ManualClock()
        let journey = try journey(at: .inReview, clock: clock)
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(journey)) as? [String: Any])
        object.removeValue(forKey: "withdrawal")
        object.removeValue(forKey: "reassignmentLog")
        let old = try JSONDecoder().decode(Journey.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.withdrawal == nil && old.reassignments.isEmpty && old.state == .inReview)
        #expect(old == journey)
    }

    @Test("signer registrations: pending until activated; repeated with the same position is the same; another is ALREADY_EXISTS")
    func signerRegistrations() async throws {
        let store = try GatewayStore(path: Fixtures.temporaryDatabasePath(), clock: ManualClock())
        _ = try await store.createUser(id: "camat", name: "Pak Camat", role: .camat, nip: "197201011998031005")
        let admin = Actor(id: "admin", name: "Administrator", role: .admin)
        let first = try await store.requestSigner(userID: "camat", position: "Camat Sooko", by: admin, requestID: "r1")
        #expect(first.activatedAt == nil && first.keyID.isEmpty && first.requestedBy == admin)
        #expect(try await store.requestSigner(userID: "camat", position: "Camat Sooko", by: admin, requestID: "r2") == first)
        let other = await #expect(throws: GatewayError.self) {
            _ = try await store.requestSigner(userID: "camat", position: "Plt. Camat", by: admin, requestID: "r3")
        }
        #expect(other?.kind == .alreadyExists)
        try await store.markSignerActivated(userID: "camat", keyID: "key-1")
        let activated = try #require(try await store.signerRegistration(userID: "camat"))
        #expect(activated.activatedAt != nil && activated.keyID == "key-1")
        let again = await #expect(throws: GatewayError.self) {
            _ = try await store.requestSigner(userID: "camat", position: "Camat Sooko", by: admin, requestID: "r4")
        }
        #expect(again?.kind == .alreadyExists && again?.message.contains("key-1") == true)
        #expect(try await store.signerRegistration(userID: "nobody") == nil)
    }
}
