import Foundation
import Logging
import Synchronization

/// Process-wide log setup: one line per event on standard error, `key=value` metadata first
/// (swift-log's stream format), so `journalctl`/log files can be grepped by `letter.id=...` or
/// `request.id=...`. Loggers are passed down from `ServiceMain`, never created ad hoc.
public enum ServiceLogging {
    private static let bootstrapped = Mutex(false)

    /// Bootstraps swift-log once per process (later calls only return a logger) and returns the
    /// service's root logger at `level` (unknown names mean `info`).
    public static func bootstrap(label: String, level: String) -> Logger {
        let parsed = Logger.Level(rawValue: level.lowercased()) ?? .info
        bootstrapped.withLock { done in
            guard !done else { return }
            // Every logger in the process (also ones libraries create themselves) starts at the
            // configured level, so `logLevel` governs all output.
            // Lines go to standard error through a queue of their own: a handler on an event
            // loop never waits for the log (QueuedLogStream).
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler(label: label, stream: QueuedLogStream.standardError)
                handler.logLevel = parsed
                return handler
            }
            // `exit` (a failed start, the end of main) writes what is still queued first.
            atexit { QueuedLogStream.standardError.flush() }
            done = true
        }
        var logger = Logger(label: label)
        logger.logLevel = parsed
        return logger
    }
}

/// Dotted metadata keys used on every line about a letter or request.
public enum LogKey {
    public static let draftID = "draft.id"
    public static let letterID = "letter.id"
    public static let requestID = "request.id"
    public static let actorID = "actor.id"
    public static let revision = "draft.revision"
    /// The W3C trace id of the call (the same in every process the call reaches) and this
    /// process's span of it.
    public static let traceID = "trace.id"
    public static let spanID = "span.id"
}
