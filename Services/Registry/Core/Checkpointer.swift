import Foundation
import GRDB
import Logging

/// Copies the WAL into the database file from its own connection and thread.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses the threshold, on the writer:
/// with synchronous=FULL that commit then also writes and fsyncs the database file, and the
/// callers of that batch wait tens of milliseconds (measured: these stalls were the registry's
/// p99). A PASSIVE checkpoint from a second connection never blocks the writer; the automatic
/// checkpoint stays as a high safety net in case this thread falls behind.
/// `@unchecked`: `condition` guards `stopping` and `stopped`, the only mutable fields.
final class Checkpointer: @unchecked Sendable {
    private let queue: DatabaseQueue
    private let logger: Logger
    private let interval: TimeInterval
    private let condition = NSCondition()
    private var stopping = false
    private var stopped = false

    init(path: String, interval: TimeInterval = 0.1, logger: Logger) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        configuration.busyMode = .timeout(5)
        queue = try DatabaseQueue(path: path, configuration: configuration)
        self.interval = interval
        self.logger = logger
        let thread = Thread { self.run() }
        thread.name = "registry-checkpoint"
        thread.start()
    }

    private func run() {
        condition.lock()
        while !stopping {
            condition.unlock()
            do {
                try queue.inDatabase { db in _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)") }
            } catch {
                logger.warning("background checkpoint failed", metadata: ["error": "\(error)"])
            }
            condition.lock()
            if !stopping { _ = condition.wait(until: Date().addingTimeInterval(interval)) }
        }
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
    }
}
