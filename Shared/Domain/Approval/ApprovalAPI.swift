import RPC

/// The approval service (`surat-approval`, SOP step 3), `surat.approval.v1.Approval`.
/// See proto-notes/surat/approval/v1/approval.proto for each method's rules.
public enum ApprovalAPI {
    public static let serviceName = "surat.approval.v1.Approval"
    public static let defaultPort = 7402

    public static let submitForReview = RPCMethod<SubmitForReviewRequest, Review>(service: serviceName, name: "SubmitForReview")
    public static let listReviewQueue = RPCMethod<ListReviewQueueRequest, ListReviewQueueResponse>(service: serviceName, name: "ListReviewQueue")
    public static let approve = RPCMethod<ApproveRequest, ApproveResponse>(service: serviceName, name: "Approve")
    public static let returnDraft = RPCMethod<ReturnDraftRequest, Review>(service: serviceName, name: "ReturnDraft")
    public static let getReview = RPCMethod<GetReviewRequest, Review>(service: serviceName, name: "GetReview")
}
