import Foundation
import GRDB
import RPC

/// Why a service process could not start: bad configuration, a TLS file that does not load, an
/// address it cannot bind, a database it cannot open. A process-level failure, never sent on the
/// wire (that is `RPCError`): the executable prints it and exits with `exitStatus`.
public struct ServiceStartupError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// A key with a bad value, a missing or unreadable config file, keys that must go together.
        case configuration
        /// The TLS certificate chain, key or client CA does not load.
        case tls
        /// The RPC or metrics address cannot be bound (in use, not an address of this host, ...).
        case bind
        /// The service's database cannot be opened or migrated.
        case database
    }

    public var code: Code
    public var message: String
    public var cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { "cannot start (\(code.rawValue)): \(message)" }

    /// The process exit status (sysexits.h): 64 for configuration and TLS files, as a config
    /// error always was; 69 (EX_UNAVAILABLE) when the address cannot be bound; 74 (EX_IOERR)
    /// for the database.
    public var exitStatus: Int32 {
        switch code {
        case .configuration, .tls: 64
        case .bind: 69
        case .database: 74
        }
    }

    /// `error` as a startup failure: itself, a `ConfigError` as `.configuration`, a GRDB error as
    /// `.database`; nil for anything else (a failure while running, or a bug).
    public static func classify(_ error: any Error) -> ServiceStartupError? {
        switch error {
        case let startup as ServiceStartupError: startup
        case let config as ConfigError: ServiceStartupError(.configuration, config.description)
        case let database as DatabaseError: ServiceStartupError(.database, "\(database)", cause: database)
        default: nil
        }
    }

    /// Why `server.start()` failed: the RPC layer reports a TLS file that does not load as
    /// FAILED_PRECONDITION and a failed bind as UNAVAILABLE (both `RPCError`, which is for the wire).
    static func starting(_ error: any Error, settings: ServiceSettings) -> ServiceStartupError {
        let cause = error as? RPCError
        let message = cause?.message ?? "\(error)"
        if !settings.tlsCertificatePath.isEmpty, cause?.code == .failedPrecondition {
            return ServiceStartupError(.tls, message, cause: cause)
        }
        return ServiceStartupError(.bind, message, cause: cause)
    }
}

extension ServiceMain {
    /// Prints why the process stops on standard error, `<executable>: cannot start (<code>): …`
    /// for a startup failure, and exits: `exitStatus` for those, 1 for anything else.
    public static func exit(_ error: any Error, executable: String) -> Never {
        if let startup = ServiceStartupError.classify(error) {
            FileHandle.standardError.write(Data("\(executable): \(startup)\n".utf8))
            Foundation.exit(startup.exitStatus)
        }
        FileHandle.standardError.write(Data("\(executable): failed: \(error)\n".utf8))
        Foundation.exit(1)
    }
}
