import Domain
import Foundation
import LetterDocument

// The bridge between the services' records (Shared/Domain) and the renderer's model, so the
// registry (final PDF), the gateway (preview) and surat-verify map a letter the same way.

extension LetterDocumentContent {
    /// The content of a draft revision or signing request as the renderer needs it.
    public init(_ content: LetterContent) throws(LetterDocumentError) {
        guard let sifat = LetterSifat(rawValue: content.sifat.rawValue) else {
            throw .invalidLetter(field: "sifat", reason: "not chosen")
        }
        self.init(
            classificationCode: content.classificationCode,
            subject: content.subject,
            body: content.body,
            sifat: sifat,
            // Urgency is optional on a letter; an unchosen one prints as the ordinary case.
            urgency: LetterUrgency(rawValue: content.urgency.rawValue) ?? .biasa,
            addressees: content.addressees.map { LetterAddressee(name: $0.name, address: $0.address) },
            tembusan: content.tembusan,
            attachmentNames: content.attachments.map(\.name),
            draftingUnit: content.draftingUnit,
            place: content.place,
            letterDate: content.letterDate
        )
    }
}

extension SignatureBlock.Authority {
    /// A delegation's kind as the prefix of the signature block (none: the signer signs in their own right).
    public init(_ kind: DelegationKind) {
        switch kind {
        case .plh: self = .pelaksanaHarian
        case .plt: self = .pelaksanaTugas
        case .unspecified: self = .own
        }
    }
}

extension OfficeProfile {
    /// The printed signature block of a signing service signature: the signer as the profile
    /// knows them, and for Plh./Plt. the position of the official signed for
    /// (`SigningEnvelope.onBehalfOf`, a signer id).
    public func signatureBlock(for record: SignatureRecord) throws(LetterDocumentError) -> SignatureBlock {
        let authority = SignatureBlock.Authority(record.delegationKind)
        guard authority != .own else { return try signatureBlock(signerID: record.fields.signerId) }
        guard let principal = signer(id: record.fields.onBehalfOf) else {
            throw .invalidProfile(field: "signers", reason: "no signer with id \(record.fields.onBehalfOf), on whose behalf \(record.fields.signerId) signed")
        }
        return try signatureBlock(signerID: record.fields.signerId, authority: authority, principalPositionID: principal.positionID)
    }
}

extension ParafMark {
    /// A recorded paraf of steps 2–3, printed with `label` (the position or unit of who initialled).
    public init(_ paraf: Paraf, label: String) {
        self.init(label: label, initials: ParafMark.initials(of: paraf.actor.name))
    }
}
