import Domain
import Foundation

/// Who may read a letter's CONTENT (draft revisions, previews) by its sifat (issue 11, item 6;
/// proto-notes/auth.md, "Who reads a letter's content"). Metadata (the journey) stays visible to
/// every signed-in user.
///
/// - Biasa (and unspecified): every signed-in user of the office.
/// - Terbatas and Rahasia: the letter's participants and holders (own role or Plh/Plt) of the roles
///   of the SOP chain: Staf Umum, Sekretaris, Camat. Not other drafters, not admin or auditor.
/// - Sangat Rahasia: participants only. Participants are everyone recorded on the journey (who opened
///   it, its clerk and drafter, whoever finished or returned a step) and the holders of the role the
///   letter waits on at step 3 (Sekretaris) or 5 (Camat), who must read it to act.
public enum ContentAccess {
    /// The SOP chain roles that read Terbatas and Rahasia letters without being on the journey.
    public static let chainRoles: Set<Role> = [.stafUmum, .sekretaris, .camat]

    /// The ids of everyone recorded on the journey.
    public static func participantIDs(of journey: Journey) -> Set<String> {
        Set([journey.openedBy.id] + [journey.clerk?.id, journey.drafter?.id].compactMap { $0 }
            + journey.steps.compactMap { $0.actor?.id } + journey.returns.map(\.by.id))
    }

    /// Whether `user` (with roles `roles`, own and acting) is a participant of `journey`.
    public static func isParticipant(userID: String, roles: Set<Role>, of journey: Journey) -> Bool {
        if participantIDs(of: journey).contains(userID) { return true }
        // The Sekretaris reviews and the Camat signs what they have not yet touched.
        if let step = journey.currentStep, step == .review || step == .sign, roles.contains(step.role) { return true }
        return false
    }

    public static func mayRead(userID: String, roles: Set<Role>, journey: Journey, sifat: Sifat) -> Bool {
        switch sifat {
        case .unspecified, .biasa:
            return true
        case .terbatas, .rahasia:
            return isParticipant(userID: userID, roles: roles, of: journey) || !roles.isDisjoint(with: chainRoles)
        case .sangatRahasia:
            return isParticipant(userID: userID, roles: roles, of: journey)
        }
    }

    /// PERMISSION_DENIED naming the rule unless `user` may read the content of a letter of this sifat.
    public static func require(_ user: AuthenticatedUser, journey: Journey, sifat: Sifat) throws {
        guard !mayRead(userID: user.user.id, roles: user.roles, journey: journey, sifat: sifat) else { return }
        let who = sifat == .sangatRahasia
            ? "only its participants (on its journey, or the Sekretaris/Camat while it waits for them)"
            : "only its participants and the Staf Umum, Sekretaris and Camat"
        throw GatewayError(.permissionDenied,
                           "letter \(journey.letterID) is \(sifat.displayName): \(who) may read its content; \(user.user.id) may not (its journey stays readable)")
    }

    /// The strictest sifat among `values` (a letter drafted Rahasia and later edited to Biasa keeps its
    /// earlier revisions secret).
    public static func strictest(_ values: [Sifat]) -> Sifat {
        values.max { $0.rawValue < $1.rawValue } ?? .unspecified
    }
}
