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
}

extension InboxAPI {
    /// The receiving side, served by the same executable.
    public static let serviceName = "surat.inbox.v1.Inbox"

    public static let deliverLetter = RPCMethod<DeliverLetterRequest, DeliverLetterResponse>(service: serviceName, name: "DeliverLetter")
    public static let listIncoming = RPCMethod<ListIncomingRequest, ListIncomingResponse>(service: serviceName, name: "ListIncoming")
}
