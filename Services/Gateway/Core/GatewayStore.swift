import Domain
import Foundation
import GRDB
import ServiceKit

/// The gateway's own SQLite database: journeys, step records, users, acting grants, token hashes and the
/// idempotency table. Every change is one write transaction; WAL with synchronous=FULL so an acknowledged
/// step survives SIGKILL and power loss.
public final class GatewayStore: Sendable {
    public let pool: DatabasePool
    let clock: any GatewayClock
    public let standards: SOPStandards

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    /// Opens (and migrates) the database file at `path` on its own; tests and tools use this.
    public convenience init(path: String, clock: any GatewayClock = SystemClock(), standards: SOPStandards = .sop) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        configuration.busyMode = .timeout(10)
        let pool = try DatabasePool(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        // As ServiceDatabase.open does: ServiceKit's tables first (the stored replies), then the gateway's.
        ExactlyOnce.registerMigrations(&migrator)
        Self.registerMigrations(&migrator)
        try migrator.migrate(pool)
        self.init(migratedPool: pool, clock: clock, standards: standards)
    }

    /// Wraps a pool already migrated with `registerMigrations` (e.g. opened by ServiceKit's ServiceDatabase).
    public init(migratedPool pool: DatabasePool, clock: any GatewayClock = SystemClock(), standards: SOPStandards = .sop) {
        self.pool = pool
        self.clock = clock
        self.standards = standards
    }

    public func now() -> Date { clock.now() }

