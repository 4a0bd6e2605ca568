/// Why a letter could not be rendered. The registry and the gateway map these to
/// INVALID_ARGUMENT (`invalidMarkup`, `invalidLetter`, `invalidProfile`) or INTERNAL (the rest).
public enum LetterDocumentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The body markup has problems; each says where (line, column) and what.
    case invalidMarkup(BodyMarkupError)
    /// The letter lacks something the document needs (a subject, an addressee, a signer...).
    case invalidLetter(field: String, reason: String)
    /// The office profile lacks something or holds an unusable value (an unreadable emblem...).
    case invalidProfile(field: String, reason: String)
    /// libqrencode refused the verification URL.
    case qrCode(String)
    /// Cairo or Pango failed while writing the PDF.
    case rendering(String)

    public var description: String {
        switch self {
        case .invalidMarkup(let error): "body markup: \(error)"
        case .invalidLetter(let field, let reason): "letter \(field): \(reason)"
        case .invalidProfile(let field, let reason): "office profile \(field): \(reason)"
        case .qrCode(let reason): "QR code: \(reason)"
        case .rendering(let reason): "rendering: \(reason)"
        }
    }
}
