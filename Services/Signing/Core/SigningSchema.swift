import Foundation
import GRDB

/// The signing service's SQLite schema. Times are INTEGER milliseconds since the Unix epoch,
/// exactly the values that go into envelopes and published key records.
public enum SigningSchema {
    public static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("signing-v1") { db in
            try db.execute(sql: """
                CREATE TABLE signer (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    nip TEXT NOT NULL,
                    position TEXT NOT NULL,
                    role TEXT NOT NULL,
                    registered_at INTEGER NOT NULL
                );
                -- One row per key pair. sealed_private_key is AES-256-GCM ciphertext under an scrypt
                -- key of the signer's passphrase; it is erased (NULL) when the key is rotated out or revoked.
                CREATE TABLE signing_key (
                    key_id TEXT PRIMARY KEY NOT NULL,
                    signer_id TEXT NOT NULL REFERENCES signer(id),
                    algorithm TEXT NOT NULL,
                    public_key BLOB NOT NULL,
                    valid_from INTEGER NOT NULL,
                    valid_until INTEGER NOT NULL DEFAULT 0,
                    revoked_at INTEGER NOT NULL DEFAULT 0,
                    revocation_reason TEXT NOT NULL DEFAULT '',
                    kdf TEXT,
                    kdf_log2_n INTEGER,
                    kdf_block_size INTEGER,
                    kdf_parallelism INTEGER,
                    kdf_salt BLOB,
                    sealed_private_key BLOB,
                    passphrase_changed_at INTEGER
                );
                CREATE INDEX signing_key_by_signer ON signing_key(signer_id, valid_from);
                CREATE TABLE delegation (
                    id TEXT PRIMARY KEY NOT NULL,
                    from_signer_id TEXT NOT NULL REFERENCES signer(id),
                    to_signer_id TEXT NOT NULL REFERENCES signer(id),
                    kind INTEGER NOT NULL,
                    valid_from INTEGER NOT NULL,
                    valid_until INTEGER NOT NULL,
                    revoked_at INTEGER NOT NULL DEFAULT 0,
                    reference TEXT NOT NULL DEFAULT '',
                    created_at INTEGER NOT NULL,
                    created_by TEXT NOT NULL
                );
                CREATE INDEX delegation_by_delegate ON delegation(to_signer_id);
                -- SOP step 4: a letter revision uploaded for signature, with the parafs it carries.
                CREATE TABLE signing_request (
                    id TEXT PRIMARY KEY NOT NULL,
                    letter_id TEXT NOT NULL,
                    revision_digest BLOB NOT NULL,
                    content BLOB NOT NULL,
                    drafter_paraf BLOB NOT NULL,
                    sekretaris_paraf BLOB NOT NULL,
                    uploaded_by TEXT NOT NULL,
                    uploaded_at INTEGER NOT NULL,
                    UNIQUE (letter_id, revision_digest)
                );
                CREATE INDEX signing_request_by_letter ON signing_request(letter_id, uploaded_at);
                -- SOP step 5: at most one signature per upload (UNIQUE), stored with the exact signed bytes.
                CREATE TABLE signature (
                    id TEXT PRIMARY KEY NOT NULL,
                    signing_request_id TEXT NOT NULL UNIQUE REFERENCES signing_request(id),
                    letter_id TEXT NOT NULL,
                    envelope BLOB NOT NULL,
                    signature BLOB NOT NULL,
                    key_id TEXT NOT NULL REFERENCES signing_key(key_id),
                    signer_id TEXT NOT NULL,
                    on_behalf_of TEXT NOT NULL DEFAULT '',
                    delegation_id TEXT NOT NULL DEFAULT '',
                    signed_at INTEGER NOT NULL
                );
                CREATE INDEX signature_by_letter ON signature(letter_id);
                -- Wrong-passphrase accounting per signer, durable so a restart does not reset a lockout.
                CREATE TABLE passphrase_failure (
                    signer_id TEXT PRIMARY KEY NOT NULL,
                    failures INTEGER NOT NULL,
                    window_started_at INTEGER NOT NULL,
                    locked_until INTEGER NOT NULL DEFAULT 0
                );
                -- Security-relevant events (wrong passphrase, lockout, key changes), never with secrets.
                CREATE TABLE security_event (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    at INTEGER NOT NULL,
                    signer_id TEXT NOT NULL,
                    event TEXT NOT NULL,
                    detail TEXT NOT NULL DEFAULT ''
                );
                -- Request ids of mutating calls: a retry with the same id returns the first result.
                -- fingerprint = SHA-256 of the request without secrets; result_id = the record created.
                CREATE TABLE request_log (
                    method TEXT NOT NULL,
                    request_id TEXT NOT NULL,
                    fingerprint BLOB NOT NULL,
                    result_id TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    PRIMARY KEY (method, request_id)
                );
                """)
        }
        // Runs after ServiceKit's own migrations (ServiceDatabase.open registers those first).
        migrator.registerMigration("signing-v2-exactly-once") { db in try migrateRequestLog(db) }
    }
}
