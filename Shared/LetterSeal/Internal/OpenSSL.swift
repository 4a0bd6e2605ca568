import COpenSSL
import Foundation

// All of LetterSeal's unsafe code: OpenSSL handles owned by Swift objects, C return codes turned
// into LetterSealError. Nothing outside this file touches a pointer.

/// An X.509 certificate. Immutable once made; OpenSSL reference-counts it and only reads it
/// while signing or verifying, so sharing across tasks is safe.
final class X509Certificate: @unchecked Sendable {
    let handle: OpaquePointer

    init(taking handle: OpaquePointer) { self.handle = handle }
    deinit { X509_free(handle) }

    /// Every certificate in a PEM file, in file order (leaf first for a chain).
    static func parsePEM(_ pem: Data) throws(LetterSealError) -> [X509Certificate] {
        let bio = try MemoryBIO(pem)
        var certificates: [X509Certificate] = []
        while let certificate = PEM_read_bio_X509(bio.handle, nil, nil, nil) {
            certificates.append(X509Certificate(taking: certificate))
        }
        ERR_clear_error()  // the read that ends the loop leaves "no start line" behind
        guard !certificates.isEmpty else { throw .badCertificate("no PEM certificate found") }
        return certificates
    }

    var pem: String {
        let bio = MemoryBIO()
        PEM_write_bio_X509(bio.handle, handle)
        return String(decoding: bio.contents, as: UTF8.self)
    }

    /// The subject as one line, `CN=...,O=...,C=ID` (RFC 2253, UTF-8 kept).
    var subject: String {
        let bio = MemoryBIO()
        surat_name_print(bio.handle, X509_get_subject_name(handle))
        return String(decoding: bio.contents, as: UTF8.self)
    }

    var derSize: Int { Int(i2d_X509(handle, nil)) }

    /// Makes a certificate for `subjectKey`, signed by `issuerKey` (self-signed when `issuer` is nil).
    static func make(subject: [(field: String, value: String)], subjectKey: PrivateKey, issuer: X509Certificate?,
                     issuerKey: PrivateKey, serial: UInt64, notBefore: Date, notAfter: Date,
                     extensions: [(nid: Int32, value: String)]) throws(LetterSealError) -> X509Certificate {
        guard let certificate = X509_new() else { throw .openSSL(OpenSSLErrors.drain()) }
        let result = X509Certificate(taking: certificate)
        guard let name = X509_NAME_new() else { throw .openSSL(OpenSSLErrors.drain()) }
        defer { X509_NAME_free(name) }
        for (field, value) in subject {
            guard X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, value, -1, -1, 0) == 1 else {
                throw .badCertificate("subject \(field): \(OpenSSLErrors.drain())")
            }
        }
        var ok = X509_set_version(certificate, 2) == 1
            && ASN1_INTEGER_set_uint64(X509_get_serialNumber(certificate), serial) == 1
            && ASN1_TIME_set(X509_getm_notBefore(certificate), time_t(notBefore.timeIntervalSince1970)) != nil
            && ASN1_TIME_set(X509_getm_notAfter(certificate), time_t(notAfter.timeIntervalSince1970)) != nil
            && X509_set_subject_name(certificate, name) == 1
            && X509_set_issuer_name(certificate, issuer.map { X509_get_subject_name($0.handle) } ?? name) == 1
            && X509_set_pubkey(certificate, subjectKey.handle) == 1
        guard ok else { throw .openSSL(OpenSSLErrors.drain()) }
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer?.handle ?? certificate, certificate, nil, nil, 0)
        for (nid, value) in extensions {
            guard let extensionHandle = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                throw .badCertificate("extension \(value): \(OpenSSLErrors.drain())")
            }
            ok = X509_add_ext(certificate, extensionHandle, -1) == 1
            X509_EXTENSION_free(extensionHandle)
            guard ok else { throw .openSSL(OpenSSLErrors.drain()) }
        }
        guard X509_sign(certificate, issuerKey.handle, EVP_sha256()) > 0 else { throw .openSSL(OpenSSLErrors.drain()) }
        return result
    }
}

/// A private key (RSA for the seal: PKCS#1 v1.5 signatures are deterministic).
final class PrivateKey: @unchecked Sendable {
    let handle: OpaquePointer

    init(taking handle: OpaquePointer) { self.handle = handle }
    deinit { EVP_PKEY_free(handle) }