    /// The gateway's tables. Stored replies are ServiceKit's (`ExactlyOnce`); `gateway_request`, where they
    /// were kept before, is copied there by the last migration and kept, unused.
    public static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("gateway-v1") { db in
            try db.execute(sql: """
                CREATE TABLE journey (
                    letter_id TEXT PRIMARY KEY,
                    state TEXT NOT NULL,
                    opened_at REAL NOT NULL,
                    updated_at REAL NOT NULL,
                    data BLOB NOT NULL
                );
                CREATE INDEX journey_by_state ON journey(state, updated_at);
                CREATE TABLE step_record (
                    letter_id TEXT NOT NULL,
                    step INTEGER NOT NULL,
                    round INTEGER NOT NULL,
                    started_at REAL NOT NULL,
                    ended_at REAL,
                    outcome TEXT NOT NULL,
                    standard_seconds INTEGER NOT NULL,
                    data BLOB NOT NULL,
                    PRIMARY KEY (letter_id, step, round)
                );
                CREATE INDEX step_record_by_end ON step_record(ended_at);
                CREATE TABLE user (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL,
                    nip TEXT NOT NULL,
                    active INTEGER NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE TABLE acting_grant (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES user(id),
                    role TEXT NOT NULL,
                    acting_for TEXT NOT NULL,
                    valid_from REAL NOT NULL,
                    valid_until REAL NOT NULL
                );
                CREATE TABLE token (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES user(id),
                    sha256 TEXT NOT NULL UNIQUE,
                    label TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    revoked_at REAL
                );
                CREATE TABLE gateway_request (
                    method TEXT NOT NULL,
                    request_id TEXT NOT NULL,
                    request_digest TEXT NOT NULL,
                    response BLOB NOT NULL,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (method, request_id)
                );
                """)
        }
        migrator.registerMigration("gateway-v2-registration") { db in
            // Every registration the registry acknowledged (step 6), with what it takes to give it
            // back to a registry restored from an older backup (GatewayStore+Registrations.swift).
            try db.execute(sql: """
                CREATE TABLE registration (
                    letter_id TEXT PRIMARY KEY,
                    number TEXT NOT NULL,
                    agenda_year INTEGER NOT NULL,
                    agenda_sequence INTEGER NOT NULL,
                    registered_at REAL NOT NULL,
                    receipt_text BLOB NOT NULL,
                    receipt_seal BLOB NOT NULL,
                    content BLOB NOT NULL,
                    signature_record BLOB NOT NULL,
                    registered_by TEXT NOT NULL,
                    request_id TEXT NOT NULL,
                    unit TEXT NOT NULL
                );
                CREATE INDEX registration_by_agenda ON registration(agenda_year, agenda_sequence);
                """)
        }
        // Sign-in passwords (issue 15), in their own file.
        registerPasswordMigrations(&migrator)
        // The append-only audit log of admin actions (issue 11, item 8), in its own file.
        registerAuditMigrations(&migrator)
        // Signers an admin registered, waiting for their own passphrase (issue 11, item 8).
        registerSignerActivationMigrations(&migrator)
        // What each step asked of a backend, before asking (GatewayStore+Intents.swift).
        registerIntentMigrations(&migrator)
        // Replies the previous release stored, rewritten in this release's types (issue 11, item 11).
        registerStoredReplyMigrations(&migrator)
        // Stored replies move to ServiceKit's exactly-once records (GatewayStore+ExactlyOnce.swift); last,
        // after every rewrite of gateway_request.
        registerExactlyOnceMigrations(&migrator)
    }

    // MARK: Journeys

    /// Letter ids are UUIDs, stored lowercase; wire-format.md promises UUIDs are accepted in
    /// either case, so a UUID is looked up lowercased (anything else as given).
    public static func canonicalLetterID(_ letterID: String) -> String {
        UUID(uuidString: letterID).map { $0.uuidString.lowercased() } ?? letterID
    }

    static func loadJourney(_ db: Database, _ letterID: String) throws -> Journey? {
        guard let data = try Data.fetchOne(db, sql: "SELECT data FROM journey WHERE letter_id = ?",
                                           arguments: [canonicalLetterID(letterID)]) else { return nil }
        return try JSONDecoder().decode(Journey.self, from: data)
    }

    static func saveJourney(_ db: Database, _ journey: Journey) throws {
        let data = try encoder.encode(journey)
        try db.execute(sql: """
            INSERT INTO journey(letter_id, state, opened_at, updated_at, data) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(letter_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at,
                data = excluded.data
            """, arguments: [journey.letterID, journey.state.rawValue, journey.openedAt.timeIntervalSince1970,
                             journey.updatedAt.timeIntervalSince1970, data])
        for record in journey.steps {
            try db.execute(sql: """
                INSERT INTO step_record(letter_id, step, round, started_at, ended_at, outcome, standard_seconds, data)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(letter_id, step, round) DO UPDATE SET ended_at = excluded.ended_at,
                    outcome = excluded.outcome, data = excluded.data
                """, arguments: [journey.letterID, record.step.rawValue, record.round,
                                 record.startedAt.timeIntervalSince1970, record.endedAt?.timeIntervalSince1970,
                                 record.outcome.rawValue, record.standardSeconds, try encoder.encode(record)])
        }
    }

    public func journey(_ letterID: String) async throws -> Journey {
        let found = try await pool.read { db in try Self.loadJourney(db, letterID) }
        guard let found else { throw GatewayError.notFound("letter \(letterID)") }
        return found
    }

    /// Letters, newest first, optionally in one state.
    public func journeys(state: JourneyState? = nil, limit: Int = 100, offset: Int = 0) async throws -> [Journey] {
        try await pool.read { db in
            let rows: [Data]
            if let state {
                rows = try Data.fetchAll(db, sql: """
                    SELECT data FROM journey WHERE state = ? ORDER BY opened_at DESC, letter_id LIMIT ? OFFSET ?
                    """, arguments: [state.rawValue, limit, offset])
            } else {
                rows = try Data.fetchAll(db, sql: """
                    SELECT data FROM journey ORDER BY opened_at DESC, letter_id LIMIT ? OFFSET ?
                    """, arguments: [limit, offset])
            }
            return try rows.map { try JSONDecoder().decode(Journey.self, from: $0) }
        }
    }

    /// The work queue of a role: letters waiting for it, oldest first, overdue marked.
    public func workQueue(role: Role, assigneeID: String? = nil) async throws -> [WorkItem] {
        let states = WorkQueue.states(for: role).map(\.rawValue)
        guard !states.isEmpty else { return [] }
        let journeys = try await pool.read { db in
            try Data.fetchAll(db, sql: "SELECT data FROM journey WHERE state IN (\(states.map { _ in "?" }.joined(separator: ",")))",
                              arguments: StatementArguments(states))
                .map { try JSONDecoder().decode(Journey.self, from: $0) }
        }
        return WorkQueue.items(for: role, assigneeID: assigneeID, journeys: journeys, now: now())
    }

    /// SLA figures for steps that ended in `[from, to)`.
    public func slaReport(from: Date, to: Date) async throws -> SLAReport {
        guard from < to else { throw GatewayError.invalidArgument(field: "to", "must be after from") }
        let records = try await pool.read { db in
            try Data.fetchAll(db, sql: """
                SELECT data FROM step_record WHERE ended_at >= ? AND ended_at < ? AND outcome != 'in_progress'
                """, arguments: [from.timeIntervalSince1970, to.timeIntervalSince1970])
                .map { try JSONDecoder().decode(StepRecord.self, from: $0) }
        }
        return SLAReport.compute(records: records, from: from, to: to, standards: standards)
    }

    // MARK: Idempotent changes

    /// The stored response of an earlier call with this (method, request id), if any. The same id with a
    /// different request is INVALID_ARGUMENT naming request_id.
    public func storedResponse(method: String, requestID: String, requestDigest: String) async throws -> Data? {
        try await pool.read { db in
            try Self.storedResponse(db, method: method, requestID: requestID, requestDigest: requestDigest)
        }
    }

    static func storedResponse(_ db: Database, method: String, requestID: String, requestDigest: String) throws -> Data? {
        try storedReply(db, method: method, requestID: requestID, requestDigest: requestDigest)
    }

    /// Opens a new letter (step 1 starts), recording the response under the request id in the same transaction.
    public func openLetter(_ journey: Journey, method: String, requestID: String, requestDigest: String,
                           response: @escaping @Sendable (Journey) throws -> Data) async throws -> Data {
        try await pool.write { db in
            if let stored = try Self.storedResponse(db, method: method, requestID: requestID,
                                                    requestDigest: requestDigest) { return stored }
            if try Self.loadJourney(db, journey.letterID) != nil {
                throw GatewayError(.alreadyExists, "letter \(journey.letterID) already exists")
            }
            try Self.saveJourney(db, journey)
            let bytes = try response(journey)
            try Self.remember(db, method: method, requestID: requestID, requestDigest: requestDigest, response: bytes)
            return bytes
        }
    }

    /// Applies a transition to a letter's journey and stores the response under the request id, atomically.
    /// A repeated request id returns the stored response and changes nothing. The state check inside `change`
    /// runs again here, so two racing callers cannot both move the letter.
    /// `registration`, when given, is recorded in the same transaction (step 6); the step's intent is closed;
    /// `naturalKey` is stored with the reply (GatewayStore+Intents.swift, `storedStep`).
    public func update(letterID: String, method: String, requestID: String, requestDigest: String,
                       registration: HeldRegistration? = nil, naturalKey: String? = nil,
                       _ change: @escaping @Sendable (inout Journey) throws -> Data) async throws -> Data {
        try await pool.write { db in
            if let stored = try Self.storedResponse(db, method: method, requestID: requestID,
                                                    requestDigest: requestDigest) { return stored }
            guard var journey = try Self.loadJourney(db, letterID) else {
                throw GatewayError.notFound("letter \(letterID)")
            }
            let bytes = try change(&journey)
            try Self.saveJourney(db, journey)
            if let registration { try Self.saveRegistration(db, registration) }
            try Self.remember(db, method: method, requestID: requestID, requestDigest: requestDigest, response: bytes,
                              naturalKey: naturalKey)
            try Self.closeIntent(db, letterID: journey.letterID, method: method)
            return bytes
        }
    }
}
