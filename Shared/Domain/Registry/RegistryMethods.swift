import RPC

extension RegistryAPI {
    /// `surat-registry` (SOP step 6): numbers, the agenda book and distribution.
    public static let serviceName = "surat.registry.v1.Registry"
    public static let defaultPort = 7404

    public static let register = RPCMethod<RegisterRequest, RegisterResponse>(service: serviceName, name: "Register")
    public static let getEntry = RPCMethod<GetEntryRequest, GetEntryResponse>(service: serviceName, name: "GetEntry")
    public static let listAgenda = RPCMethod<ListAgendaRequest, ListAgendaResponse>(service: serviceName, name: "ListAgenda")
    public static let exportAgenda = RPCMethod<ExportAgendaRequest, ExportAgendaResponse>(service: serviceName, name: "ExportAgenda")
    public static let cancelLetter = RPCMethod<CancelLetterRequest, CancelLetterResponse>(service: serviceName, name: "CancelLetter")
    public static let verifyReceipt = RPCMethod<VerifyReceiptRequest, VerifyReceiptResponse>(service: serviceName, name: "VerifyReceipt")
    public static let getDeliveries = RPCMethod<GetDeliveriesRequest, GetDeliveriesResponse>(service: serviceName, name: "GetDeliveries")
    public static let listManualDeliveries = RPCMethod<ListManualDeliveriesRequest, ListManualDeliveriesResponse>(
        service: serviceName, name: "ListManualDeliveries")
    public static let markDelivered = RPCMethod<MarkDeliveredRequest, MarkDeliveredResponse>(service: serviceName, name: "MarkDelivered")
    public static let getRegistryKey = RPCMethod<GetRegistryKeyRequest, GetRegistryKeyResponse>(service: serviceName, name: "GetRegistryKey")
    public static let importRegistrations = RPCMethod<ImportRegistrationsRequest, ImportRegistrationsResponse>(
        service: serviceName, name: "ImportRegistrations")
    public static let getReconcileStatus = RPCMethod<GetReconcileStatusRequest, ReconcileStatus>(
        service: serviceName, name: "GetReconcileStatus")
    public static let getOfficeProfile = RPCMethod<GetOfficeProfileRequest, OfficeProfileRecord>(
        service: serviceName, name: "GetOfficeProfile")
    public static let setOfficeProfile = RPCMethod<SetOfficeProfileRequest, OfficeProfileRecord>(
        service: serviceName, name: "SetOfficeProfile")
    public static let getPublicRecord = RPCMethod<GetPublicRecordRequest, PublicRecord>(service: serviceName, name: "GetPublicRecord")
    public static let getLetterPDF = RPCMethod<GetLetterPDFRequest, PDFChunk>(service: serviceName, name: "GetLetterPDF")
    public static let findByPDFDigest = RPCMethod<FindByPDFDigestRequest, PublicRecord>(service: serviceName, name: "FindByPDFDigest")
    /// The methods (`package.Service/Method`, as `ServerContext.method` names them) a service
    /// credential with the read-only `verifier` role may call: what surat-verify needs.
    public static let verifierMethods: Set<String> = [getPublicRecord.fullName, getLetterPDF.fullName, findByPDFDigest.fullName]
    /// The restricted service roles the registry knows (`serviceTokens` entries `name:sha256hex:verifier`).
    public static let serviceRoleMethods: [String: Set<String>] = ["verifier": verifierMethods]
}

extension InboxAPI {
    /// The receiving side, served by the same executable.
    public static let serviceName = "surat.inbox.v1.Inbox"

    public static let deliverLetter = RPCMethod<DeliverLetterRequest, DeliverLetterResponse>(service: serviceName, name: "DeliverLetter")
    public static let listIncoming = RPCMethod<ListIncomingRequest, ListIncomingResponse>(service: serviceName, name: "ListIncoming")
}
