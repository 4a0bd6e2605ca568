import RPC

/// The drafting service (`surat-drafting`, SOP step 2), `surat.drafting.v1.Drafting`.
/// See proto-notes/surat/drafting/v1/drafting.proto for each method's rules.
public enum DraftingAPI {
    public static let serviceName = "surat.drafting.v1.Drafting"
    public static let defaultPort = 7401

    public static let createDraft = RPCMethod<CreateDraftRequest, Draft>(service: serviceName, name: "CreateDraft")
    public static let updateDraft = RPCMethod<UpdateDraftRequest, Draft>(service: serviceName, name: "UpdateDraft")
    public static let parafDraft = RPCMethod<ParafDraftRequest, ParafDraftResponse>(service: serviceName, name: "ParafDraft")
    public static let reopenDraft = RPCMethod<ReopenDraftRequest, Draft>(service: serviceName, name: "ReopenDraft")
    public static let getDraft = RPCMethod<GetDraftRequest, Draft>(service: serviceName, name: "GetDraft")
    public static let getRevision = RPCMethod<GetRevisionRequest, DraftRevision>(service: serviceName, name: "GetRevision")
    public static let listDrafts = RPCMethod<ListDraftsRequest, ListDraftsResponse>(service: serviceName, name: "ListDrafts")
}
