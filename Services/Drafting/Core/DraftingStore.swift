import Domain
import Foundation
import GRDB
import RPC
import ServiceKit

/// The drafting service's own database: drafts, their immutable revisions, parafs and returns.
/// Every mutation is one write transaction together with its idempotency record, so a reply of
/// success means the change and its stored response are both on disk (synchronous=FULL).
public final class DraftingStore: Sendable {
    let pool: DatabasePool
    let now: @Sendable () -> Date
    let exactlyOnce: ExactlyOnce

    public init(path: String, now: @escaping @Sendable () -> Date = { Date() }) throws {
        pool = try ServiceDatabase.open(path: path, migrations: Self.registerMigrations)
        self.now = now
        exactlyOnce = ExactlyOnce(pool: pool, now: now)
    }

    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("drafting.v1") { db in
            try db.execute(sql: """
                CREATE TABLE drafts (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    letter_id TEXT NOT NULL,
                    state INTEGER NOT NULL,
                    drafter_id TEXT NOT NULL,
                    drafter BLOB NOT NULL,
                    drafting_unit TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    latest_revision INTEGER NOT NULL,
                    latest_digest BLOB NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX drafts_state ON drafts(state, seq);
                CREATE INDEX drafts_unit ON drafts(drafting_unit, seq);
                CREATE INDEX drafts_drafter ON drafts(drafter_id, seq);
                CREATE TABLE revisions (
                    draft_id TEXT NOT NULL REFERENCES drafts(id),
                    number INTEGER NOT NULL,
                    digest BLOB NOT NULL,
                    content BLOB NOT NULL,
                    author BLOB NOT NULL,
                    based_on INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (draft_id, number)
                );
                CREATE TABLE parafs (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    draft_id TEXT NOT NULL REFERENCES drafts(id),
                    revision INTEGER NOT NULL,
                    paraf BLOB NOT NULL
                );
                CREATE INDEX parafs_draft ON parafs(draft_id, seq);
                CREATE TABLE returns (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    draft_id TEXT NOT NULL REFERENCES drafts(id),
                    revision INTEGER NOT NULL,
                    record BLOB NOT NULL
                );
                CREATE INDEX returns_draft ON returns(draft_id, seq);
                """)
        }
    }

    // MARK: - Mutations (each: one transaction, idempotent per request id)

    /// Creates a draft at revision 1 from already validated `content`.
    public func create(_ request: CreateDraftRequest, content: LetterContent, actor: ActorIdentity) async throws -> ExactlyOnce.Answer<Draft> {
        let at = StoredTime.millis(now())
        return try await exactlyOnce.run(
            method: DraftingAPI.createDraft.fullName, requestID: request.requestID,
            fingerprint: try Idempotency.fingerprint(of: request, actorID: actor.id),
            prepare: { try content.digest() }  // SHA-256 over up to 4 MiB: outside the write transaction
        ) { db, digest in
            let id = UUID().uuidString.lowercased()
            try db.execute(
                sql: """
                    INSERT INTO drafts (id, letter_id, state, drafter_id, drafter, drafting_unit, subject,
                                        latest_revision, latest_digest, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
                    """,
                arguments: [id, request.letterID, DraftState.editing.rawValue, actor.id, try StoredMessage.encode(actor),
                            content.draftingUnit, content.subject, digest, at, at])
            try Self.insertRevision(db, draftID: id, number: 1, digest: digest, content: content, author: actor, basedOn: 0, at: at)
            return try Self.load(db, id: id)
        }
    }

    /// Makes revision latest+1 from `base_revision` (optimistic concurrency).
    public func update(_ request: UpdateDraftRequest, content: LetterContent, actor: ActorIdentity) async throws -> ExactlyOnce.Answer<Draft> {
        let at = StoredTime.millis(now())
        return try await exactlyOnce.run(
            method: DraftingAPI.updateDraft.fullName, requestID: request.requestID,
            fingerprint: try Idempotency.fingerprint(of: request, actorID: actor.id),
            prepare: { try content.digest() }
        ) { db, digest in
            let row = try Self.draftRow(db, id: request.draftID)
            let state = DraftState(rawValue: row["state"]) ?? .unspecified
            let latest: Int64 = row["latest_revision"]
            if state == .initialled {
                throw RPCError(.failedPrecondition, "draft \(request.draftID) is initialled (paraf on revision \(latest)) and locked until the Sekretaris returns it")
            }
            if request.baseRevision != latest {
                throw RPCError(.aborted, "draft \(request.draftID) is at revision \(latest) but the edit is based on revision \(request.baseRevision): someone else changed it; reload and apply the edit again")
            }
            let number = latest + 1
            try Self.insertRevision(db, draftID: request.draftID, number: number, digest: digest, content: content,
                                    author: actor, basedOn: latest, at: at)
            try db.execute(
                sql: """
                    UPDATE drafts SET state = ?, latest_revision = ?, latest_digest = ?, subject = ?,
                                      drafting_unit = ?, updated_at = ? WHERE id = ?
                    """,
                arguments: [DraftState.editing.rawValue, number, digest, content.subject, content.draftingUnit, at, request.draftID])
            return try Self.load(db, id: request.draftID)
        }
    }

    /// The drafter's paraf on the latest revision; locks it. Natural key: draft + revision (the drafter is
    /// in its fingerprint), so the same drafter initialling the same revision again under a new request
    /// id gets the first reply; another drafter gets FAILED_PRECONDITION.
    public func paraf(_ request: ParafDraftRequest, actor: ActorIdentity) async throws -> ExactlyOnce.Answer<ParafDraftResponse> {
        let at = StoredTime.millis(now())
        var asked = request
        asked.requestID = ""
        return try await exactlyOnce.run(
            method: DraftingAPI.parafDraft.fullName, requestID: request.requestID,
            fingerprint: try Idempotency.fingerprint(of: request, actorID: actor.id),
            naturalKey: try NaturalKey(Self.parafKey(draftID: request.draftID, revision: request.revision),
                                       asking: asked, actorID: actor.id)
        ) { db in
            let row = try Self.draftRow(db, id: request.draftID)
            let state = DraftState(rawValue: row["state"]) ?? .unspecified
            let latest: Int64 = row["latest_revision"]
            let latestDigest: Data = row["latest_digest"]
            if state == .initialled {
                throw RPCError(.failedPrecondition, "draft \(request.draftID) is already initialled at revision \(latest) and awaits the Sekretaris")
            }
            if request.revision != latest {
                throw RPCError(.aborted, "draft \(request.draftID) is at revision \(latest), not \(request.revision): someone changed it; read revision \(latest) before the paraf")
            }
            if !request.revisionDigest.isEmpty && request.revisionDigest != latestDigest {
                throw InvalidFieldError("revision_digest", "does not match revision \(latest) (digest \(LetterContent.hex(latestDigest)))")
            }
            if state == .returned, let returnedRevision = try Int64.fetchOne(
                db, sql: "SELECT revision FROM returns WHERE draft_id = ? ORDER BY seq DESC LIMIT 1", arguments: [request.draftID]),
               returnedRevision == latest
            {
                throw RPCError(.failedPrecondition, "revision \(latest) of draft \(request.draftID) was returned by the Sekretaris with notes; edit it (a new revision) before the paraf")
            }
            let paraf = Paraf(actor: actor, role: Role.drafter.rawValue, initialledAt: StoredTime.date(at),
                              revisionDigest: latestDigest, revision: latest)
            try db.execute(sql: "INSERT INTO parafs (draft_id, revision, paraf) VALUES (?, ?, ?)",
                           arguments: [request.draftID, latest, try StoredMessage.encode(paraf)])
            try db.execute(sql: "UPDATE drafts SET state = ?, updated_at = ? WHERE id = ?",
                           arguments: [DraftState.initialled.rawValue, at, request.draftID])
            return ParafDraftResponse(draft: try Self.load(db, id: request.draftID), paraf: paraf)
        }
    }

    /// Unlocks an initialled draft after the Sekretaris returned it, keeping the notes.
    public func reopen(_ request: ReopenDraftRequest, actor: ActorIdentity) async throws -> ExactlyOnce.Answer<Draft> {
        let at = StoredTime.millis(now())
        return try await exactlyOnce.run(
            method: DraftingAPI.reopenDraft.fullName, requestID: request.requestID,
            fingerprint: try Idempotency.fingerprint(of: request, actorID: actor.id)
        ) { db in
            let row = try Self.draftRow(db, id: request.draftID)
            let state = DraftState(rawValue: row["state"]) ?? .unspecified
            let latest: Int64 = row["latest_revision"]
            let latestDigest: Data = row["latest_digest"]
            guard state == .initialled else {
                throw RPCError(.failedPrecondition, "draft \(request.draftID) is not initialled (state \(state)); only an initialled draft can be returned")
            }
            guard request.revisionDigest == latestDigest else {
                throw RPCError(.failedPrecondition, "digest \(LetterContent.hex(request.revisionDigest)) is not the initialled revision \(latest) of draft \(request.draftID) (digest \(LetterContent.hex(latestDigest)))")
            }
            let record = DraftReturn(revision: latest, revisionDigest: latestDigest, notes: request.notes,
                                     returnedBy: actor, returnedAt: StoredTime.date(at))
            try db.execute(sql: "INSERT INTO returns (draft_id, revision, record) VALUES (?, ?, ?)",
                           arguments: [request.draftID, latest, try StoredMessage.encode(record)])
            // The returned revision's paraf is undone: initialling it again is refused, not replayed.
            try ExactlyOnce.retire(db, method: DraftingAPI.parafDraft.fullName,
                                   naturalKey: Self.parafKey(draftID: request.draftID, revision: latest))
            try db.execute(sql: "UPDATE drafts SET state = ?, updated_at = ? WHERE id = ?",
                           arguments: [DraftState.returned.rawValue, at, request.draftID])
            return try Self.load(db, id: request.draftID)
        }
    }

    static func parafKey(draftID: String, revision: Int64) -> [String] {
        ["draft", draftID, "revision", String(revision)]
    }

    // MARK: - Queries

    public func draft(id: String) async throws -> Draft {
        try await pool.read { db in try Self.load(db, id: id) }
    }

    /// One revision with its content.
    public func revision(draftID: String, number: Int64) async throws -> DraftRevision {
        try await pool.read { db in
            _ = try Self.draftRow(db, id: draftID)
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM revisions WHERE draft_id = ? AND number = ?", arguments: [draftID, number]) else {
                throw RPCError(.notFound, "draft \(draftID) has no revision \(number)")
            }
            return try Self.revision(row)
        }
    }

    public func list(_ request: ListDraftsRequest) async throws -> ListDraftsResponse {
        let size = try Paging.size(request.pageSize)
        let after = try Paging.after(request.pageToken)
        return try await pool.read { db in
            var conditions = ["seq > ?"]
            var arguments: StatementArguments = [after]
            if request.state != .unspecified {
                conditions.append("state = ?")
                arguments += [request.state.rawValue]
            }
            if !request.draftingUnit.isEmpty {
                conditions.append("drafting_unit = ?")
                arguments += [request.draftingUnit]
            }
            if !request.drafterID.isEmpty {
                conditions.append("drafter_id = ?")
                arguments += [request.drafterID]
            }
            arguments += [size + 1]
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM drafts WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq LIMIT ?",
                arguments: arguments)
            var response = ListDraftsResponse()
            for row in rows.prefix(size) { response.drafts.append(try Self.summary(row)) }
            if rows.count > size, let last = rows.prefix(size).last {
                let seq: Int64 = last["seq"]
                response.nextPageToken = String(seq)
            }
            return response
        }
    }

    // MARK: - Rows

    static func insertRevision(_ db: Database, draftID: String, number: Int64, digest: Data, content: LetterContent,
                               author: ActorIdentity, basedOn: Int64, at: Int64) throws {
        try db.execute(
            sql: "INSERT INTO revisions (draft_id, number, digest, content, author, based_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [draftID, number, digest, try StoredMessage.encode(content), try StoredMessage.encode(author), basedOn, at])
    }

    static func draftRow(_ db: Database, id: String) throws -> Row {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM drafts WHERE id = ?", arguments: [id]) else {
            throw RPCError(.notFound, "no draft \(id)")
        }
        return row
    }

    static func summary(_ row: Row) throws -> DraftSummary {
        var summary = DraftSummary()
        summary.id = row["id"]
        summary.state = DraftState(rawValue: row["state"]) ?? .unspecified
        summary.latestRevision = row["latest_revision"]
        summary.latestDigest = row["latest_digest"]
        summary.drafter = try StoredMessage.decode(ActorIdentity.self, row["drafter"])
        summary.draftingUnit = row["drafting_unit"]
        summary.subject = row["subject"]
        summary.createdAt = StoredTime.date(row["created_at"])
        summary.updatedAt = StoredTime.date(row["updated_at"])
        summary.letterID = row["letter_id"]
        return summary
    }

    static func revision(_ row: Row) throws -> DraftRevision {
        let content: Data? = row["content"]
        return DraftRevision(
            number: row["number"], digest: row["digest"],
            content: try content.map { try StoredMessage.decode(LetterContent.self, $0) } ?? LetterContent(),
            author: try StoredMessage.decode(ActorIdentity.self, row["author"]),
            createdAt: StoredTime.date(row["created_at"]), basedOn: row["based_on"])
    }

    static func load(_ db: Database, id: String) throws -> Draft {
        let row = try draftRow(db, id: id)
        let summary = try summary(row)
        var draft = Draft()
        draft.id = summary.id
        draft.state = summary.state
        draft.latestRevision = summary.latestRevision
        draft.latestDigest = summary.latestDigest
        draft.drafter = summary.drafter
        draft.draftingUnit = summary.draftingUnit
        draft.createdAt = summary.createdAt
        draft.updatedAt = summary.updatedAt
        draft.letterID = summary.letterID
        draft.subject = summary.subject
        // Only the latest revision's content: older ones come from GetRevision, so the reply stays
        // bounded however many revisions (with attachments) a draft collects.
        let revisionRows = try Row.fetchAll(
            db, sql: """
                SELECT number, digest, author, based_on, created_at, CASE WHEN number = ? THEN content END AS content
                FROM revisions WHERE draft_id = ? ORDER BY number
                """,
            arguments: [draft.latestRevision, id])
        for row in revisionRows { draft.revisions.append(try revision(row)) }
        for blob in try Data.fetchAll(db, sql: "SELECT paraf FROM parafs WHERE draft_id = ? ORDER BY seq", arguments: [id]) {
            draft.parafs.append(try StoredMessage.decode(Paraf.self, blob))
        }
        for blob in try Data.fetchAll(db, sql: "SELECT record FROM returns WHERE draft_id = ? ORDER BY seq", arguments: [id]) {
            draft.returns.append(try StoredMessage.decode(DraftReturn.self, blob))
        }
        return draft
    }
}
