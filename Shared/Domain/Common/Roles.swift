import Foundation

/// The roles of the outgoing-letter SOP. Their raw values are the strings used everywhere:
/// in tokens, in the `surat-actor-role` metadata and in stored records.
public enum Role: String, Codable, Sendable, CaseIterable, Hashable {
    /// Staf Umum (agendaris): SOP steps 1, 4 and 6.
    case stafUmum = "staf_umum"
    /// Seksi / Subag drafter: step 2.
    case drafter = "drafter"
    /// Sekretaris (Sekcam): step 3.
    case sekretaris = "sekretaris"
    /// Camat: step 5.
    case camat = "camat"
    /// District IT / office administrator: users, tokens, signers.
    case admin = "admin"
    /// Reads the admin audit log (ListAuditLog) and letters' metadata; acts in no step.
    case auditor = "auditor"
}

/// Who acts: a person with a role. `actingFor` is set for an acting official (Plh/Plt): the
/// person holds `role` temporarily on behalf of the named official (e.g. the Sekretaris on leave),
/// and records say so.
public struct ActorIdentity: Codable, Sendable, Hashable {
    public var id: String = ""
    public var name: String = ""
    /// A `Role` raw value (`staf_umum`, `drafter`, `sekretaris`, `camat`, `admin`).
    public var role: String = ""
    /// Id or name of the official this person stands in for, when acting (Plh/Plt).
    public var actingFor: String? = nil

    public init(id: String = "", name: String = "", role: String = "", actingFor: String? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.actingFor = actingFor
    }

    public init(id: String, name: String, role: Role, actingFor: String? = nil) {
        self.init(id: id, name: name, role: role.rawValue, actingFor: actingFor)
    }

    /// The parsed role, nil for an unknown string.
    public var knownRole: Role? { Role(rawValue: role) }

    public enum CodingKeys: Int, CodingKey {
        case id = 1
        case name = 2
        case role = 3
        case actingFor = 4
    }
}

/// A paraf (initial): who initialled which exact revision, in which role, and when.
/// The digest pins the content: a paraf never "moves" to a later edit.
public struct Paraf: Codable, Sendable, Hashable {
    public var actor: ActorIdentity = ActorIdentity()
    /// The role the paraf was given in (`drafter` or `sekretaris`).
    public var role: String = ""
    public var initialledAt: Date = Date(timeIntervalSince1970: 0)
    /// `LetterContent.digest()` of the initialled revision (32 bytes).
    public var revisionDigest: Data = Data()
    /// The draft's revision number that was initialled.
    public var revision: Int64 = 0

    public init(actor: ActorIdentity = ActorIdentity(), role: String = "", initialledAt: Date = Date(timeIntervalSince1970: 0),
                revisionDigest: Data = Data(), revision: Int64 = 0) {
        self.actor = actor
        self.role = role
        self.initialledAt = initialledAt
        self.revisionDigest = revisionDigest
        self.revision = revision
    }

    public enum CodingKeys: Int, CodingKey {
        case actor = 1
        case role = 2
        case initialledAt = 3
        case revisionDigest = 4
        case revision = 5
    }
}

