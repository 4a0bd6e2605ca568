import RPC

/// The signing service (`surat-signing`, SOP steps 4 and 5), `surat.signing.v1.Signing`.
/// See proto-notes/surat/signing/v1/signing.proto for each method's rules and
/// proto-notes/signing.md for the envelope bytes and offline verification.
public enum SigningAPI {
    public static let serviceName = "surat.signing.v1.Signing"
    public static let defaultPort = 7403

    // Administration (role admin).
    public static let registerSigner = RPCMethod<RegisterSignerRequest, RegisterSignerResponse>(service: serviceName, name: "RegisterSigner")
    public static let rotateKey = RPCMethod<RotateKeyRequest, RotateKeyResponse>(service: serviceName, name: "RotateKey")
    public static let revokeKey = RPCMethod<RevokeKeyRequest, RevokeKeyResponse>(service: serviceName, name: "RevokeKey")
    public static let createDelegation = RPCMethod<CreateDelegationRequest, DelegationResponse>(service: serviceName, name: "CreateDelegation")
    public static let revokeDelegation = RPCMethod<RevokeDelegationRequest, DelegationResponse>(service: serviceName, name: "RevokeDelegation")
    // The signer themself.
    public static let changePassphrase = RPCMethod<ChangePassphraseRequest, ChangePassphraseResponse>(service: serviceName, name: "ChangePassphrase")
    // SOP step 4 (Staf Umum) and step 5 (Camat or acting official).
    public static let uploadForSignature = RPCMethod<UploadForSignatureRequest, SigningRequestRecord>(service: serviceName, name: "UploadForSignature")
    public static let sign = RPCMethod<SignRequest, SignatureRecord>(service: serviceName, name: "Sign")
    public static let bulkSign = RPCMethod<BulkSignRequest, BulkSignResponse>(service: serviceName, name: "BulkSign")
    // Queries and verification (any authenticated caller).
    public static let getSigningRequest = RPCMethod<GetSigningRequestRequest, SigningRequestRecord>(service: serviceName, name: "GetSigningRequest")
    public static let getSignature = RPCMethod<GetSignatureRequest, SignatureRecord>(service: serviceName, name: "GetSignature")
    public static let verify = RPCMethod<VerifyRequest, VerifyResponse>(service: serviceName, name: "Verify")
    public static let listPublicKeys = RPCMethod<ListPublicKeysRequest, ListPublicKeysResponse>(service: serviceName, name: "ListPublicKeys")
}
