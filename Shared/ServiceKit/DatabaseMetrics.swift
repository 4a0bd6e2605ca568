import Foundation
import GRDB
import Metrics
import Observability

/// Transaction latency and pool use of one SQLite database (label `database`, the file name
/// without extension), read off each connection's statement trace: a transaction runs from its
/// BEGIN to its COMMIT or ROLLBACK. Installed only while metrics are on; with metrics off no
/// trace is installed at all.
///
/// GRDB begins a pool's write transactions IMMEDIATE (taking SQLite's write lock at once) and its
/// read transactions DEFERRED, so the writer's BEGIN lasts exactly as long as the wait for the
/// write lock another process (a backup, the sqlite3 shell) holds.
public struct DatabaseMetrics: Sendable {
    let readDuration: Timer
    let writeDuration: Timer
    let commitDuration: Timer
    let writeLockWait: Timer
    let readersInUse: Meter
    let writerInUse: Meter
    let readersMax: Gauge

    /// The metrics of `path`'s database, or nil when metrics are off.
    public static func forDatabase(path: String) -> DatabaseMetrics? {
        guard ServiceMetrics.current != nil else { return nil }
        return DatabaseMetrics(database: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
    }

    init(database: String) {
        let label = [("database", database)]
        readDuration = Timer(label: MetricNames.databaseTransactionDuration, dimensions: label + [("kind", "read")])
        writeDuration = Timer(label: MetricNames.databaseTransactionDuration, dimensions: label + [("kind", "write")])
        commitDuration = Timer(label: MetricNames.databaseCommitDuration, dimensions: label)
        writeLockWait = Timer(label: MetricNames.databaseWriteLockWait, dimensions: label)
        readersInUse = Meter(label: MetricNames.databaseReadersInUse, dimensions: label)
        writerInUse = Meter(label: MetricNames.databaseWriterInUse, dimensions: label)
        readersMax = Gauge(label: MetricNames.databaseReadersMax, dimensions: label)
        // Present from the start, so a dashboard reads 0 rather than "no data" before any use.
        readersInUse.set(0)
        writerInUse.set(0)
    }

    /// Adds the metrics to a pool's configuration (call before opening the pool; runs after any
    /// `prepareDatabase` already set).
    public func instrument(_ configuration: inout Configuration) {
        readersMax.record(configuration.maximumReaderCount)
        configuration.prepareDatabase { [self] db in install(on: db) }
    }

    /// Traces one connection. The trace runs on the connection's own queue, one statement at a
    /// time, so the connection's open transaction needs no lock.
    func install(on db: Database) {
        let isReader = db.configuration.readonly
        let transaction = OpenTransaction()
        let duration = isReader ? readDuration : writeDuration
        let inUse = isReader ? readersInUse : writerInUse
        db.trace(options: .profile) { event in
            guard case let .profile(statement, elapsed) = event else { return }
            let sql = statement.sql
            if sql.hasPrefix("BEGIN") {
                transaction.began = DispatchTime.now().uptimeNanoseconds &- UInt64(elapsed * 1e9)
                inUse.increment()
                if !isReader { writeLockWait.recordNanoseconds(Int64(elapsed * 1e9)) }
            } else if sql.hasPrefix("COMMIT") || (sql.hasPrefix("ROLLBACK") && !sql.contains("SAVEPOINT")) {
                // (A rollback to a savepoint leaves the transaction open.)
                if !isReader, sql.hasPrefix("COMMIT") { commitDuration.recordNanoseconds(Int64(elapsed * 1e9)) }
                guard let began = transaction.began else { return }
                transaction.began = nil
                inUse.decrement()
                duration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds &- began))
            }
        }
    }
}

/// When the connection's current transaction began (uptime nanoseconds), nil outside one.
private final class OpenTransaction {
    var began: UInt64?
}
