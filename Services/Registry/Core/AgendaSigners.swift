import Foundation

/// Who signed, as the agenda book prints it: the position and the name ("Camat Sooko, Drs.
/// Bambang Wahyudi"), and for an acting official the authority and the position signed for
/// ("Plh. Camat Sooko, Siti Nur'aini (Sekretaris Kecamatan Sooko)"), from the signing service's
/// published signers and delegations. A signer it does not know prints as the name alone.
package struct AgendaSigners: Sendable {
    package struct Signer: Sendable, Hashable {
        package var name: String
        package var position: String
        package init(name: String, position: String) {
            self.name = name
            self.position = position
        }
    }

    package struct Delegation: Sendable, Hashable {
        package var fromSignerId: String
        package var toSignerId: String
        /// "Plh." or "Plt."; "a.n." when the kind is not known.
        package var authority: String
        package var validFromMillis: Int64
        package var validUntilMillis: Int64
        package var revokedAtMillis: Int64
        package init(fromSignerId: String, toSignerId: String, authority: String, validFromMillis: Int64,
                     validUntilMillis: Int64, revokedAtMillis: Int64) {
            self.fromSignerId = fromSignerId
            self.toSignerId = toSignerId
            self.authority = authority
            self.validFromMillis = validFromMillis
            self.validUntilMillis = validUntilMillis
            self.revokedAtMillis = revokedAtMillis
        }
    }

    package var signers: [String: Signer]
    package var delegations: [Delegation]

    package init(signers: [String: Signer] = [:], delegations: [Delegation] = []) {
        self.signers = signers
        self.delegations = delegations
    }

    package func line(_ entry: AgendaEntry) -> String {
        let signer = signers[entry.signerId]
        let name = entry.signerName.isEmpty ? (signer?.name ?? entry.signerId) : entry.signerName
        guard !entry.onBehalfOf.isEmpty else {
            guard let position = signer?.position, !position.isEmpty else { return name }
            return "\(position), \(name)"
        }
        // The delegation the signature was made under: from the principal to the signer, valid then.
        let signedAt = entry.signedAt.unixMilliseconds
        let delegation = delegations.first {
            $0.fromSignerId == entry.onBehalfOf && $0.toSignerId == entry.signerId && $0.validFromMillis <= signedAt
                && signedAt < $0.validUntilMillis && ($0.revokedAtMillis == 0 || signedAt < $0.revokedAtMillis)
        }
        let principal = signers[entry.onBehalfOf]?.position ?? ""
        let signedFor = principal.isEmpty ? entry.onBehalfOf : principal
        let own = signer?.position ?? ""
        return "\(delegation?.authority ?? "a.n.") \(signedFor), \(name)" + (own.isEmpty ? "" : " (\(own))")
    }
}
