import Domain
import Foundation

extension RegistryAPI.AgendaEntry {
    package init(_ entry: AgendaEntry, registryPublicKey: [UInt8]) {
        self.init()
        letterID = entry.letterId.uuidString.lowercased()
        number = entry.number
        sequence = entry.sequence
        agendaYear = Int32(entry.agendaYear)
        agendaSequence = entry.agendaSequence
        unit = entry.unit
        classification = entry.classification
        registeredAt = entry.registeredAt
        registeredBy = entry.registeredBy
        subject = entry.subject
        addressees = entry.addressees.map { addressee in
            var ref = RegistryAPI.AddresseeRef()
            ref.id = addressee.id
            ref.name = addressee.name
            return ref
        }
        attachmentCount = Int32(entry.attachmentCount)
        sifat = entry.sifat
        urgency = entry.urgency
        letterType = entry.letterType
        signerID = entry.signerId
        signerName = entry.signerName
        signerKeyID = entry.keyId
        onBehalfOf = entry.onBehalfOf
        signedAt = entry.signedAt
        signatureID = entry.signatureReference
        contentSHA256 = Data(entry.contentDigest)
        status = entry.status == .cancelled ? .cancelled : .registered
        remarks = entry.remarks
        cancelReason = entry.cancelReason
        cancelledAt = entry.cancelledAt
        cancelledBy = entry.cancelledBy
        receipt = RegistryAPI.Receipt(entry.receipt, registryPublicKey: registryPublicKey)
        scope = entry.scope
    }
}

extension RegistryAPI.Receipt {
    package init(_ receipt: RegistryReceipt, registryPublicKey key: [UInt8]) {
        self.init()
        text = Data(receipt.text)
        signature = Data(receipt.signature)
        registryKeyID = receipt.registryKeyId
        registryPublicKey = Data(key)
    }
}

extension RegistryAPI.Delivery {
    package init(_ delivery: RegistryCore.Delivery, number: String) {
        self.init()
        letterID = delivery.letterId.uuidString.lowercased()
        self.number = number
        addresseeID = delivery.addresseeId
        addresseeName = delivery.addresseeName
        endpoint = delivery.endpoint
        state = RegistryAPI.DeliveryState(rawValue: Int32(delivery.state.rawValue)) ?? .unspecified
        attempts = Int32(delivery.attempts)
        nextAttemptAt = delivery.state == .pending ? delivery.nextAttemptAt : nil
        lastError = delivery.lastError
        deliveredAt = delivery.deliveredAt
        acknowledgement = delivery.acknowledgement
        deliveredBy = delivery.deliveredBy
        note = delivery.note
    }
}

extension RegistryAPI.ReconcileStatus {
    package init(_ status: ReconcileStatus) {
        self.init()
        reconcileRequired = status.reconcileRequired
        detail = status.detail
        years = status.years.map { year in
            var item = RegistryAPI.AgendaYearState()
            item.year = Int32(year.year)
            item.lastSequence = year.lastSequence
            item.entryCount = year.entryCount
            item.knownSequence = year.knownSequence
            item.missing = year.missing
            return item
        }
    }
}

extension RegistryAPI.OfficeProfileRecord {
    package init(_ stored: StoredOfficeProfile) {
        self.init()
        version = stored.version
        profileJSON = Data(stored.profileJSON)
        emblemPNG = Data(stored.emblemPNG)
        setAt = stored.setAt
        setBy = stored.setBy
        sha256 = Data(stored.sha256)
    }
}
