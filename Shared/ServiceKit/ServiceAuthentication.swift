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
    /// The restricted service role of the credential (e.g. `verifier`); absent for full credentials.
    public static let serviceRole = "service.role"
}

/// One accepted service credential: the caller's name, the SHA-256 of its token and, for a
/// restricted credential, its service role (e.g. `verifier`: read-only public verification).
public struct ServiceCredential: Sendable, Hashable {
    public var name: String
    public var tokenSHA256: Data
    /// Empty = a full service credential (may claim an acting user); otherwise a restricted role
    /// that may call only the methods the service grants that role (`ServiceTokenAuthenticator`).
    public var role: String

    public init(name: String, tokenSHA256: Data, role: String = "") {
        self.name = name
        self.tokenSHA256 = tokenSHA256
        self.role = role
    }

    /// Parses a `name:sha256hex` or `name:sha256hex:role` config entry.
    public init(configEntry: String) throws(ConfigError) {
        let parts = configEntry.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, !parts[0].isEmpty, let digest = Self.bytes(fromHex: parts[1]), digest.count == 32 else {
            throw .invalid("serviceTokens entry \"\(configEntry)\" must be name:sha256hex (64 hex digits) or name:sha256hex:role; get the hash with `printf %s TOKEN | sha256sum`")
        }
        let role = parts.count == 3 ? parts[2] : ""
        guard parts.count == 2 || (!role.isEmpty && role.allSatisfy({ $0.isLetter || $0 == "-" || $0 == "_" })) else {
            throw .invalid("serviceTokens entry \"\(configEntry)\": the role after the hash must be a word such as verifier")
        }
        self.init(name: parts[0], tokenSHA256: digest, role: role)
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
///
/// A credential with a service role (`name:hash:verifier`) may call only the methods
/// `roleMethods[role]` lists (PERMISSION_DENIED otherwise, also for a role this service does not
/// know), and never claims an acting user: its actor metadata is ignored.
public struct ServiceTokenAuthenticator: Authenticator {
    let credentials: [ServiceCredential]
    let roleMethods: [String: Set<String>]

    public init(credentials: [ServiceCredential], roleMethods: [String: Set<String>] = [:]) {
        self.credentials = credentials
        self.roleMethods = roleMethods
    }

    public init(settings: ServiceSettings, roleMethods: [String: Set<String>] = [:]) throws(ConfigError) {
        var credentials: [ServiceCredential] = []
        for entry in settings.serviceTokens { credentials.append(try ServiceCredential(configEntry: entry)) }
        self.init(credentials: credentials, roleMethods: roleMethods)
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
        if !caller.role.isEmpty {
            guard let allowed = roleMethods[caller.role], allowed.contains(method) else {
                throw RPCError(.permissionDenied, "service credential \(caller.name) has role \(caller.role), which may not call \(method)")
            }
            return Principal(subject: "service:\(caller.name)", roles: [],
                             attributes: [PrincipalAttribute.serviceRole: caller.role])
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
