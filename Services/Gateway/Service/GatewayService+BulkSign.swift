import Domain
import Foundation
import GatewayCore
import RPC
import ServiceKit

// SOP step 5 for a stack of letters: the Camat (or a Plh/Plt acting as camat) enters the passphrase
// once. Each letter is handled as its own Sign (request id derived from the call's request id and the
// letter id), so its stored reply, backend request id, signature and journey record are exactly what
// a single Sign with that request id would make; the signing service unlocks the key once for all.
extension GatewayService {
    static let bulkSignLimit = 100

    static func withoutPassphrase(_ request: GatewayAPI.SignRequest) -> GatewayAPI.SignRequest {
        GatewayAPI.SignRequest(requestID: request.requestID, letterID: request.letterID)
    }

    /// The request id under which one letter of a BulkSign call is recorded as a Sign.
    static func bulkLetterRequestID(_ requestID: String, letterID: String) -> String {
        BackendRequestID.derive(requestID: requestID, letterID: letterID, operation: "BulkSign")
    }

    /// One letter still to sign in this call.
    private struct BulkPending: Sendable {
        var index: Int
        var journey: GatewayCore.Journey
        var requestID: String
        var fingerprint: String
        var backendRequestID: String
    }

    func bulkSign(_ request: GatewayAPI.BulkSignRequest, _ context: ServerContext) async throws -> GatewayAPI.BulkSignReply {
        let backends = try requireBackends()
        let standards = store.standards
        let user = try await caller(context)
        let action = "sign (step 5)"
        let actor = try user.actor(for: SOPStep.sign.role, action: action)
        try Idempotency.validate(requestID: request.requestID)
        guard !request.passphrase.isEmpty else { throw InvalidFieldError("passphrase", "is required") }
        guard !request.letterIDs.isEmpty else { throw InvalidFieldError("letter_ids", "give at least one letter") }
        guard request.letterIDs.count <= Self.bulkSignLimit else {
            throw InvalidFieldError("letter_ids", "at most \(Self.bulkSignLimit) letters per call, got \(request.letterIDs.count)")
        }
        guard !request.letterIDs.contains(where: \.isEmpty) else { throw InvalidFieldError("letter_ids", "an empty letter id") }
        guard Set(request.letterIDs).count == request.letterIDs.count else {
            throw InvalidFieldError("letter_ids", "name each letter once")
        }
        var log = context.logger
        log[metadataKey: "request.id"] = .string(request.requestID)

        var results = request.letterIDs.map { GatewayAPI.BulkSignResult(letterID: $0) }
        var pending: [BulkPending] = []
        for (index, letterID) in request.letterIDs.enumerated() {
            let letterRequestID = Self.bulkLetterRequestID(request.requestID, letterID: letterID)
            do {
                let fingerprint = Self.hex(try Idempotency.fingerprint(
                    of: GatewayAPI.SignRequest(requestID: letterRequestID, letterID: letterID), actorID: user.user.id))
                if let stored = try await store.storedResponse(method: GatewayAPI.sign.fullName, requestID: letterRequestID,
                                                               requestDigest: fingerprint) {
                    let reply = try decode(GatewayAPI.SignReply.self, stored)
                    results[index].journey = reply.journey
                    results[index].signature = reply.signature
                    continue
                }
                let journey = try await store.journey(letterID)
                try journey.requireStep(.sign, to: action)
                pending.append(BulkPending(
                    index: index, journey: journey, requestID: letterRequestID, fingerprint: fingerprint,
                    backendRequestID: BackendRequestID.derive(requestID: letterRequestID, letterID: letterID, operation: GatewayAPI.sign.name)))
            } catch {
                Self.fail(&results[index], error)
            }
        }
        guard !pending.isEmpty else { return GatewayAPI.BulkSignReply(results: results) }

        // One signing-service call: one passphrase check and key unlock for every letter left.
        let items = pending.map {
            BulkSignItem(requestId: $0.backendRequestID, signingRequestId: $0.journey.signingRequestID ?? "", letterId: $0.journey.letterID)
        }
        let answer = try await backends.call(backends.signing, "signing", SigningAPI.bulkSign,
                                             Domain.BulkSignRequest(signerId: actor.id, passphrase: request.passphrase, items: items),
                                             as: actor)
        guard answer.results.count == pending.count else {
            throw RPCError(.internalError, "the signing service answered \(answer.results.count) results for \(pending.count) letters")
        }
        // Verify each new signature (as Sign does) concurrently. A letter this signer signed under a
        // lost request id comes back as its stored signature (the signing service replays Sign by its
        // natural key, upload + signer), so a failure here is a real refusal.
        let outcomes = await withTaskGroup(of: (Int, Result<GatewayAPI.SignatureInfo, any Error>).self) { group in
            for (position, result) in answer.results.enumerated() {
                group.addTask {
                    do {
                        guard let record = result.signature, result.code == 0 else {
                            throw RPCError(RPCError.Code(rawValue: Int(result.code)), "signing: \(result.message)")
                        }
                        let verification = try await backends.call(backends.signing, "signing", SigningAPI.verify,
                                                                   VerifyRequest(signatureId: record.signatureId), as: actor)
                        return (position, .success(Self.signatureInfo(record, verification: verification)))
                    } catch {
                        return (position, .failure(error))
                    }
                }
            }
            var outcomes: [Int: Result<GatewayAPI.SignatureInfo, any Error>] = [:]
            for await (position, outcome) in group { outcomes[position] = outcome }
            return outcomes
        }
        // Record each signed letter as its own Sign: transition and stored reply in one transaction.
        var signedCount = 0
        for (position, item) in pending.enumerated() {
            do {
                let info = try outcomes[position, default: .failure(RPCError(.internalError, "no outcome"))].get()
                let now = store.now()
                let bytes = try await store.update(letterID: item.journey.letterID, method: GatewayAPI.sign.fullName,
                                                   requestID: item.requestID, requestDigest: item.fingerprint) { journey in
                    try journey.sign(signatureID: info.signatureID, by: actor, at: now, standards: standards)
                    var reply = GatewayAPI.SignReply()
                    reply.journey = GatewayAPI.Journey(journey, now: now)
                    reply.signature = info
                    return try self.encode(reply)
                }
                let reply = try decode(GatewayAPI.SignReply.self, bytes)
                results[item.index].journey = reply.journey
                results[item.index].signature = reply.signature
                signedCount += 1
            } catch {
                Self.fail(&results[item.index], error)
                log.warning("\(action) failed for one letter of a bulk call; its journey is unchanged",
                            metadata: ["letter.id": .string(item.journey.letterID), "backend.request.id": .string(item.backendRequestID)])
            }
        }
        log.info("bulk \(action) recorded", metadata: [
            "actor.id": .string(actor.id), "letters": .stringConvertible(request.letterIDs.count),
            "signed.now": .stringConvertible(signedCount)])
        return GatewayAPI.BulkSignReply(results: results)
    }

    private static func fail(_ result: inout GatewayAPI.BulkSignResult, _ error: any Error) {
        let rpc: RPCError = (error as? RPCError) ?? (error as? any RPCErrorConvertible)?.rpcError
            ?? RPCError(.internalError, "internal error while signing this letter")
        result.code = Int32(rpc.code.rawValue)
        result.message = rpc.message
        result.journey = nil
        result.signature = nil
    }
}

extension ServiceDescriptor {
    /// Registers a gateway handler whose backend calls are bounded by what is left of the caller's
    /// own deadline (`grpc-timeout`), not by a fixed figure.
    mutating func unaryWithCallerDeadline<Request, Response>(
        _ method: RPCMethod<Request, Response>, _ handler: @escaping @Sendable (Request, ServerContext) async throws -> Response
    ) {
        unary(method) { request, context in
            try await BackendClients.withCallerDeadline(context.deadline) { try await handler(request, context) }
        }
    }
}
