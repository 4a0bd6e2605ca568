import Domain
import Foundation
import GRDB
import Logging
import RPC
import Wire

/// The one exactly-once rule every mutating method follows (proto-notes/services.md, "Exactly once").
///
/// A step is answered from its stored reply when it was done before, recognised two ways:
/// - by **request id**: the same (method, request id) with the same fingerprint gets the stored reply;
///   the same id with a different request is INVALID_ARGUMENT naming `request_id`;
/// - by **natural key**: the same step by the same actor (a paraf on draft D revision N by A) under a
///   NEW request id gets the first answer's stored reply, so a client or gateway that lost its request id
///   is not told FAILED_PRECONDITION about its own step. The natural key's fingerprint is the request
///   without its request id, and the actor: the same key asked by someone else or with different content
///   is not a replay, `perform` runs and gives the honest error (the state has moved on). A step that
///   was undone (a returned revision's paraf) is taken off its key with `retire`.
///
/// Usage, in a service store (`pool` opened by `ServiceDatabase.open`):
///
///     let exactlyOnce = ExactlyOnce(pool: pool)
///     let answer = try await exactlyOnce.run(
///         method: DraftingAPI.parafDraft.fullName, requestID: request.requestID,
///         fingerprint: try Idempotency.fingerprint(of: request, actorID: actor.id),
///         naturalKey: try NaturalKey(["draft", id, "revision", "\(n)"], asking: requestWithoutID, actorID: actor.id),
///         prepare: { try slowWork() },                  // outside the write transaction, skipped on a replay
///         perform: { db, prepared in try change(db, prepared) })  // inside it; returns the reply
///     answer.log(context.logger, done: "draft initialled by drafter", metadata: [...])
///
/// `perform` runs inside ONE write transaction with the check and the stored reply, so a crash never
/// leaves a change without its reply; a failed `perform` stores nothing and its retry runs afresh.
/// All SQL of the rule is in this file (`ExactlyOnceRecords`), so another store (PostgreSQL) replaces
/// only that part.
public struct ExactlyOnce: Sendable {
    public let pool: DatabasePool
    let now: @Sendable () -> Date

    public init(pool: DatabasePool, now: @escaping @Sendable () -> Date = { Date() }) {
        self.pool = pool
        self.now = now
    }

    /// How a call was answered.
    public enum Source: String, Sendable {
        /// The step happened now.
        case performed
        /// The stored reply of an earlier call with the same request id.
        case requestID = "request_id"
        /// The stored reply of the same step (same natural key, same actor and content) under another request id.
        case naturalKey = "natural_key"
    }

    /// A reply and how it was obtained, for the log line.
    public struct Answer<Response: Sendable>: Sendable {
        public var response: Response
        public var source: Source
        public var method: String
        public var requestID: String

        public var replayed: Bool { source != .performed }

        /// The ONE log line of a mutating call: `done` when the step happened, otherwise
        /// "<Method> replayed: stored reply sent again" (issue 11 item 19: a replay is not the action again).
        public func log(_ logger: Logger, done: Logger.Message, metadata: Logger.Metadata = [:]) {
            var metadata = metadata
            metadata[LogKey.requestID] = .string(requestID)
            if replayed {
                metadata["replay.by"] = .string(source.rawValue)
                logger.info(ExactlyOnce.replayMessage(method: method), metadata: metadata)
            } else {
                logger.info(done, metadata: metadata)
            }
        }
    }

    /// "ParafDraft replayed: stored reply sent again" for "/surat.drafting.v1.Drafting/ParafDraft".
    public static func replayMessage(method: String) -> Logger.Message {
        let name = method.split(separator: "/").last.map(String.init) ?? method
        return "\(name) replayed: stored reply sent again"
    }

    /// Runs one mutating step exactly once; see the type's documentation.
    public func run<Prepared: Sendable, Response: Codable & Sendable>(
        method: String, requestID: String, fingerprint: Data, naturalKey: NaturalKey? = nil,
        prepare: @Sendable () async throws -> Prepared,
        perform: @escaping @Sendable (Database, Prepared) throws -> Response
    ) async throws -> Answer<Response> {
        try Idempotency.validate(requestID: requestID)
        let key = ExactlyOnceRecords.Key(method: method, requestID: requestID, fingerprint: fingerprint, naturalKey: naturalKey)
        // A replay needs no slow work: look first (a read, no writer lock), prepare only for a new step.
        let earlier = try await pool.read { db in try ExactlyOnceRecords.find(db, key) }
        if let earlier, earlier.source == .requestID {
            return Answer(response: try Self.decode(earlier.bytes), source: .requestID, method: method, requestID: requestID)
        }
        let prepared: Prepared? = earlier == nil ? try await prepare() : nil
        let at = now()
        let outcome: (bytes: Data, source: Source)? = try await pool.write { db in
            var performStep: ((Database) throws -> Data)?
            if let prepared { performStep = { db in try Self.encode(perform(db, prepared)) } }
            return try ExactlyOnceRecords.runInTransaction(db, key, at: at, perform: performStep)
        }
        if let outcome {
            return Answer(response: try Self.decode(outcome.bytes), source: outcome.source, method: method, requestID: requestID)
        }
        // Seen as a replay by the read but not inside the transaction (records are never deleted,
        // so only a store restored under us): do the step properly.
        let late = try await prepare()
        let bytes: (bytes: Data, source: Source)? = try await pool.write { db in
            try ExactlyOnceRecords.runInTransaction(db, key, at: at, perform: { db in try Self.encode(perform(db, late)) })
        }
        guard let bytes else { throw RPCError(.internalError, "\(method) neither replayed nor performed") }
        return Answer(response: try Self.decode(bytes.bytes), source: bytes.source, method: method, requestID: requestID)
    }

