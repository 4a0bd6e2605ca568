import Domain
import RPC
import ServiceKit

extension SigningService {
    /// `surat.signing.v1.Signing` for the RPC server. Mutations need the acting user
    /// (`surat-actor-id`, `surat-actor-role`); queries and verification need only a valid service
    /// token, so the registry and other offices' gateways can verify without an actor.
    public var descriptor: ServiceDescriptor {
        var service = ServiceDescriptor(name: SigningAPI.serviceName)
        service.unary(SigningAPI.registerSigner) { request, context in
            try await self.registerSigner(request, caller: try Self.caller(context), deadline: context.deadline)
        }
        service.unary(SigningAPI.rotateKey) { request, context in
            try await self.rotateKey(request, caller: try Self.caller(context), deadline: context.deadline)
        }
        service.unary(SigningAPI.revokeKey) { request, context in
            try await self.revokeKey(request, caller: try Self.caller(context))
        }
        service.unary(SigningAPI.createDelegation) { request, context in
            try await self.createDelegation(request, caller: try Self.caller(context))
        }
        service.unary(SigningAPI.revokeDelegation) { request, context in
            try await self.revokeDelegation(request, caller: try Self.caller(context))
        }
        service.unary(SigningAPI.changePassphrase) { request, context in
            try await self.changePassphrase(request, caller: try Self.caller(context), deadline: context.deadline)
        }
        // Hashes the uploaded content (up to 4 MiB): off the event loop.
        service.unary(SigningAPI.uploadForSignature, execution: .offEventLoop) { request, context in
            try await self.upload(request, caller: try Self.caller(context))
        }
        service.unary(SigningAPI.sign) { request, context in
            try await self.sign(request, caller: try Self.caller(context), deadline: context.deadline)
        }
        service.unary(SigningAPI.bulkSign) { request, context in
            try await self.bulkSign(request, caller: try Self.caller(context), deadline: context.deadline)
        }
        service.unary(SigningAPI.getSigningRequest) { request, context in
            try Self.requireAuthenticated(context)
            return try await self.signingRequest(request)
        }
        service.unary(SigningAPI.getSignature) { request, context in
            try Self.requireAuthenticated(context)
            return try await self.signature(request)
        }
        service.unary(SigningAPI.verify) { request, context in
            try Self.requireAuthenticated(context)
            return try await self.verify(request)
        }
        service.unary(SigningAPI.listPublicKeys) { request, context in
            try Self.requireAuthenticated(context)
            return try await self.listPublicKeys(request)
        }
        return service
    }

    static func caller(_ context: ServerContext) throws -> SigningCaller {
        let actor = try context.actor()
        return SigningCaller(actorId: actor.id, actorRole: actor.role, actorName: actor.name)
    }

    static func requireAuthenticated(_ context: ServerContext) throws {
        guard context.principal != nil else { throw RPCError(.unauthenticated, "no authenticated caller") }
    }
}
