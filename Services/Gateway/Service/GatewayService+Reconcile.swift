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

        // Records made from a stored reply alone (before the gateway kept records) get the content and
        // signature from the signing service, which keeps both.
        for index in toSend.indices where toSend[index].content.isEmpty || toSend[index].signatureRecord.isEmpty {
            let journey = try await store.journey(toSend[index].letterID)
            let signature = try await backends.call(backends.signing, "signing", SigningAPI.getSignature,
                                                    GetSignatureRequest(signatureId: journey.signatureID ?? ""), as: actor)
            let signingRequest = try await backends.call(
                backends.signing, "signing", SigningAPI.getSigningRequest,
                GetSigningRequestRequest(signingRequestId: journey.signingRequestID ?? ""), as: actor)
            toSend[index].content = Data(try ProtobufEncoder().encode(signingRequest.content))
            toSend[index].signatureRecord = Data(try ProtobufEncoder().encode(signature))
            if !request.dryRun {
                try await store.completeRegistration(letterID: toSend[index].letterID, content: toSend[index].content,
                                                     signatureRecord: toSend[index].signatureRecord)
            }
        }

        var reply = GatewayAPI.ReconcileRegistryReply()
        reply.reconcileRequiredBefore = before.reconcileRequired
        reply.sent = Int32(toSend.count)
        var status = before
        if !request.dryRun {
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
                // Named by its letters, not its position: a retry after a partial import sends other
                // batches, and the registry refuses a request id reused for another request (issue 12).
                importing.requestID = BackendRequestID.derive(
                    requestID: request.requestID, letterID: "reconcile",
                    operation: "ImportRegistrations-" + toSend[start..<end].map { "\($0.letterID)" }.joined(separator: ","))
                importing.registrations = try toSend[start..<end].map(Self.heldForRegistry)
                let answer = try await backends.call(backends.registry, "registry", RegistryAPI.importRegistrations,
                                                     importing, as: actor)
                reply.imported += answer.imported
                reply.alreadyPresent += answer.alreadyPresent
                reply.problems += answer.problems.map { "\($0.number.isEmpty ? "?" : $0.number) (\($0.letterID)): \($0.problem)" }
                if let after = answer.status { status = after }
                start = end
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
            try await audit(context, "ReconcileRegistry", target: "registry",
                            detail: "sent=\(reply.sent) imported=\(reply.imported) problems=\(reply.problems.count)",
                            requestID: request.requestID)
        }
        reply.reconcileRequired = status.reconcileRequired
        reply.missing = status.years.flatMap { year in year.missing.map { "\(year.year)/\($0)" } }
        reply.detail = status.detail
        return reply
    }

    /// Gives registrations made before this gateway kept registration records a record built from the
    /// stored step-6 reply (number, receipt, agenda position), so the high-water mark covers them and
    /// reconcile can send them (it fetches their content and signature from the signing service).
    /// Runs at start; costs one count query once every registration has its record.
    public func backfillRegistrationRecords() async throws -> Int {
        let replies = try await store.storedRepliesWithoutRecords(method: GatewayAPI.register.fullName)
        var records: [GatewayStore.HeldRegistration] = []
        for bytes in replies {
            guard let reply = try? decode(GatewayAPI.RegisterReply.self, bytes), let journey = reply.journey,
                  let registration = reply.registration, registration.receipt.count > 64,
                  case let text = registration.receipt.dropLast(64), let position = Self.receiptPosition(text)
            else { continue }
            records.append(GatewayStore.HeldRegistration(
                letterID: journey.letterID, number: position.number, agendaYear: position.year,
                agendaSequence: position.sequence, registeredAt: registration.registeredAt, receiptText: Data(text),
                receiptSeal: Data(registration.receipt.suffix(64)), content: Data(), signatureRecord: Data(),
                registeredBy: journey.steps.last(where: { $0.step == 6 })?.actor?.id ?? "", requestID: "", unit: journey.unit))
        }
        return records.isEmpty ? 0 : try await store.addMissingRegistrations(records)
    }

    /// `number` and `agenda` (year/sequence) of registry receipt text (proto-notes/registry.md, "The receipt").
    static func receiptPosition(_ text: Data) -> (number: String, year: Int32, sequence: Int64)? {
        guard let string = String(data: text, encoding: .utf8), string.hasPrefix("surat-registry-receipt/v1\n") || string.hasPrefix("surat-registry-receipt/v2\n")
        else { return nil }
        var number: String?
        var agenda: (Int32, Int64)?
        for line in string.split(separator: "\n") {
            if line.hasPrefix("number=") { number = String(line.dropFirst("number=".count)) }
            if line.hasPrefix("agenda=") {
                let parts = line.dropFirst("agenda=".count).split(separator: "/")
                if parts.count == 2, let year = Int32(parts[0]), let sequence = Int64(parts[1]) { agenda = (year, sequence) }
            }
        }
        guard let number, !number.isEmpty, let agenda else { return nil }
        return (number, agenda.0, agenda.1)
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
