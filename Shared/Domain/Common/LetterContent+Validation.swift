import Foundation

/// Size limits on letter content. Defaults fit comfortably under the RPC layer's default 4 MiB
/// message cap so an over-limit letter gets a field-naming INVALID_ARGUMENT instead of a bare
/// RESOURCE_EXHAUSTED from the transport.
public struct LetterContentLimits: Codable, Sendable, Hashable {
    public var maxSubjectLength = 500
    public var maxBodyLength = 100_000
    public var maxAddressees = 100
    public var maxTembusan = 50
    public var maxLineLength = 300
    public var maxAttachments = 10
    public var maxAttachmentBytes = 1 << 20
    public var maxTotalAttachmentBytes = 3 << 20

    public init() {}
}

extension LetterContent {
    /// Checks every field and returns the content with attachment digests filled in.
    /// Lengths are counted in Unicode code points (what every other language counts, not Swift's
    /// grapheme clusters: one flag emoji is 2); the first problem found is thrown.
    /// - Parameter field: the path of this content in the request, used in error messages.
    public func validated(limits: LetterContentLimits = LetterContentLimits(), field: String = "content") throws(InvalidFieldError) -> LetterContent {
        var content = self
        if type == .unspecified { throw InvalidFieldError("\(field).type", "is required (e.g. LETTER_TYPE_SURAT)") }
        if let problem = ClassificationCode.validationProblem(classificationCode) {
            throw InvalidFieldError("\(field).classification_code", problem)
        }
        try Self.checkText(subject, "\(field).subject", required: true, max: limits.maxSubjectLength)
        try Self.checkText(body, "\(field).body", required: true, max: limits.maxBodyLength, multiline: true)
        if sifat == .unspecified { throw InvalidFieldError("\(field).sifat", "is required (Biasa, Terbatas, Rahasia or Sangat Rahasia)") }
        if urgency == .unspecified { throw InvalidFieldError("\(field).urgency", "is required (Biasa, Segera, Sangat Segera or Kilat)") }
        if addressees.isEmpty { throw InvalidFieldError("\(field).addressees", "at least one addressee is required") }
        if addressees.count > limits.maxAddressees {
            throw InvalidFieldError("\(field).addressees", "has \(addressees.count) entries, at most \(limits.maxAddressees) allowed")
        }
        for (index, addressee) in addressees.enumerated() {
            let path = "\(field).addressees[\(index)]"
            try Self.checkText(addressee.name, "\(path).name", required: true, max: limits.maxLineLength)
            try Self.checkText(addressee.address, "\(path).address", required: false, max: limits.maxLineLength)
            if addressee.kind == .unspecified {
                throw InvalidFieldError("\(path).kind", "is required (Desa, Dinas, Instansi or other)")
            }
            if let endpoint = addressee.endpoint, let problem = Self.endpointProblem(endpoint) {
                throw InvalidFieldError("\(path).endpoint", problem)
            }
        }
        if tembusan.count > limits.maxTembusan {
            throw InvalidFieldError("\(field).tembusan", "has \(tembusan.count) entries, at most \(limits.maxTembusan) allowed")
        }
        for (index, line) in tembusan.enumerated() {
            try Self.checkText(line, "\(field).tembusan[\(index)]", required: true, max: limits.maxLineLength)
        }
        if attachments.count > limits.maxAttachments {
            throw InvalidFieldError("\(field).attachments", "has \(attachments.count) entries, at most \(limits.maxAttachments) allowed")
        }
        var total = 0
        for (index, attachment) in attachments.enumerated() {
            let path = "\(field).attachments[\(index)]"
            try Self.checkText(attachment.name, "\(path).name", required: true, max: 255)
            try Self.checkText(attachment.mediaType, "\(path).media_type", required: true, max: 127)
            if !attachment.mediaType.contains("/") {
                throw InvalidFieldError("\(path).media_type", "must be a media type such as application/pdf, got \"\(attachment.mediaType)\"")
            }
            if attachment.content.count > limits.maxAttachmentBytes {
                throw InvalidFieldError("\(path).content", "is \(attachment.content.count) bytes, at most \(limits.maxAttachmentBytes) allowed")
            }
            total += attachment.content.count
            let computed = attachment.computedSHA256
            if attachment.sha256.isEmpty {
                content.attachments[index].sha256 = computed
            } else if attachment.sha256 != computed {
                throw InvalidFieldError("\(path).sha256", "does not match the SHA-256 of content (\(LetterContent.hex(computed)))")
            }
        }
        if total > limits.maxTotalAttachmentBytes {
            throw InvalidFieldError("\(field).attachments", "total \(total) bytes, at most \(limits.maxTotalAttachmentBytes) allowed")
        }
        try Self.checkText(draftingUnit, "\(field).drafting_unit", required: true, max: limits.maxLineLength)
        try Self.checkText(place, "\(field).place", required: false, max: limits.maxLineLength)
        return content
    }

    static func checkText(_ text: String, _ field: String, required: Bool, max: Int,
                          multiline: Bool = false) throws(InvalidFieldError) {
        try TextCheck.rejectControlCharacters(text, field, multiline: multiline)
        if required && text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw InvalidFieldError(field, "is required")
        }
        let length = text.unicodeScalars.count
        if length > max { throw InvalidFieldError(field, "is \(length) characters (Unicode code points) long, at most \(max) allowed") }
    }

    /// Problem with a `host:port` delivery endpoint, or nil when it is well-formed.
    public static func endpointProblem(_ endpoint: String) -> String? {
        guard let colon = endpoint.lastIndex(of: ":") else { return "must be host:port, got \"\(endpoint)\"" }
        var host = endpoint[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        let port = endpoint[endpoint.index(after: colon)...]
        guard !host.isEmpty, host.count <= 253, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else {
            return "must be host:port with a host name or address, got \"\(endpoint)\""
        }
        guard let number = Int(port), (1...65535).contains(number) else {
            return "must end in a port 1-65535, got \"\(endpoint)\""
        }
        return nil
    }
}
