import Domain
import Foundation
import GRDB
import RPC
import ServiceKit

/// The approval service's own database: one review per draft and one round per submission.
/// Mutations are single write transactions with their idempotency record (synchronous=FULL).
public final class ApprovalStore: Sendable {
    let pool: DatabasePool
    let now: @Sendable () -> Date
    let exactlyOnce: ExactlyOnce

    public init(path: String, now: @escaping @Sendable () -> Date = { Date() }) throws {
        pool = try ServiceDatabase.open(path: path, migrations: Self.registerMigrations)
        self.now = now
        exactlyOnce = ExactlyOnce(pool: pool, now: now)
    }

    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("approval.v1") { db in
            try db.execute(sql: """
                CREATE TABLE reviews (
                    draft_id TEXT PRIMARY KEY,
                    letter_id TEXT NOT NULL,
                    state INTEGER NOT NULL,
                    revision INTEGER NOT NULL,
                    digest BLOB NOT NULL,
                    subject TEXT NOT NULL,
                    drafting_unit TEXT NOT NULL,
                    sifat INTEGER NOT NULL,
                    urgency INTEGER NOT NULL,
                    drafter BLOB NOT NULL,
                    submitted_at INTEGER NOT NULL,
                    content BLOB NOT NULL,
                    sekretaris_paraf BLOB
                );
                -- One row per submission; the autoincrement id orders the queue (oldest first).
                CREATE TABLE rounds (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    draft_id TEXT NOT NULL REFERENCES reviews(draft_id),
                    round INTEGER NOT NULL,
                    outcome INTEGER NOT NULL,
                    record BLOB NOT NULL,
                    UNIQUE (draft_id, round)
                );
                CREATE INDEX rounds_pending ON rounds(outcome, id);
                """)
        }
    }

    // MARK: - Mutations

    /// Queues an initialled revision (already checked: digest of `content` = paraf digest). Natural key:
    /// draft + revision digest, so a resubmission under a new request id gets the first reply.
    public func submit(_ request: SubmitForReviewRequest, actor: ActorIdentity) async throws -> ExactlyOnce.Answer<Review> {
        let at = StoredTime.millis(now())
        var asked = request
        asked.requestID = ""
        return try await exactlyOnce.run(
            method: ApprovalAPI.submitForReview.fullName, requestID: request.requestID,
            fingerprint: try Idempotency.fingerprint(of: request, actorID: actor.id),
            naturalKey: try NaturalKey(Self.submitKey(draftID: request.draftID, digest: request.drafterParaf.revisionDigest),
                                       asking: asked, actorID: actor.id)
        ) { db in
            let digest = request.drafterParaf.revisionDigest
            var roundNumber: Int32 = 1
            if let row = try Row.fetchOne(db, sql: "SELECT state, revision, digest FROM reviews WHERE draft_id = ?", arguments: [request.draftID]) {
                let state = ReviewState(rawValue: row["state"]) ?? .unspecified
                let revision: Int64 = row["revision"]
                let current: Data = row["digest"]
                switch state {
                case .pending where current == digest:
                    // The same initialled revision again, asked differently (not a natural-key replay): no change.
                    return try Self.load(db, draftID: request.draftID)
                case .pending:
                    throw RPCError(.failedPrecondition, "draft \(request.draftID) already awaits the Sekretaris at revision \(revision); it must be approved or returned first")
                case .approved:
                    throw RPCError(.failedPrecondition, "draft \(request.draftID) was already approved at revision \(revision)")
                case .returned, .unspecified:
                    if request.revision <= revision {
                        throw RPCError(.failedPrecondition, "revision \(request.revision) of draft \(request.draftID) is not newer than the returned revision \(revision); edit and initial a new revision")
                    }
                }
                roundNumber = try Int32.fetchOne(db, sql: "SELECT MAX(round) FROM rounds WHERE draft_id = ?", arguments: [request.draftID]).map { $0 + 1 } ?? 1
            }
            try db.execute(
                sql: """
                    INSERT INTO reviews (draft_id, letter_id, state, revision, digest, subject, drafting_unit, sifat, urgency,
                                         drafter, submitted_at, content, sekretaris_paraf)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
                    ON CONFLICT(draft_id) DO UPDATE SET
                        letter_id = excluded.letter_id, state = excluded.state, revision = excluded.revision,
                        digest = excluded.digest, subject = excluded.subject, drafting_unit = excluded.drafting_unit,
                        sifat = excluded.sifat, urgency = excluded.urgency, drafter = excluded.drafter,
                        submitted_at = excluded.submitted_at, content = excluded.content
                    """,
                arguments: [request.draftID, request.letterID, ReviewState.pending.rawValue, request.revision, digest,
                            request.content.subject, request.content.draftingUnit, request.content.sifat.rawValue,
                            request.content.urgency.rawValue, try StoredMessage.encode(request.drafterParaf.actor), at,
                            try StoredMessage.encode(request.content)])
            var round = ReviewRound()
            round.round = roundNumber
            round.revision = request.revision
            round.revisionDigest = digest
            round.drafterParaf = request.drafterParaf
            round.submittedAt = StoredTime.date(at)
            round.outcome = .pending
            try db.execute(sql: "INSERT INTO rounds (draft_id, round, outcome, record) VALUES (?, ?, ?, ?)",
                           arguments: [request.draftID, roundNumber, ReviewState.pending.rawValue, try StoredMessage.encode(round)])
            return try Self.load(db, draftID: request.draftID)
        }
    }

    /// The Sekretaris' decision on the pending round: approve (with a paraf) or return (with notes).
    /// `naturalKey` is given for Approve (draft + digest, the Sekretaris in its fingerprint: a revision is
    /// approved once).
    public func decide(
        method: String, requestID: String, draftID: String, digest: Data, notes: String, approve: Bool,
        actor: ActorIdentity, fingerprint: Data, naturalKey: NaturalKey? = nil
    ) async throws -> ExactlyOnce.Answer<ApproveResponse> {
        let at = StoredTime.millis(now())
        return try await exactlyOnce.run(method: method, requestID: requestID, fingerprint: fingerprint,
                                         naturalKey: naturalKey) { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT state, revision, digest FROM reviews WHERE draft_id = ?", arguments: [draftID]) else {
                throw RPCError(.notFound, "no review for draft \(draftID): it was never submitted (SubmitForReview after the drafter's paraf)")
            }
            let state = ReviewState(rawValue: row["state"]) ?? .unspecified
            let revision: Int64 = row["revision"]
            let current: Data = row["digest"]
            guard state == .pending else {
                throw RPCError(.failedPrecondition, "draft \(draftID) is not awaiting the Sekretaris (state \(state), revision \(revision))")
            }
            guard digest == current else {
                throw RPCError(.failedPrecondition, "digest \(LetterContent.hex(digest)) is not the latest initialled revision of draft \(draftID) (revision \(revision), digest \(LetterContent.hex(current)))")
            }
            guard let roundRow = try Row.fetchOne(
                db, sql: "SELECT id, record FROM rounds WHERE draft_id = ? AND outcome = ? ORDER BY id DESC LIMIT 1",
                arguments: [draftID, ReviewState.pending.rawValue])
            else {
                throw RPCError(.internalError, "review of draft \(draftID) is pending without a pending round")
            }
            var round = try StoredMessage.decode(ReviewRound.self, roundRow["record"])
            let outcome: ReviewState = approve ? .approved : .returned
            let decidedAt = StoredTime.date(at)
            var paraf = Paraf()
            if approve {
                paraf = Paraf(actor: actor, role: Role.sekretaris.rawValue, initialledAt: decidedAt, revisionDigest: current, revision: revision)
                round.sekretarisParaf = paraf
            }
            round.outcome = outcome
            round.notes = notes
            round.decidedBy = actor
            round.decidedAt = decidedAt
            let roundID: Int64 = roundRow["id"]
            try db.execute(sql: "UPDATE rounds SET outcome = ?, record = ? WHERE id = ?",
                           arguments: [outcome.rawValue, try StoredMessage.encode(round), roundID])
            try db.execute(sql: "UPDATE reviews SET state = ?, sekretaris_paraf = ? WHERE draft_id = ?",
                           arguments: [outcome.rawValue, approve ? try StoredMessage.encode(paraf) : nil, draftID])
            if !approve {
                // The returned round is over: submitting that revision again is a new round, not a replay.
                try ExactlyOnce.retire(db, method: ApprovalAPI.submitForReview.fullName,
                                       naturalKey: Self.submitKey(draftID: draftID, digest: current))
            }
            return ApproveResponse(review: try Self.load(db, draftID: draftID), paraf: paraf)
        }
    }

    static func submitKey(draftID: String, digest: Data) -> [String] {
        ["draft", draftID, "digest", LetterContent.hex(digest)]
    }

    // MARK: - Queries

    public func review(draftID: String) async throws -> Review {
        try await pool.read { db in try Self.load(db, draftID: draftID) }
    }

    /// Pending rounds, oldest submission first, with their age at `now`.
    public func queue(_ request: ListReviewQueueRequest) async throws -> ListReviewQueueResponse {
        let size = try Paging.size(request.pageSize)
        let after = try Paging.after(request.pageToken)
        let nowMillis = StoredTime.millis(now())
        return try await pool.read { db in
            var sql = """
                SELECT r.id, r.draft_id, r.record, v.subject, v.drafting_unit, v.drafter, v.letter_id, v.sifat, v.urgency
                FROM rounds r JOIN reviews v ON v.draft_id = r.draft_id
                WHERE r.outcome = ? AND r.id > ?
                """
            var arguments: StatementArguments = [ReviewState.pending.rawValue, after]
            if !request.draftingUnit.isEmpty {
                sql += " AND v.drafting_unit = ?"
                arguments += [request.draftingUnit]
            }
            sql += " ORDER BY r.id LIMIT ?"
            arguments += [size + 1]
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            var response = ListReviewQueueResponse()
            for row in rows.prefix(size) {
                let round = try StoredMessage.decode(ReviewRound.self, row["record"])
                var item = ReviewQueueItem()
                item.draftID = row["draft_id"]
                item.revision = round.revision
                item.revisionDigest = round.revisionDigest
                item.subject = row["subject"]
                item.draftingUnit = row["drafting_unit"]
                item.drafter = try StoredMessage.decode(ActorIdentity.self, row["drafter"])
                item.submittedAt = round.submittedAt
                item.ageSeconds = max(0, (nowMillis - StoredTime.millis(round.submittedAt)) / 1000)
                item.round = round.round
                item.letterID = row["letter_id"]
                item.sifat = Sifat(rawValue: row["sifat"]) ?? .unspecified
                item.urgency = Urgency(rawValue: row["urgency"]) ?? .unspecified
                response.items.append(item)
            }
            if rows.count > size, let last = rows.prefix(size).last {
                let id: Int64 = last["id"]
                response.nextPageToken = String(id)
            }
            return response
        }
    }

    static func load(_ db: Database, draftID: String) throws -> Review {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM reviews WHERE draft_id = ?", arguments: [draftID]) else {
            throw RPCError(.notFound, "no review for draft \(draftID)")
        }
        var review = Review()
        review.draftID = row["draft_id"]
        review.state = ReviewState(rawValue: row["state"]) ?? .unspecified
        review.revision = row["revision"]
        review.revisionDigest = row["digest"]
        review.subject = row["subject"]
        review.draftingUnit = row["drafting_unit"]
        review.drafter = try StoredMessage.decode(ActorIdentity.self, row["drafter"])
        review.submittedAt = StoredTime.date(row["submitted_at"])
        review.content = try StoredMessage.decode(LetterContent.self, row["content"])
        review.letterID = row["letter_id"]
        if let paraf: Data = row["sekretaris_paraf"] {
            review.sekretarisParaf = try StoredMessage.decode(Paraf.self, paraf)
        }
        for blob in try Data.fetchAll(db, sql: "SELECT record FROM rounds WHERE draft_id = ? ORDER BY round", arguments: [draftID]) {
            review.rounds.append(try StoredMessage.decode(ReviewRound.self, blob))
        }
        return review
    }
}