    /// `run` without a prepare phase.
    public func run<Response: Codable & Sendable>(
        method: String, requestID: String, fingerprint: Data, naturalKey: NaturalKey? = nil,
        perform: @escaping @Sendable (Database) throws -> Response
    ) async throws -> Answer<Response> {
        try await run(method: method, requestID: requestID, fingerprint: fingerprint, naturalKey: naturalKey,
                      prepare: { () }, perform: { db, _ in try perform(db) })
    }

    /// Inside a write transaction: the step `parts` names was undone (a returned revision), so a later
    /// ask of it is a new step, not a replay: it runs and gets the honest error. Replies stay stored
    /// under their request ids.
    public static func retire(_ db: Database, method: String, naturalKey parts: [String]) throws {
        try ExactlyOnceRecords.retire(db, method: method, naturalKey: NaturalKey.join(parts))
    }

    static func encode<Response: Encodable>(_ response: Response) throws -> Data {
        Data(try ProtobufEncoder().encode(response))
    }

    static func decode<Response: Decodable>(_ bytes: Data) throws -> Response {
        try ProtobufDecoder().decode(Response.self, from: [UInt8](bytes))
    }
}

/// What makes a step the same step whatever request id it carries: `parts` name it (paraf: draft,
/// revision), `fingerprint` is what was asked and by whom (the request WITHOUT its request id, and the
/// actor): another actor on the same key is not a replay.
public struct NaturalKey: Sendable, Hashable {
    public let key: String
    public let fingerprint: Data

    public init(_ parts: [String], fingerprint: Data) {
        key = Self.join(parts)
        self.fingerprint = fingerprint
    }

    /// Ids are validated printable, so a control character makes the join unambiguous; not NUL, which
    /// SQLite's C string binding would end the text at (every key of a method would be equal).
    static func join(_ parts: [String]) -> String { parts.joined(separator: "\u{1}") }

    /// `asking` is the request with its request id (and any secret) emptied.
    public init(_ parts: [String], asking request: some Encodable, actorID: String) throws {
        self.init(parts, fingerprint: try Idempotency.fingerprint(of: request, actorID: actorID))
    }
}

/// The rule's SQL, all of it: the `idempotency` table (ServiceKit's migrations) read and written
/// inside the caller's transaction.
enum ExactlyOnceRecords {
    struct Key: Sendable {
        var method: String
        var requestID: String
        var fingerprint: Data
        var naturalKey: NaturalKey?
    }

    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("servicekit.idempotency.v2-natural-key") { db in
            // The natural key of the step and its fingerprint without the request id; NULL for
            // methods that have none. Not unique: a request id that reached a step by its natural key
            // is stored too (same reply), so its own retries are answered by request id.
            try db.execute(sql: """
                ALTER TABLE idempotency ADD COLUMN natural_key TEXT;
                ALTER TABLE idempotency ADD COLUMN step_fingerprint BLOB;
                CREATE INDEX idempotency_by_natural_key ON idempotency(method, natural_key) WHERE natural_key IS NOT NULL;
                """)
        }
    }

    /// The stored reply for `key`: by request id (a different fingerprint throws INVALID_ARGUMENT),
    /// then by natural key with the same step fingerprint (the first such reply).
    static func find(_ db: Database, _ key: Key) throws -> (bytes: Data, source: ExactlyOnce.Source)? {
        if let row = try Row.fetchOne(
            db, sql: "SELECT fingerprint, response FROM idempotency WHERE method = ? AND request_id = ?",
            arguments: [key.method, key.requestID])
        {
            let stored: Data = row["fingerprint"]
            guard stored == key.fingerprint else {
                throw InvalidFieldError("request_id", "\"\(key.requestID)\" was already used for a different \(key.method) request; use a new request id for a new request")
            }
            return (row["response"], .requestID)
        }
        guard let natural = key.naturalKey else { return nil }
        guard let bytes = try Data.fetchOne(
            db, sql: """
                SELECT response FROM idempotency WHERE method = ? AND natural_key = ? AND step_fingerprint = ?
                ORDER BY rowid LIMIT 1
                """,
            arguments: [key.method, natural.key, natural.fingerprint])
        else { return nil }
        return (bytes, .naturalKey)
    }

    /// Check → perform → store, inside the caller's write transaction. A natural-key replay stores the
    /// new request id with the same reply. Returns nil when there is nothing stored and no `perform`.
    static func runInTransaction(
        _ db: Database, _ key: Key, at: Date, perform: ((Database) throws -> Data)?
    ) throws -> (bytes: Data, source: ExactlyOnce.Source)? {
        if let found = try find(db, key) {
            if found.source == .naturalKey { try store(db, key, response: found.bytes, at: at) }
            return found
        }
        guard let perform else { return nil }
        let bytes = try perform(db)
        try store(db, key, response: bytes, at: at)
        return (bytes, .performed)
    }

    static func retire(_ db: Database, method: String, naturalKey: String) throws {
        try db.execute(sql: "UPDATE idempotency SET natural_key = NULL WHERE method = ? AND natural_key = ?",
                       arguments: [method, naturalKey])
    }

    static func store(_ db: Database, _ key: Key, response: Data, at: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO idempotency (method, request_id, fingerprint, response, created_at, natural_key, step_fingerprint)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [key.method, key.requestID, key.fingerprint, response, at, key.naturalKey?.key, key.naturalKey?.fingerprint])
    }
}
