import Domain
import Foundation
import LetterDocument

/// Turns the services' records (Domain's `LetterContent`, the signing service's `SignatureRecord`,
/// a stored office profile) into the renderer's inputs. Shared by the registry (final PDF at
/// step 6) and the gateway (previews), so a preview and the final letter are laid out from the
/// same mapping.
public enum LetterMapping {
    /// The renderer's view of a letter's content, field by field.
    public static func documentContent(_ content: LetterContent) -> LetterDocumentContent {
        LetterDocumentContent(
            classificationCode: content.classificationCode, subject: content.subject, body: content.body,
            sifat: LetterSifat(rawValue: content.sifat.rawValue) ?? .biasa,
            urgency: LetterUrgency(rawValue: content.urgency.rawValue) ?? .biasa,
            addressees: content.addressees.map { LetterAddressee(name: $0.name, address: $0.address) },
            tembusan: content.tembusan, attachmentNames: content.attachments.map(\.name),
            draftingUnit: content.draftingUnit, place: content.place, letterDate: content.letterDate)
    }

    /// The printed signature block of a signature record: the signer as the profile lists them,
    /// with `Plh.`/`Plt.` from the delegation kind, or `a.n.` when the signer signed on behalf of
    /// another signer without an acting delegation; the position signed for is the principal
    /// signer's own position in the profile.
    public static func signatureBlock(profile: OfficeProfile, record: SignatureRecord) throws(LetterDocumentError) -> SignatureBlock {
        let principal = record.fields.onBehalfOf
        let authority: SignatureBlock.Authority
        switch (principal.isEmpty, record.delegationKind) {
        case (true, _): authority = .own
        case (false, .plh): authority = .pelaksanaHarian
        case (false, .plt): authority = .pelaksanaTugas
        case (false, .unspecified): authority = .atasNama
        }
        var principalPosition = ""
        if authority != .own {
            guard let signer = profile.signer(id: principal) else {
                throw .invalidProfile(field: "signers", reason: "no signer with id \(principal) (the official signed for)")
            }
            principalPosition = signer.positionID
        }
        return try profile.signatureBlock(signerID: record.fields.signerId, authority: authority, principalPositionID: principalPosition)
    }

    /// The signature block a preview shows before anyone signed: the office head, i.e. the first
    /// signer of the profile (the profile lists the head first: proto-notes/letter-document.md).
    public static func previewSignatureBlock(profile: OfficeProfile, record: SignatureRecord?) throws(LetterDocumentError) -> SignatureBlock {
        if let record, !record.fields.signerId.isEmpty { return try signatureBlock(profile: profile, record: record) }
        guard let head = profile.signers.first else {
            throw .invalidProfile(field: "signers", reason: "the profile lists no signer")
        }
        return try profile.signatureBlock(signerID: head.id)
    }

    /// A stored profile: the JSON with the emblem laid in (the emblem is stored apart so that a
    /// new emblem does not mean resending the JSON, and the JSON stays readable).
    public static func profile(json: Data, emblemPNG: Data) throws(LetterDocumentError) -> OfficeProfile {
        var profile = try OfficeProfile.fromJSON(json)
        if !emblemPNG.isEmpty { profile.kop.emblemPNG = emblemPNG }
        return profile
    }
}
