import Crypto
import Domain
import Foundation
import RPC

/// Metadata names of the service-to-service scheme (see proto-notes/services.md).
public enum ServiceMetadata {
    public static let authorization = "authorization"
    public static let actorID = "surat-actor-id"
    public static let actorName = "surat-actor-name"
    /// UTF-8 variant for names that are not printable ASCII (gRPC text metadata must be ASCII).
    public static let actorNameBinary = "surat-actor-name-bin"
    public static let actorRole = "surat-actor-role"
    public static let actorActingFor = "surat-actor-acting-for"

    /// The metadata a trusted caller (the gateway) sends: its service token and the acting user.
    public static func make(token: String, actor: ActorIdentity?) -> Metadata {
        var metadata = Metadata()
        metadata.add(authorization, "Bearer \(token)")
        if let actor {
            metadata.add(actorID, actor.id)
            if actor.name.allSatisfy({ $0.isASCII && !$0.isNewline }) {
                metadata.add(actorName, actor.name)
            } else {
                metadata.addBinary(actorNameBinary, Array(actor.name.utf8))
            }
            metadata.add(actorRole, actor.role)
            if let actingFor = actor.actingFor { metadata.add(actorActingFor, actingFor) }
        }
        return metadata
    }
}

/// Principal attribute names set by `ServiceTokenAuthenticator`.
public enum PrincipalAttribute {
    public static let actorID = "actor.id"
    public static let actorName = "actor.name"
    public static let actorRole = "actor.role"
    public static let actingFor = "acting.for"
}

/// One accepted service credential: the caller's name and the SHA-256 of its token.
public struct ServiceCredential: Sendable, Hashable {
    public var name: String
    public var tokenSHA256: Data

    public init(name: String, tokenSHA256: Data) {
        self.name = name
        self.tokenSHA256 = tokenSHA256
    }

    /// Parses a `name:sha256hex` config entry.
    public init(configEntry: String) throws(ConfigError) {
        let parts = configEntry.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, let digest = Self.bytes(fromHex: parts[1]), digest.count == 32 else {
            throw .invalid("serviceTokens entry \"\(configEntry)\" must be name:sha256hex (64 hex digits); get the hash with `printf %s TOKEN | sha256sum`")
        }
        self.init(name: parts[0], tokenSHA256: digest)
    }

    /// The SHA-256 of a token as lowercase hex, the form configured in `serviceTokens`.
    public static func hashHex(of token: String) -> String {
        LetterContent.hex(Data(SHA256.hash(data: Data(token.utf8))))
    }

    static func bytes(fromHex text: String) -> Data? {
        guard text.count % 2 == 0 else { return nil }
        var data = Data(capacity: text.count / 2)
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            data.append(byte)
            index = next
        }
        return data
    }
}

/// Backend authentication: the caller must present `authorization: Bearer <token>` whose SHA-256
/// is configured; the acting user comes from `surat-actor-*` metadata, which only a holder of a
/// service credential can set (so going around the gateway does not go around the rules).
/// The Principal is `service:<name>` with roles {actor role} and attributes actor.id, actor.name,
/// actor.role and (for acting officials) acting.for. Missing/invalid token → UNAUTHENTICATED.
public struct ServiceTokenAuthenticator: Authenticator {
    let credentials: [ServiceCredential]

    public init(credentials: [ServiceCredential]) {
        self.credentials = credentials
    }

    public init(settings: ServiceSettings) throws(ConfigError) {
        var credentials: [ServiceCredential] = []
        for entry in settings.serviceTokens { credentials.append(try ServiceCredential(configEntry: entry)) }
        self.init(credentials: credentials)
    }

    public func authenticate(method: String, metadata: Metadata) async throws -> Principal {
        guard let header = metadata[ServiceMetadata.authorization] else {
            throw RPCError(.unauthenticated, "missing authorization metadata: send `authorization: Bearer <service token>`")
        }
        let prefix = "bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix else {
            throw RPCError(.unauthenticated, "authorization must be `Bearer <service token>`")
        }
        let token = header.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
        let digest = Data(SHA256.hash(data: Data(token.utf8)))
        // Compare against every credential without stopping early, so timing does not tell
        // which (or whether a) credential matched.
        var matched: ServiceCredential?
        for credential in credentials where Self.constantTimeEqual(credential.tokenSHA256, digest) {
            matched = credential
        }
        guard let caller = matched else {
            throw RPCError(.unauthenticated, "invalid service token")
        }
        var attributes: [String: String] = [:]
        var roles: Set<String> = []
        if let id = metadata[ServiceMetadata.actorID] { attributes[PrincipalAttribute.actorID] = id }
        if let name = metadata[ServiceMetadata.actorName] {
            attributes[PrincipalAttribute.actorName] = name
        } else if let bytes = metadata.binary(ServiceMetadata.actorNameBinary) {
            attributes[PrincipalAttribute.actorName] = String(decoding: bytes, as: UTF8.self)
        }
        if let role = metadata[ServiceMetadata.actorRole] {
            attributes[PrincipalAttribute.actorRole] = role
            roles.insert(role)
        }
        if let actingFor = metadata[ServiceMetadata.actorActingFor], !actingFor.isEmpty {
            attributes[PrincipalAttribute.actingFor] = actingFor
        }
        return Principal(subject: "service:\(caller.name)", roles: roles, attributes: attributes)
    }

    static func constantTimeEqual(_ lhs: Data, _ rhs: Data) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
        return difference == 0
    }
}

extension ServerContext {
    /// The acting user passed by the trusted caller. Throws UNAUTHENTICATED when the call carries
    /// no actor (id and role are required).
    public func actor() throws -> ActorIdentity {
        guard let principal else {
            throw RPCError(.unauthenticated, "no authenticated caller")
        }
        let attributes = principal.attributes
        guard let id = attributes[PrincipalAttribute.actorID], !id.isEmpty,
              let role = attributes[PrincipalAttribute.actorRole], !role.isEmpty
        else {
            throw RPCError(.unauthenticated, "missing acting user: send \(ServiceMetadata.actorID) and \(ServiceMetadata.actorRole) metadata")
        }
        return ActorIdentity(id: id, name: attributes[PrincipalAttribute.actorName] ?? "", role: role,
                             actingFor: attributes[PrincipalAttribute.actingFor])
    }

    /// The acting user, who must hold one of `roles` (an acting official holds the role too and
    /// passes; records keep `acting_for`). Otherwise PERMISSION_DENIED naming the needed role.
    public func requireActor(_ roles: Role..., action: String) throws -> ActorIdentity {
        try requireActor(Set(roles), action: action)
    }

    public func requireActor(_ roles: Set<Role>, action: String) throws -> ActorIdentity {
        let actor = try actor()
        guard let role = actor.knownRole, roles.contains(role) else {
            let needed = roles.map(\.rawValue).sorted().joined(separator: " or ")
            throw RPCError(.permissionDenied, "\(action) requires role \(needed) (or its acting official, Plh/Plt); caller \(actor.id) has role \(actor.role)")
        }
        return actor
    }
}
