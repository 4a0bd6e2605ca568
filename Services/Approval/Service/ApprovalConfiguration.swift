import Domain
import ServiceKit

/// Keys of `surat-approval` besides the common ones (see proto-notes/services.md).
public struct ApprovalConfiguration: ServiceConfiguration, Hashable {
    /// Size limits on submitted letter content (keep equal to drafting's).
    public var limits = LetterContentLimits()
    /// Longest Sekretaris' notes, in characters.
    public var maxNotesLength = 5000

    public init() {}

    public static let keys: [ConfigKey] = [
        ConfigKey("limits.maxSubjectLength", "Longest perihal (subject), in characters (keep equal to drafting's)."),
        ConfigKey("limits.maxBodyLength", "Longest letter body, in characters."),
        ConfigKey("limits.maxAddressees", "Most addressees per letter."),
        ConfigKey("limits.maxTembusan", "Most tembusan (copy) lines per letter."),
        ConfigKey("limits.maxLineLength", "Longest addressee name, address, tembusan line, drafting unit or place."),
        ConfigKey("limits.maxAttachments", "Most attachments per letter."),
        ConfigKey("limits.maxAttachmentBytes", "Largest single attachment, in bytes."),
        ConfigKey("limits.maxTotalAttachmentBytes", "Largest total of all attachments, in bytes."),
        ConfigKey("maxNotesLength", "Longest Sekretaris' notes on Approve/ReturnDraft, in characters."),
    ]
}
