import Domain
import Foundation
import GatewayCore
import RPC
import ServiceKit

// Pembatalan nomor: the Camat cancels a registered letter's number (proto-notes/gateway.md,
// "Cancelling a number"). The registry keeps the number in the agenda book, marked cancelled.
extension GatewayService {
    func cancelNumber(_ request: GatewayAPI.CancelNumberRequest, _ context: ServerContext) async throws -> GatewayAPI.CancelNumberReply {
        let backends = try requireBackends()
        let user = try await caller(context)
        // The letter went out under the Camat's signature: only the Camat (or the Plh/Plt acting as
        // Camat) takes it back; neither the clerk nor the admin can unmake an official letter.
        let actor = try user.actor(for: .camat, action: "cancelling a number (pembatalan)")
        try Idempotency.validate(requestID: request.requestID)
        let number = request.letterNumber.trimmingCharacters(in: .whitespaces)
        guard !number.isEmpty else { throw InvalidFieldError("letter_number", "is required") }
        try TextCheck.rejectControlCharacters(request.reason, "reason")
        let reason = request.reason.trimmingCharacters(in: .whitespaces)
        guard !reason.isEmpty else { throw InvalidFieldError("reason", "is required: why the number is cancelled (printed in the agenda book)") }
        var cancel = RegistryAPI.CancelLetterRequest()
        // The registry keeps the request id with the cancellation: a retry returns the same entry.
        cancel.requestID = BackendRequestID.derive(requestID: request.requestID, letterID: number, operation: "CancelNumber")
        cancel.number = number
        cancel.reason = reason
        let answer = try await backends.call(backends.registry, "registry", RegistryAPI.cancelLetter, cancel, as: actor)
        guard let entry = answer.entry else { throw RPCError(.internalError, "registry returned no agenda entry") }
        context.logger.notice("number cancelled", metadata: ["letter.number": .string(entry.number), "letter.id": .string(entry.letterID),
                                                             "actor.id": .string(actor.id), "request.id": .string(request.requestID)])
        var reply = GatewayAPI.CancelNumberReply()
        reply.letterNumber = entry.number
        reply.letterID = entry.letterID
        reply.reason = entry.cancelReason
        reply.cancelledAt = entry.cancelledAt
        reply.cancelledBy = entry.cancelledBy
        return reply
    }

    func registerCancelNumber(_ gateway: inout ServiceDescriptor) {
        gateway.unaryWithCallerDeadline(GatewayAPI.cancelNumber, cancelNumber)
    }
}
