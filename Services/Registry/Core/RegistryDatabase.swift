import Foundation
import GRDB
import ServiceKit

/// Opens the registry's SQLite file: WAL, synchronous=FULL (a commit is on disk before any caller
/// hears "registered"), and the schema below.
package enum RegistryDatabase {
    /// `configure` adds to the configuration before the pool opens (the server's database metrics).
    package static func open(path: String, configure: (inout Configuration) -> Void = { _ in }) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on power loss, and an
            // acknowledged number must never be lost.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // A larger page cache keeps the letter-id index in memory (fewer preads per batch).
            // Checkpoints run on their own thread (Checkpointer); the automatic one, inside a
            // writer's commit, is only a safety net at 64 MiB of WAL.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 16384")
        }
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 4
        configure(&configuration)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let pool = try DatabasePool(path: path, configuration: configuration)
        try migrator.migrate(pool)
        return pool
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // One row per gapless sequence: a number scope ("unit|year" or "unit|classification|year")
            // or an agenda year ("agenda|2025"). Only the single writer touches these rows.
            try db.execute(sql: """
                CREATE TABLE counter (
                    scope TEXT PRIMARY KEY,
                    last_value INTEGER NOT NULL
                ) WITHOUT ROWID;

                CREATE TABLE agenda (
                    id INTEGER PRIMARY KEY,
                    letter_id TEXT NOT NULL UNIQUE,
                    request_id TEXT NOT NULL,  -- unique per letter; enforced by the writer (WriterState)
                    number TEXT NOT NULL UNIQUE,
                    scope TEXT NOT NULL,
                    sequence INTEGER NOT NULL,
                    agenda_year INTEGER NOT NULL,
                    agenda_sequence INTEGER NOT NULL,
                    unit TEXT NOT NULL,
                    classification TEXT NOT NULL,
                    registered_at_ms INTEGER NOT NULL,
                    registered_by TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    addressee_ids TEXT NOT NULL,
                    addressee_names TEXT NOT NULL,
                    attachment_count INTEGER NOT NULL,
                    sifat TEXT NOT NULL,
                    urgency TEXT NOT NULL,
                    letter_type TEXT NOT NULL,
                    signer_id TEXT NOT NULL,
                    signer_name TEXT NOT NULL,
                    key_id TEXT NOT NULL,
                    on_behalf_of TEXT NOT NULL,
                    signed_at_ms INTEGER NOT NULL,
                    signature_reference TEXT NOT NULL,
                    signature BLOB NOT NULL,
                    signer_public_key BLOB NOT NULL,
                    content_sha256 BLOB NOT NULL,
                    status INTEGER NOT NULL,
                    remarks TEXT NOT NULL,
                    cancel_reason TEXT NOT NULL DEFAULT '',
                    cancelled_at_ms INTEGER,
                    cancelled_by TEXT NOT NULL DEFAULT '',
                    receipt BLOB NOT NULL,
                    receipt_signature BLOB NOT NULL,
                    registry_key_id TEXT NOT NULL,
                    UNIQUE (scope, sequence),
                    UNIQUE (agenda_year, agenda_sequence)
                );
                CREATE INDEX agenda_by_time ON agenda(registered_at_ms);

                -- What is delivered to addressees, kept apart so agenda scans stay small. Keyed by
                -- the agenda row id (not the random letter UUID) so inserts append to the B-tree
                -- instead of dirtying random pages: that halves the bytes written per commit.
                CREATE TABLE letter_payload (
                    agenda_id INTEGER PRIMARY KEY REFERENCES agenda(id),
                    content BLOB NOT NULL,
                    signature_record BLOB NOT NULL
                );

                -- The outbox: one row per (letter, addressee). state: see DeliveryState.
                CREATE TABLE delivery (
                    id INTEGER PRIMARY KEY,
                    agenda_id INTEGER NOT NULL REFERENCES agenda(id),
                    letter_id TEXT NOT NULL,
                    addressee_id TEXT NOT NULL,
                    addressee_name TEXT NOT NULL,
                    endpoint TEXT NOT NULL,
                    state INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_ms INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT NOT NULL DEFAULT '',
                    delivered_at_ms INTEGER,
                    acknowledgement TEXT NOT NULL DEFAULT '',
                    delivered_by TEXT NOT NULL DEFAULT '',
                    note TEXT NOT NULL DEFAULT '',
                    UNIQUE (agenda_id, addressee_id)
                );
                CREATE INDEX delivery_due ON delivery(state, next_attempt_ms) WHERE state = 1;

                -- Idempotency of the mutating calls other than Register (which is idempotent on
                -- the letter id and keeps its request id in the agenda row).
                CREATE TABLE request_log (
                    request_id TEXT PRIMARY KEY,
                    method TEXT NOT NULL,
                    fingerprint TEXT NOT NULL
                ) WITHOUT ROWID;

                -- Letters received from other offices (the inbox side).
                CREATE TABLE incoming (
                    id INTEGER PRIMARY KEY,
                    sender_office TEXT NOT NULL,
                    number TEXT NOT NULL,
                    letter_id TEXT NOT NULL,
                    addressee_id TEXT NOT NULL,
                    received_at_ms INTEGER NOT NULL,
                    subject TEXT NOT NULL,
                    content BLOB NOT NULL,
                    content_sha256 BLOB NOT NULL,
                    signature_record BLOB NOT NULL,
                    signer_id TEXT NOT NULL,
                    receipt BLOB NOT NULL,
                    receipt_signature BLOB NOT NULL,
                    acknowledgement TEXT NOT NULL,
                    UNIQUE (sender_office, number)
                );
                """)
        }
        migrator.registerMigration("v2-reconcile") { db in
            // Agenda years in which a caller holds a registration this book lacks (the database was
            // restored from an older backup), or in which the book has a gap. While any row exists
            // the writer numbers nothing new; an import that completes the year deletes its row.
            // Kept in the database so the refusal survives restarts (proto-notes/registry.md).
            try db.execute(sql: """
                CREATE TABLE reconcile_required (
                    agenda_year INTEGER PRIMARY KEY,
                    known_sequence INTEGER NOT NULL,
                    detected_at_ms INTEGER NOT NULL,
                    reported_by TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v3-letter-pdf") { db in
            // The office profile the final PDF is laid out with: every version kept, the highest
            // is current (proto-notes/registry.md, "The office profile").
            // The final PDF of each letter numbered while the office had a profile. The row is
            // written pending (pdf NULL) in the numbering transaction, with the verification id and
            // the profile version; rendering happens after that commit, outside the writer, and
            // fills pdf, sha256 and the v2 receipt in a second transaction. A pending row found at
            // start is rendered then (the same inputs give the same bytes).
            try db.execute(sql: """
                CREATE TABLE office_profile (
                    version INTEGER PRIMARY KEY,
                    profile_json BLOB NOT NULL,
                    emblem_png BLOB NOT NULL,
                    sha256 BLOB NOT NULL,
                    set_at_ms INTEGER NOT NULL,
                    set_by TEXT NOT NULL,
                    request_id TEXT NOT NULL
                );

                CREATE TABLE letter_pdf (
                    agenda_id INTEGER PRIMARY KEY REFERENCES agenda(id),
                    verification_id TEXT NOT NULL UNIQUE,
                    profile_version INTEGER NOT NULL,
                    pdf BLOB,
                    sha256 BLOB,
                    size INTEGER NOT NULL DEFAULT 0,
                    rendered_at_ms INTEGER
                );
                CREATE INDEX letter_pdf_by_digest ON letter_pdf(sha256) WHERE sha256 IS NOT NULL;
                CREATE INDEX letter_pdf_pending ON letter_pdf(agenda_id) WHERE pdf IS NULL;
                """)
        }
        // ServiceKit's exactly-once records: Register's stored replies (RegistryStore+Batch.swift).
        ExactlyOnce.registerMigrations(&migrator)
        return migrator
    }
}
