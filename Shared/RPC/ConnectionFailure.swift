import NIOSSL

/// Why a connection could not carry calls, when the reason is a setup mistake the caller can fix
/// (TLS on one side only, a certificate that does not fit) rather than a peer that is down.
/// `RPCClient` fails the calls with UNAVAILABLE and this as the `RPCError.cause`, so tools can say
/// what is wrong instead of "the service is down".
public struct ConnectionFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// This client spoke plaintext HTTP/2 to a TLS listener.
        case serverExpectsTLS
        /// This client spoke TLS to a plaintext listener.
        case serverIsPlaintext
        /// The server's certificate does not chain to a CA this client trusts (or has expired).
        case untrustedServerCertificate
        /// The server's certificate does not name the host or address this client dialled.
        case certificateNameMismatch
        /// The server requires a client certificate (mutual TLS) and this client sent none.
        case clientCertificateRequired
        /// The server refused the client certificate this client sent (unknown CA, expired, wrong use).
        case clientCertificateRejected
        /// Any other TLS handshake failure.
        case tlsHandshake
    }

    public var kind: Kind
    /// One sentence for humans, naming the address.
    public var description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    /// Classifies an error NIOSSL raised on a client connection; nil when it is not a TLS setup problem.
    static func classify(tlsError error: any Error, authority: String) -> ConnectionFailure? {
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return ConnectionFailure(.certificateNameMismatch,
                "the TLS certificate of \(authority) does not name the host or IP address this client connected to "
                + "(it must be in the certificate's subjectAltName)")
        }
        let reasons: String
        if let error = error as? NIOSSLError {
            switch error {
            case .handshakeFailed(let boring), .shutdownFailed(let boring):
                reasons = "\(boring)"
            case .uncleanShutdown:
                return nil
            default:
                return ConnectionFailure(.tlsHandshake, "TLS with \(authority) failed: \(error)")
            }
        } else if let error = error as? BoringSSLError {
            // With TLS 1.3 the server checks the client certificate after the client has finished
            // its handshake, so that alert arrives as a plain read error.
            reasons = "\(error)"
        } else {
            return nil
        }
        // BoringSSL reports the reason as its error-stack text, e.g. "CERTIFICATE_VERIFY_FAILED".
        if reasons.contains("WRONG_VERSION_NUMBER") || reasons.contains("PACKET_LENGTH_TOO_LONG")
            || reasons.contains("HTTP_REQUEST") || reasons.contains("RECORD_LENGTH_MISMATCH") {
            return ConnectionFailure(.serverIsPlaintext,
                "\(authority) does not speak TLS (it serves plaintext HTTP/2), but this client used TLS")
        }
        if reasons.contains("CERTIFICATE_VERIFY_FAILED") {
            return ConnectionFailure(.untrustedServerCertificate,
                "the TLS certificate of \(authority) is not signed by a CA this client trusts (or it has expired)")
        }
        if reasons.contains("CERTIFICATE_REQUIRED") || reasons.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") {
            return ConnectionFailure(.clientCertificateRequired,
                "\(authority) requires a client certificate (mutual TLS) and this client sent none")
        }
        if reasons.contains("UNKNOWN_CA") || reasons.contains("BAD_CERTIFICATE")
            || reasons.contains("CERTIFICATE_UNKNOWN") || reasons.contains("UNSUPPORTED_CERTIFICATE")
            || reasons.contains("CERTIFICATE_EXPIRED") {
            return ConnectionFailure(.clientCertificateRejected,
                "\(authority) refused this client's certificate (not signed by the CA it trusts, expired, "
                + "or not usable for clientAuth)")
        }
        return ConnectionFailure(.tlsHandshake, "TLS with \(authority) failed: \(reasons)")
    }

    /// Recognises a TLS record (an alert or a handshake message) arriving on a plaintext
    /// connection: the first byte is the record type (21 alert, 22 handshake), then version 3.x.
    static func looksLikeTLSRecord(_ bytes: some Collection<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        guard let type = iterator.next(), let major = iterator.next() else { return false }
        return (type == 21 || type == 22) && major == 3
    }
}