    static func generateRSA(bits: UInt32) throws(LetterSealError) -> PrivateKey {
        guard let key = surat_rsa_generate(bits) else { throw .openSSL(OpenSSLErrors.drain()) }
        return PrivateKey(taking: key)
    }

    static func parsePEM(_ pem: Data) throws(LetterSealError) -> PrivateKey {
        let bio = try MemoryBIO(pem)
        guard let key = PEM_read_bio_PrivateKey(bio.handle, nil, nil, nil) else {
            throw .badKey("no readable unencrypted PEM private key (\(OpenSSLErrors.drain()))")
        }
        return PrivateKey(taking: key)
    }

    /// Unencrypted PKCS#8 PEM: the file's mode (0600, owner surat) protects it, as for the registry's receipt key.
    var pem: String {
        let bio = MemoryBIO()
        PEM_write_bio_PrivateKey(bio.handle, handle, nil, nil, 0, nil, nil)
        return String(decoding: bio.contents, as: UTF8.self)
    }

    /// Bytes in one signature (the RSA modulus size).
    var signatureSize: Int { Int(EVP_PKEY_get_size(handle)) }

    func matches(_ certificate: X509Certificate) -> Bool { X509_check_private_key(certificate.handle, handle) == 1 }
}

/// A PKCS#12 bundle from a certification authority: key, certificate and the CA chain.
func parsePKCS12(_ data: Data, passphrase: String) throws(LetterSealError) -> (PrivateKey, X509Certificate, [X509Certificate]) {
    let bio = try MemoryBIO(data)
    guard let bundle = d2i_PKCS12_bio(bio.handle, nil) else { throw .badKey("not a PKCS#12 file (\(OpenSSLErrors.drain()))") }
    defer { PKCS12_free(bundle) }
    var key: OpaquePointer?
    var certificate: OpaquePointer?
    var chain: OpaquePointer?
    guard PKCS12_parse(bundle, passphrase, &key, &certificate, &chain) == 1, let key, let certificate else {
        throw .badKey("PKCS#12: wrong passphrase or no key and certificate inside (\(OpenSSLErrors.drain()))")
    }
    var others: [X509Certificate] = []
    if let chain {
        for index in 0..<surat_x509_stack_count(chain) {
            if let member = surat_x509_stack_at(chain, index), X509_up_ref(member) == 1 { others.append(X509Certificate(taking: member)) }
        }
        surat_x509_stack_free_all(chain)
    }
    return (PrivateKey(taking: key), X509Certificate(taking: certificate), others)
}

/// A CMS SignedData, detached, over `content`: signed attributes content-type, message-digest,
/// signing-time (`signingTime`, so the same input gives the same bytes) and ESS
/// signing-certificate-v2 (OpenSSL's CMS_CADES); SHA-256; `chain` travels in the certificates set.
func signDetachedCMS(content: Data, certificate: X509Certificate, key: PrivateKey, chain: [X509Certificate],
                     signingTime: Date) throws(LetterSealError) -> Data {
    let flags = UInt32(CMS_DETACHED | CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP)
    let extra = surat_x509_stack_new()
    defer { surat_x509_stack_free_all(extra) }
    for member in chain where X509_up_ref(member.handle) == 1 { _ = surat_x509_stack_push(extra, member.handle) }
    guard let cms = CMS_sign(nil, nil, extra, nil, flags) else { throw .openSSL(OpenSSLErrors.drain()) }
    defer { CMS_ContentInfo_free(cms) }
    guard let signer = CMS_add1_signer(cms, certificate.handle, key.handle, EVP_sha256(), flags | UInt32(CMS_CADES)) else {
        throw .openSSL(OpenSSLErrors.drain())
    }
    // OpenSSL stamps the current time unless the attribute is already there.
    guard let time = ASN1_TIME_set(nil, time_t(signingTime.timeIntervalSince1970)) else { throw .openSSL(OpenSSLErrors.drain()) }
    defer { ASN1_TIME_free(time) }
    guard CMS_signed_add1_attr_by_NID(signer, NID_pkcs9_signingTime, time.pointee.type, time, -1) == 1 else {
        throw .openSSL(OpenSSLErrors.drain())
    }
    let data = try MemoryBIO(content)
    guard CMS_final(cms, data.handle, nil, flags) == 1 else { throw .openSSL(OpenSSLErrors.drain()) }
    let out = MemoryBIO()
    guard i2d_CMS_bio(out.handle, cms) == 1 else { throw .openSSL(OpenSSLErrors.drain()) }
    return out.contents
}

/// What CMS verification found: the signer's subject and signing time, or why it failed.
struct CMSVerification {
    var signer: String
    var signingTime: Date?
}

