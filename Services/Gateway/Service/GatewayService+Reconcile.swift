import Domain
import Foundation
import GatewayCore
import RPC
import ServiceKit
import Wire

// GatewayAdmin.ReconcileRegistry: the gateway gives a registry restored from an older backup the
// registrations it acknowledged and lost (proto-notes/registry.md, "Restore and reconcile").
extension GatewayService {
    /// At most this many registrations, and about this many bytes, per ImportRegistrations call.
    static let reconcileBatchCount = 200
    static let reconcileBatchBytes = 1 << 20

    func reconcileRegistry(_ request: GatewayAPI.ReconcileRegistryRequest,
                           _ context: ServerContext) async throws -> GatewayAPI.ReconcileRegistryReply {
        let backends = try requireBackends()
        let actor = try await queryActor(context)
        try Idempotency.validate(requestID: request.requestID)
        let before = try await backends.call(backends.registry, "registry", RegistryAPI.getReconcileStatus,
                                             RegistryAPI.GetReconcileStatusRequest(), as: actor)
        let years = Dictionary(before.years.map { ($0.year, $0) }, uniquingKeysWith: { first, _ in first })

        // What the book lacks: everything from its first missing agenda sequence of the year on
        // (or after its last one when nothing is missing); the import skips what is already there.
        var toSend: [GatewayStore.HeldRegistration] = []
        for year in try await store.registrationYears() {
            let after = years[year].map { state in state.missing.first.map { $0 - 1 } ?? state.lastSequence } ?? 0
            toSend += try await store.registrations(year: year, after: after)
        }

        var reply = GatewayAPI.ReconcileRegistryReply()
        reply.reconcileRequiredBefore = before.reconcileRequired
        reply.sent = Int32(toSend.count)
        var status = before
        if !request.dryRun {
            var batchIndex = 0
            var start = 0
            while start < toSend.count {
                var end = start
                var bytes = 0
                while end < toSend.count, end - start < Self.reconcileBatchCount,
                      end == start || bytes + toSend[end].content.count < Self.reconcileBatchBytes {
                    bytes += toSend[end].content.count + toSend[end].signatureRecord.count + toSend[end].receiptText.count
                    end += 1
                }
                var importing = RegistryAPI.ImportRegistrationsRequest()
                importing.requestID = BackendRequestID.derive(requestID: request.requestID, letterID: "reconcile",
                                                              operation: "ImportRegistrations-\(batchIndex)")
                importing.registrations = try toSend[start..<end].map(Self.heldForRegistry)
                let answer = try await backends.call(backends.registry, "registry", RegistryAPI.importRegistrations,
                                                     importing, as: actor)
                reply.imported += answer.imported
                reply.alreadyPresent += answer.alreadyPresent
                reply.problems += answer.problems.map { "\($0.number.isEmpty ? "?" : $0.number) (\($0.letterID)): \($0.problem)" }
                if let after = answer.status { status = after }
                start = end
                batchIndex += 1
            }
            if toSend.isEmpty {
                status = try await backends.call(backends.registry, "registry", RegistryAPI.getReconcileStatus,
                                                 RegistryAPI.GetReconcileStatusRequest(), as: actor)
            }
            context.logger.notice("registry reconciled", metadata: [
                "request.id": .string(request.requestID), "sent": .stringConvertible(reply.sent),
                "imported": .stringConvertible(reply.imported), "already.present": .stringConvertible(reply.alreadyPresent),
                "problems": .stringConvertible(reply.problems.count),
                "numbering": .string(status.reconcileRequired ? "still stopped" : "on")])
        }
        reply.reconcileRequired = status.reconcileRequired
        reply.missing = status.years.flatMap { year in year.missing.map { "\(year.year)/\($0)" } }
        reply.detail = status.detail
        return reply
    }

    static func heldForRegistry(_ held: GatewayStore.HeldRegistration) throws -> RegistryAPI.HeldRegistration {
        var item = RegistryAPI.HeldRegistration()
        var receipt = RegistryAPI.Receipt()
        receipt.text = held.receiptText
        receipt.signature = held.receiptSeal
        item.receipt = receipt
        item.content = held.content
        item.signature = try ProtobufDecoder().decode(SignatureRecord.self, from: [UInt8](held.signatureRecord))
        item.registeredBy = held.registeredBy
        item.requestID = held.requestID
        item.unit = held.unit
        return item
    }
}
