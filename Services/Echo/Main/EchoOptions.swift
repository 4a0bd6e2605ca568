import Foundation
import RPC

/// Command-line options of surat-echo.
struct EchoOptions {
    var configuration = ServerConfiguration(host: "127.0.0.1", port: 7499)
    /// With a token, Echo calls need `authorization: Bearer <token>` (health and reflection not).
    var token: String?
    /// With a port (0 = a free one), metrics are on and served at /metrics there (loopback).
    var metricsPort: Int?

    static let usage = """
        usage: surat-echo [--host 127.0.0.1] [--port 7499] [--threads N] [--max-message-size BYTES]
                          [--idle-timeout-ms MS] [--handshake-timeout-ms MS] [--max-connections N]
                          [--max-connections-per-address N] [--max-pending-bytes BYTES] [--token TOKEN]
                          [--tls-cert PEM --tls-key PEM [--tls-client-ca PEM]] [--metrics-port PORT] [--version]
        """

    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ arguments: [String]) throws(UsageError) -> EchoOptions {
        var options = EchoOptions()
        var tlsCert: String?, tlsKey: String?, tlsClientCA: String?
        var iterator = arguments.makeIterator()
        func value(_ flag: String) throws(UsageError) -> String {
            guard let value = iterator.next() else { throw UsageError(description: "\(flag) needs a value") }
            return value
        }
        func number(_ flag: String) throws(UsageError) -> Int {
            let text = try value(flag)
            guard let number = Int(text), number >= 0 else {
                throw UsageError(description: "\(flag) expects a non-negative number, got \(text)")
            }
            return number
        }
        while let argument = iterator.next() {
            switch argument {
            case "--host": options.configuration.host = try value(argument)
            case "--port": options.configuration.port = try number(argument)
            case "--threads": options.configuration.eventLoopThreads = try number(argument)
            case "--max-message-size": options.configuration.maxReceiveMessageSize = try number(argument)
            case "--idle-timeout-ms": options.configuration.idleTimeout = .milliseconds(try number(argument))
            case "--handshake-timeout-ms": options.configuration.handshakeTimeout = .milliseconds(try number(argument))
            case "--max-connections": options.configuration.maxConnections = try number(argument)
            case "--max-connections-per-address": options.configuration.maxConnectionsPerAddress = try number(argument)
            case "--max-pending-bytes": options.configuration.maxPendingOutboundBytesPerConnection = try number(argument)
            case "--token": options.token = try value(argument)
            case "--metrics-port": options.metricsPort = try number(argument)
            case "--tls-cert": tlsCert = try value(argument)
            case "--tls-key": tlsKey = try value(argument)
            case "--tls-client-ca": tlsClientCA = try value(argument)
            default: throw UsageError(description: "unknown argument \(argument)")
            }
        }
        switch (tlsCert, tlsKey) {
        case let (cert?, key?):
            options.configuration.tls = ServerTLSConfiguration(certificateChainPath: cert, privateKeyPath: key,
                                                               clientCAPath: tlsClientCA)
        case (nil, nil):
            if tlsClientCA != nil { throw UsageError(description: "--tls-client-ca needs --tls-cert and --tls-key") }
        default:
            throw UsageError(description: "--tls-cert and --tls-key go together")
        }
        return options
    }
}

/// Runs `action` on SIGTERM or SIGINT. Lives outside main.swift so the handler is not
/// MainActor-isolated (dispatch runs it on one of its own threads).
func onTerminationSignals(_ action: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
    [SIGTERM, SIGINT].map { signalNumber in
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber)
        source.setEventHandler(handler: action)
        source.resume()
        return source
    }
}

/// Accepts exactly `authorization: Bearer <token>` (the echo service's stand-in for the
/// services' token check, so transport tests can exercise authentication).
struct EchoTokenAuthenticator: Authenticator {
    let token: String

    func authenticate(method: String, metadata: Metadata) async throws -> Principal {
        guard let header = metadata["authorization"] else {
            throw RPCError(.unauthenticated, "missing authorization: send `authorization: Bearer <token>`")
        }
        guard header.utf8.elementsEqual("Bearer \(token)".utf8) else {
            throw RPCError(.unauthenticated, "invalid token")
        }
        return Principal(subject: "echo-client")
    }
}
