import RPC

extension GatewayAPI {
    public static let serviceName = "surat.gateway.v1.Gateway"
    public static let adminServiceName = "surat.gateway.v1.GatewayAdmin"

    public static let openLetter = RPCMethod<OpenLetterRequest, JourneyReply>(service: serviceName, name: "OpenLetter")
    public static let assignClerk = RPCMethod<AssignClerkRequest, JourneyReply>(service: serviceName, name: "AssignClerk")
    public static let createDraft = RPCMethod<CreateDraftRequest, DraftReply>(service: serviceName, name: "CreateDraft")
    public static let editDraft = RPCMethod<EditDraftRequest, DraftReply>(service: serviceName, name: "EditDraft")
    public static let getDraft = RPCMethod<GetDraftRequest, DraftReply>(service: serviceName, name: "GetDraft")
    public static let paraf = RPCMethod<ParafRequest, JourneyReply>(service: serviceName, name: "Paraf")
    public static let approve = RPCMethod<ApproveRequest, JourneyReply>(service: serviceName, name: "Approve")
    public static let returnDraft = RPCMethod<ReturnDraftRequest, JourneyReply>(service: serviceName, name: "ReturnDraft")
    public static let uploadForSignature = RPCMethod<UploadForSignatureRequest, JourneyReply>(
        service: serviceName, name: "UploadForSignature")
    public static let sign = RPCMethod<SignRequest, SignReply>(service: serviceName, name: "Sign")
    public static let bulkSign = RPCMethod<BulkSignRequest, BulkSignReply>(service: serviceName, name: "BulkSign")
    public static let register = RPCMethod<RegisterRequest, RegisterReply>(service: serviceName, name: "Register")
    public static let getJourney = RPCMethod<GetJourneyRequest, JourneyReply>(service: serviceName, name: "GetJourney")
    public static let listLetters = RPCMethod<ListLettersRequest, ListLettersReply>(service: serviceName, name: "ListLetters")
    public static let getWorkQueue = RPCMethod<WorkQueueRequest, WorkQueueReply>(service: serviceName, name: "GetWorkQueue")
    public static let getSLAReport = RPCMethod<SLAReportRequest, SLAReportReply>(service: serviceName, name: "GetSLAReport")
    public static let getDelivery = RPCMethod<GetDeliveryRequest, DeliveryReply>(service: serviceName, name: "GetDelivery")
    public static let verifyNumber = RPCMethod<VerifyNumberRequest, VerifyReply>(service: serviceName, name: "VerifyNumber")
    public static let verifySignature = RPCMethod<VerifySignatureRequest, VerifyReply>(
        service: serviceName, name: "VerifySignature")
    public static let exportAgenda = RPCMethod<ExportAgendaRequest, ExportAgendaReply>(
        service: serviceName, name: "ExportAgenda")
    public static let whoAmI = RPCMethod<WhoAmIRequest, WhoAmIReply>(service: serviceName, name: "WhoAmI")

    public static let createUser = RPCMethod<CreateUserRequest, User>(service: adminServiceName, name: "CreateUser")
    public static let listUsers = RPCMethod<ListUsersRequest, ListUsersReply>(service: adminServiceName, name: "ListUsers")
    public static let setUserActive = RPCMethod<SetUserActiveRequest, User>(service: adminServiceName, name: "SetUserActive")
    public static let issueToken = RPCMethod<IssueTokenRequest, IssueTokenReply>(service: adminServiceName, name: "IssueToken")
    public static let revokeToken = RPCMethod<RevokeTokenRequest, TokenInfo>(service: adminServiceName, name: "RevokeToken")
    public static let listTokens = RPCMethod<ListTokensRequest, ListTokensReply>(service: adminServiceName, name: "ListTokens")
    public static let grantActing = RPCMethod<GrantActingRequest, ActingGrant>(service: adminServiceName, name: "GrantActing")
    public static let endActing = RPCMethod<EndActingRequest, ActingGrant>(service: adminServiceName, name: "EndActing")
    public static let listActing = RPCMethod<ListActingRequest, ListActingReply>(service: adminServiceName, name: "ListActing")
    public static let registerSigner = RPCMethod<RegisterSignerRequest, SignerInfo>(
        service: adminServiceName, name: "RegisterSigner")
    public static let listSigners = RPCMethod<ListSignersRequest, ListSignersReply>(
        service: adminServiceName, name: "ListSigners")
    public static let createDelegation = RPCMethod<CreateDelegationRequest, DelegationInfo>(
        service: adminServiceName, name: "CreateDelegation")
    public static let reconcileRegistry = RPCMethod<ReconcileRegistryRequest, ReconcileRegistryReply>(
        service: adminServiceName, name: "ReconcileRegistry")
    public static let previewLetter = RPCMethod<PreviewLetterRequest, PreviewLetterReply>(service: serviceName, name: "PreviewLetter")
    public static let getLetterPDF = RPCMethod<GetLetterPDFRequest, LetterPDFChunk>(service: serviceName, name: "GetLetterPDF")
    public static let getOfficeProfile = RPCMethod<GetOfficeProfileRequest, OfficeProfile>(
        service: adminServiceName, name: "GetOfficeProfile")
    public static let setOfficeProfile = RPCMethod<SetOfficeProfileRequest, OfficeProfile>(
        service: adminServiceName, name: "SetOfficeProfile")
}
