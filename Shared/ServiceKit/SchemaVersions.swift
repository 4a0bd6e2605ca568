import Foundation
import GRDB
import Metrics
import NIOConcurrencyHelpers
import Observability

/// The schema of each database this process opened: the GRDB migration identifiers applied, in
/// order (a migration's identifier is its version: a release adds migrations, never edits one).
/// Exported as `surat_database_schema_migrations{database}` and
/// `surat_database_schema_info{database, migration}` (the newest), and logged at start.
public enum SchemaVersions {
    private static let applied = NIOLockedValueBox<[String: [String]]>([:])

    static func record(path: String, applied identifiers: [String]) throws {
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        applied.withLockedValue { $0[name] = identifiers }
    }

    /// Records a database opened elsewhere than `ServiceDatabase.open` (GRDB keeps the applied
    /// identifiers in `grdb_migrations`, in the order they ran).
    public static func record(path: String, pool: DatabasePool) throws {
        let identifiers = try pool.read { db -> [String] in
            guard try db.tableExists("grdb_migrations") else { return [] }
            return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
        }
        try record(path: path, applied: identifiers)
    }

    /// Applied migrations per database (file name without extension).
    public static var all: [String: [String]] { applied.withLockedValue { $0 } }

    static func registerMetrics(_ metrics: ServiceMetrics) {
        metrics.addCollector {
            for (database, identifiers) in all {
                Gauge(label: MetricNames.schemaMigrations, dimensions: [("database", database)]).record(identifiers.count)
                if let newest = identifiers.last {
                    Gauge(label: MetricNames.schemaInfo, dimensions: [("database", database), ("migration", newest)]).record(1)
                }
            }
        }
    }
}
