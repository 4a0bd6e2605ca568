import ArgumentParser
import Foundation
import RPC

/// Failures the CLI reports, each with an exit code per class so scripts can react:
///   0 ok · 1 other error · 3 wrong state (FAILED_PRECONDITION, ABORTED, ALREADY_EXISTS) · 4 not found ·
///   5 permission denied · 6 not authenticated · 7 unavailable (retry) · 8 resource exhausted (lockout) ·
///   10 TLS set up wrongly on this side or the server's (retrying will not help) · 64 usage · 65 invalid argument.
enum CLIError: Error {
    case usage(String)
    case rpc(RPCError, requestID: String?)

    var exitCode: Int32 {
        switch self {
        case .usage: 64
        case .rpc(let error, _) where Self.connectionFailure(error) != nil: 10
        case .rpc(let error, _):
            switch error.code {
            case .invalidArgument, .outOfRange: 65
            case .failedPrecondition, .aborted, .alreadyExists: 3
            case .notFound: 4
            case .permissionDenied: 5
            case .unauthenticated: 6
            case .unavailable, .deadlineExceeded: 7
            case .resourceExhausted: 8
            default: 1
            }
        }
    }

    var message: String {
        switch self {
        case .usage(let text): return "error: \(text)"
        case .rpc(let error, let requestID):
            var lines = ["error (\(Self.codeName(error.code))): \(error.message)"]
            if let failure = Self.connectionFailure(error) {
                lines.append("hint: \(Self.hint(for: failure.kind))")
                if let requestID { lines.append("hint: the server did not process it; after fixing this, retry with --request-id \(requestID)") }
                return lines.joined(separator: "\n")
            }
            switch error.code {
            case .unavailable, .deadlineExceeded:
                lines.append("hint: a service is down or unreachable; check `deploy/run-local status` (or systemctl status surat-*).")
                if let requestID { lines.append("hint: nothing was lost; retry the same command with --request-id \(requestID)") }
            case .unauthenticated:
                lines.append("hint: your token is missing, expired or revoked; ask an admin: `surat admin token issue YOUR_ID`.")
            case .permissionDenied:
                lines.append("hint: this action belongs to another role (`surat whoami` shows yours).")
            case .failedPrecondition where error.message.contains("restored registry: reconcile first"):
                // Nothing is wrong with the letter: the registry waits for district IT (registry.md).
                lines.append("hint: the registry was restored from a backup and numbers nothing until an admin runs `surat admin registry reconcile`; then repeat this command.")
            case .failedPrecondition:
                lines.append("hint: `surat status LETTER` shows which step the letter is at.")
            case .aborted:
                lines.append("hint: someone changed it first; `surat draft show LETTER` and apply your change to the latest revision.")
            case .resourceExhausted:
                lines.append("hint: too many attempts; wait and try again later.")
            default: break
            }
            if let field = error.metadata["surat-field"] { lines.append("field: \(field)") }
            return lines.joined(separator: "\n")
        }
    }

    /// The TLS setup mistake behind a failed connection, when that is what it was.
    static func connectionFailure(_ error: RPCError) -> ConnectionFailure? {
        error.code == .unavailable ? error.cause as? ConnectionFailure : nil
    }

    /// What to change, per TLS mistake (deploy/README.md has the certificate recipe).
    static func hint(for kind: ConnectionFailure.Kind) -> String {
        switch kind {
        case .serverExpectsTLS:
            "the server uses TLS: give its CA with --ca-file or SURAT_CA_FILE (e.g. /etc/surat/tls/ca.crt)."
        case .serverIsPlaintext:
            "the server is plaintext: drop --ca-file / SURAT_CA_FILE (or give the server tlsCertificatePath and tlsKeyPath)."
        case .untrustedServerCertificate:
            "--ca-file / SURAT_CA_FILE must be the office CA that signed the server's certificate; check its dates too."
        case .certificateNameMismatch:
            "use an --address / SURAT_ADDRESS host that the certificate lists in subjectAltName (`openssl x509 -in CERT -noout -ext subjectAltName`), or --server-name NAME."
        case .clientCertificateRequired:
            "the server requires mutual TLS: give --cert-file and --key-file (SURAT_CERT_FILE, SURAT_KEY_FILE) signed by the CA in its tlsClientCAPath."
        case .clientCertificateRejected:
            "the client certificate must be signed by the CA in the server's tlsClientCAPath, unexpired, with extendedKeyUsage clientAuth."
        case .tlsHandshake:
            "check both sides' TLS files (deploy/README.md, \"TLS certificates\")."
        }
    }

    static func codeName(_ code: RPCError.Code) -> String {
        switch code {
        case .invalidArgument: "INVALID_ARGUMENT"
        case .notFound: "NOT_FOUND"
        case .alreadyExists: "ALREADY_EXISTS"
        case .permissionDenied: "PERMISSION_DENIED"
        case .failedPrecondition: "FAILED_PRECONDITION"
        case .aborted: "ABORTED"
        case .unavailable: "UNAVAILABLE"
        case .deadlineExceeded: "DEADLINE_EXCEEDED"
        case .unauthenticated: "UNAUTHENTICATED"
        case .resourceExhausted: "RESOURCE_EXHAUSTED"
        case .unimplemented: "UNIMPLEMENTED"
        case .internalError: "INTERNAL"
        default: "code \(code.rawValue)"
        }
    }
}

/// Runs a command body, turning failures into a message on stderr and the class's exit code.
func runReporting(requestID: String? = nil, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as CLIError {
        FileHandle.standardError.write(Data((error.message + "\n").utf8))
        throw ExitCode(error.exitCode)
    } catch let error as RPCError {
        let wrapped = CLIError.rpc(error, requestID: requestID)
        FileHandle.standardError.write(Data((wrapped.message + "\n").utf8))
        throw ExitCode(wrapped.exitCode)
    }
}
