/// Why a seal could not be made, loaded or checked.
public enum LetterSealError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input is not a PDF this library can update (not a PDF, or a structure cairo does not write).
    case notPDF(String)
    /// A certificate file could not be read or made.
    case badCertificate(String)
    /// A key file (PEM or PKCS#12) could not be read, or the key does not belong to the certificate.
    case badKey(String)
    /// The PDF carries no office seal.
    case notSealed
    /// The PDF carries a seal that does not verify; the reason says which check failed.
    case invalidSeal(String)
    /// libcrypto refused an operation.
    case openSSL(String)

    public var description: String {
        switch self {
        case .notPDF(let reason): "not a PDF: \(reason)"
        case .badCertificate(let reason): "seal certificate: \(reason)"
        case .badKey(let reason): "seal key: \(reason)"
        case .notSealed: "the PDF carries no seal"
        case .invalidSeal(let reason): "seal invalid: \(reason)"
        case .openSSL(let reason): "OpenSSL: \(reason)"
        }
    }
}
