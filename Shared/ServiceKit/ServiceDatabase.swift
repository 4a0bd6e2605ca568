import Foundation
import GRDB
import Metrics
import Observability

/// Opens a service's own SQLite database.
///
/// WAL lets readers run while one writer commits. `synchronous = FULL` makes every commit
/// fsync the WAL before the transaction reports success: a reply of success means the write
/// survives SIGKILL *and* a power cut. (NORMAL in WAL mode survives a process crash but can lose
/// the last commits on power loss; an office's letter record is worth the ~0.2 ms per commit.)
public enum ServiceDatabase {
    /// Opens (creating folders and file when missing) and migrates the database at `path`.
    /// ServiceKit's own tables (idempotency) are migrated first, then the service's.
    public static func open(path: String, migrations: (inout DatabaseMigrator) -> Void) throws -> DatabasePool {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        // With metrics on: transaction latency (read/write), the writer's COMMIT (the WAL fsync
        // that makes a reply durable) and lock wait, readers and writer in use. Off: no trace at all.
        DatabaseMetrics.forDatabase(path: path)?.instrument(&configuration)
        let pool = try DatabasePool(path: path, configuration: configuration)
        // DatabasePool switches its writer to synchronous=NORMAL when it enables WAL, after
        // prepareDatabase ran; set FULL again on the one writer connection, which keeps it.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        var migrator = DatabaseMigrator()
        Idempotency.registerMigrations(&migrator)
        migrations(&migrator)
        try migrator.migrate(pool)
        try SchemaVersions.record(path: path, applied: try pool.read { db in try migrator.appliedMigrations(db) })
        return pool
    }
}
