import Domain
import ServiceKit

/// Keys of `surat-drafting` besides the common ones (see proto-notes/services.md).
public struct DraftingConfiguration: ServiceConfiguration, Hashable {
    /// Size limits on letter content.
    public var limits = LetterContentLimits()
    /// Longest Sekretaris' notes accepted by ReopenDraft, in characters.
    public var maxNotesLength = 5000

    public init() {}

    public static let keys: [ConfigKey] = [
        ConfigKey("limits.maxSubjectLength", "Longest perihal (subject), in characters."),
        ConfigKey("limits.maxBodyLength", "Longest letter body, in characters."),
        ConfigKey("limits.maxAddressees", "Most addressees per letter."),
        ConfigKey("limits.maxTembusan", "Most tembusan (copy) lines per letter."),
        ConfigKey("limits.maxLineLength", "Longest addressee name, address, tembusan line, drafting unit or place."),
        ConfigKey("limits.maxAttachments", "Most attachments per letter."),
        ConfigKey("limits.maxAttachmentBytes", "Largest single attachment, in bytes."),
        ConfigKey("limits.maxTotalAttachmentBytes", "Largest total of all attachments, in bytes (keep under maxReceiveMessageSize)."),
        ConfigKey("maxNotesLength", "Longest return notes accepted by ReopenDraft, in characters."),
    ]
}
