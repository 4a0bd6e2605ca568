import Domain
import Foundation
import GRDB

/// One administrative action as the audit log keeps it (issue 11, item 8).
public struct AuditEntry: Sendable, Equatable, Codable {
    /// Position in the log: 1, 2, 3, ... in the order the actions were recorded.
    public var sequence: Int64
    public var at: Date
    public var actor: Actor
    /// The method, e.g. `CreateUser`, `IssueToken`, `RegisterSigner`, `WithdrawLetter`.
    public var action: String
    /// What it acted on, e.g. `user:dedi`, `token:…`, `letter:…`.
    public var target: String
    /// The parameters that matter (role, validity, reason), never a secret.
    public var detail: String
    public var requestID: String
}

/// The append-only audit log of administrative actions: rows are only ever inserted; triggers make
/// SQLite refuse any UPDATE or DELETE of them, whoever asks.
extension GatewayStore {
    public static func registerAuditMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("gateway-audit-log-v1") { db in
            try db.execute(sql: """
                CREATE TABLE audit_log (
                    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                    at REAL NOT NULL,
                    actor_id TEXT NOT NULL,
                    actor BLOB NOT NULL,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    request_id TEXT NOT NULL
                );
                CREATE INDEX audit_log_by_actor ON audit_log(actor_id, sequence);
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                """)
        }
    }

    /// Appends one entry and returns it with its sequence number.
    @discardableResult
    public func appendAudit(actor: Actor, action: String, target: String, detail: String = "",
                            requestID: String = "") async throws -> AuditEntry {
        let at = now()
        let actorData = try JSONEncoder().encode(actor)
        let sequence = try await pool.write { db -> Int64 in
            try db.execute(sql: """
                INSERT INTO audit_log(at, actor_id, actor, action, target, detail, request_id) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [at.timeIntervalSince1970, actor.id, actorData, action, target, detail, requestID])
            return db.lastInsertedRowID
        }
        return AuditEntry(sequence: sequence, at: at, actor: actor, action: action, target: target, detail: detail,
                          requestID: requestID)
    }

    /// Entries after `afterSequence`, oldest first, optionally of one actor and/or one action.
    public func auditLog(afterSequence: Int64 = 0, limit: Int = 100, actorID: String? = nil,
                         action: String? = nil) async throws -> [AuditEntry] {
        try await pool.read { db in
            var sql = "SELECT * FROM audit_log WHERE sequence > ?"
            var arguments: StatementArguments = [afterSequence]
            if let actorID { sql += " AND actor_id = ?"; arguments += [actorID] }
            if let action { sql += " AND action = ?"; arguments += [action] }
            sql += " ORDER BY sequence LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                AuditEntry(sequence: row["sequence"], at: Date(timeIntervalSince1970: row["at"]),
                           actor: try JSONDecoder().decode(Actor.self, from: row["actor"] as Data),
                           action: row["action"], target: row["target"], detail: row["detail"], requestID: row["request_id"])
            }
        }
    }
}
