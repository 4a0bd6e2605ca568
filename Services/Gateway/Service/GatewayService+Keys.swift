import Domain
import Foundation
import RPC

// Offline verification from the gateway alone: an agency that reaches only the gateway gets the
// published signing keys and the registry's receipt key here (proto-notes/gateway.md).
extension GatewayService {
    func getPublishedKeys(_ request: GatewayAPI.GetPublishedKeysRequest,
                          _ context: ServerContext) async throws -> GatewayAPI.PublishedKeysReply {
        let backends = try requireBackends()
        let actor = try await queryActor(context)
        async let published = backends.call(backends.signing, "signing", SigningAPI.listPublicKeys,
                                            ListPublicKeysRequest(), as: actor)
        async let registry = backends.call(backends.registry, "registry", RegistryAPI.getRegistryKey,
                                           RegistryAPI.GetRegistryKeyRequest(), as: actor)
        let (keys, registryKey) = try await (published, registry)
        var reply = GatewayAPI.PublishedKeysReply()
        reply.signers = keys.signers
        reply.keys = keys.keys
        reply.delegations = keys.delegations
        reply.registryKey = registryKey
        return reply
    }

    func registerPublishedKeys(_ gateway: inout ServiceDescriptor) {
        gateway.unaryWithCallerDeadline(GatewayAPI.getPublishedKeys, getPublishedKeys)
    }
}
