import Domain
import Foundation

// Roles are `Domain.Role` (staf_umum, drafter, sekretaris, camat, admin), the strings used on the wire,
// in tokens and in backend metadata (`surat-actor-role`).
extension Role {
    public init(parsing text: String) throws {
        guard let role = Role(rawValue: text.lowercased()) else {
            throw GatewayError.invalidArgument(
                field: "role", "unknown role '\(text)'; expected one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = role
    }
}

/// Who performed an action: the user, the role they acted in, and for Plh/Plt whom they acted for.
public struct Actor: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var role: Role
    /// Set when the user holds `role` only as an acting official (Plh/Plt): the official they stand in for.
    public var actingFor: String?

    public init(id: String, name: String, role: Role, actingFor: String? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.actingFor = actingFor
    }

    /// "Budi (sekretaris)" or "Budi (camat, Plh for Siti)".
    public var display: String {
        if let actingFor { return "\(name) (\(role.rawValue), Plh for \(actingFor))" }
        return "\(name) (\(role.rawValue))"
    }
}