/// Checks a detached CMS SignedData over `content`: message digest, signature, and the signer's
/// chain up to one of `trustedRoots` (at the current time).
func verifyDetachedCMS(_ signature: Data, content: Data, trustedRoots: [X509Certificate]) -> Result<CMSVerification, LetterSealError> {
    ERR_clear_error()
    guard let input = try? MemoryBIO(signature), let cms = d2i_CMS_bio(input.handle, nil) else {
        return .failure(.invalidSeal("the /Contents value is not a CMS structure"))
    }
    defer { CMS_ContentInfo_free(cms) }
    guard let store = X509_STORE_new() else { return .failure(.openSSL(OpenSSLErrors.drain())) }
    defer { X509_STORE_free(store) }
    for root in trustedRoots { X509_STORE_add_cert(store, root.handle) }
    // The office may install a CA certificate with its own extended key usages; the chain and the
    // key usage are what matter for a seal.
    X509_STORE_set_purpose(store, X509_PURPOSE_ANY)
    guard let data = try? MemoryBIO(content) else { return .failure(.openSSL(OpenSSLErrors.drain())) }
    guard CMS_verify(cms, nil, store, data.handle, nil, UInt32(CMS_BINARY | CMS_DETACHED)) == 1 else {
        return .failure(.invalidSeal(OpenSSLErrors.drain()))
    }
    guard let signers = CMS_get0_signers(cms) else { return .failure(.invalidSeal("no signer")) }
    defer { OPENSSL_sk_free(signers) }
    guard let first = surat_x509_stack_at(signers, 0) else { return .failure(.invalidSeal("no signer")) }
    X509_up_ref(first)
    let signer = X509Certificate(taking: first)
    var signingTime: Date?
    if let infos = CMS_get0_SignerInfos(cms), let info = OPENSSL_sk_value(infos, 0) {
        let index = CMS_signed_get_attr_by_NID(OpaquePointer(info), NID_pkcs9_signingTime, -1)
        if index >= 0, let attribute = CMS_signed_get_attr(OpaquePointer(info), index),
           let value = X509_ATTRIBUTE_get0_type(attribute, 0), value.pointee.type == V_ASN1_UTCTIME || value.pointee.type == V_ASN1_GENERALIZEDTIME {
            var moment = tm()
            if ASN1_TIME_to_tm(value.pointee.value.utctime, &moment) == 1 {
                signingTime = Date(timeIntervalSince1970: TimeInterval(timegm(&moment)))
            }
        }
    }
    return .success(CMSVerification(signer: signer.subject, signingTime: signingTime))
}

/// A memory BIO: bytes in (over a private copy that lives as long as the BIO) or bytes out.
private final class MemoryBIO {
    let handle: OpaquePointer
    private let input: UnsafeMutableRawBufferPointer?

    init() {
        handle = BIO_new(BIO_s_mem())
        input = nil
    }

    init(_ data: Data) throws(LetterSealError) {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 1)
        _ = data.copyBytes(to: copy.bindMemory(to: UInt8.self))
        guard let made = BIO_new_mem_buf(copy.baseAddress, Int32(data.count)) else {
            copy.deallocate()
            throw .openSSL(OpenSSLErrors.drain())
        }
        handle = made
        input = copy
    }

    deinit {
        BIO_free(handle)
        input?.deallocate()
    }

    var contents: Data {
        var bytes: UnsafePointer<UInt8>?
        let length = surat_bio_contents(handle, &bytes)
        guard let bytes, length > 0 else { return Data() }
        return Data(bytes: bytes, count: length)
    }
}

enum OpenSSLErrors {
    /// The thread's OpenSSL error queue as one line, emptied.
    static func drain() -> String {
        var messages: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [UInt8](repeating: 0, count: 256)
            buffer.withUnsafeMutableBufferPointer { raw in
                raw.withMemoryRebound(to: CChar.self) { ERR_error_string_n(code, $0.baseAddress, $0.count) }
            }
            messages.append(String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self))
        }
        return messages.isEmpty ? "unknown OpenSSL error" : messages.joined(separator: "; ")
    }
}

/// OpenSSL object ids for the certificate extensions LocalOfficeCA writes.
enum NIDs {
    static let basicConstraints = NID_basic_constraints
    static let keyUsage = NID_key_usage
    static let subjectKeyIdentifier = NID_subject_key_identifier
    static let authorityKeyIdentifier = NID_authority_key_identifier
}
