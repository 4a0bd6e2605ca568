import Foundation

/// The office's electronic seal (segel elektronik kantor): an X.509 certificate with its private
/// key and CA chain. `seal(_:at:)` turns the renderer's final PDF into a PAdES baseline B-B signed
/// PDF by one incremental update; the same PDF and time always give the same bytes (RSA PKCS#1
/// v1.5 signatures are deterministic). proto-notes/letter-seal.md tells what the seal covers.
public struct OfficeSeal: Sendable {
    let key: PrivateKey
    let certificate: X509Certificate
    let chain: [X509Certificate]

    /// The name the signature field carries in the PDF.
    public static let fieldName = "SegelKantor"

    /// From PEM files: the seal certificate followed by its CA chain, and the unencrypted private key.
    public init(certificateChainPEM: Data, privateKeyPEM: Data) throws(LetterSealError) {
        let certificates = try X509Certificate.parsePEM(certificateChainPEM)
        try self.init(key: PrivateKey.parsePEM(privateKeyPEM), certificate: certificates[0], chain: Array(certificates.dropFirst()))
    }

    /// From a PKCS#12 bundle as certification authorities issue it.
    public init(pkcs12: Data, passphrase: String) throws(LetterSealError) {
        let (key, certificate, chain) = try parsePKCS12(pkcs12, passphrase: passphrase)
        try self.init(key: key, certificate: certificate, chain: chain)
    }

    init(key: PrivateKey, certificate: X509Certificate, chain: [X509Certificate]) throws(LetterSealError) {
        guard key.matches(certificate) else { throw .badKey("the private key does not belong to the seal certificate") }
        self.key = key
        self.certificate = certificate
        self.chain = chain
    }

    /// The seal certificate's subject, e.g. `CN=Segel Elektronik Kecamatan Sooko,O=...`.
    public var subject: String { certificate.subject }

    /// The seal certificate and its chain as PEM (what the verification site shows and trusts).
    public var certificateChainPEM: String { ([certificate] + chain).map(\.pem).joined() }

    /// Seals `pdf` (the renderer's output) as of `signingTime` (the registration time).
    public func seal(_ pdf: Data, at signingTime: Date, reason: String = "Segel elektronik kantor atas naskah dinas final") throws(LetterSealError) -> Data {
        // Room for the CMS: its certificates, one signature, and attributes with slack. The CMS
        // size does not depend on the document, so this never runs short for a given identity.
        let certificateBytes = ([certificate] + chain).reduce(0) { $0 + $1.derSize }
        let capacity = certificateBytes + key.signatureSize + 1024
        var update = try PDFSignatureUpdate.placeholder(for: pdf, contentsBytes: capacity, signingTime: signingTime,
                                                        fieldName: Self.fieldName, reason: reason)
        let cms = try signDetachedCMS(content: update.signedBytes, certificate: certificate, key: key, chain: chain,
                                      signingTime: signingTime)
        try update.fill(cms: cms)
        return update.pdf
    }
}

/// Where the registry finds the office seal (registry config keys of the same names).
public struct OfficeSealFiles: Sendable, Codable, Equatable {
    /// PEM: the seal certificate first, then its CA chain.
    public var certificatePath: String?
    /// PEM: the unencrypted private key (mode 0600).
    public var keyPath: String?
    /// PKCS#12 instead of the two PEM files.
    public var pkcs12Path: String?
    /// File holding the PKCS#12 passphrase (one line).
    public var pkcs12PassphrasePath: String?

    public init(certificatePath: String? = nil, keyPath: String? = nil, pkcs12Path: String? = nil, pkcs12PassphrasePath: String? = nil) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.pkcs12Path = pkcs12Path
        self.pkcs12PassphrasePath = pkcs12PassphrasePath
    }

    /// Reads the seal from the files named, PKCS#12 first when given.
    public func load() throws(LetterSealError) -> OfficeSeal {
        func read(_ path: String, _ what: String) throws(LetterSealError) -> Data {
            do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw .badKey("cannot read \(what) \(path): \(error.localizedDescription)")
            }
        }
        if let pkcs12Path {
            var passphrase = ""
            if let pkcs12PassphrasePath {
                passphrase = String(decoding: try read(pkcs12PassphrasePath, "PKCS#12 passphrase file"), as: UTF8.self)
                    .trimmingCharacters(in: .newlines)
            }
            return try OfficeSeal(pkcs12: read(pkcs12Path, "PKCS#12 file"), passphrase: passphrase)
        }
        guard let certificatePath, let keyPath else {
            throw .badKey("name either officeSealPKCS12Path or both officeSealCertificatePath and officeSealKeyPath")
        }
        return try OfficeSeal(certificateChainPEM: read(certificatePath, "certificate"), privateKeyPEM: read(keyPath, "key"))
    }
}
