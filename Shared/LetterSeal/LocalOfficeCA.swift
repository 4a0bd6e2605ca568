import Foundation

/// A local office CA and a seal certificate it issues, for an office that has no certificate
/// from a certification authority yet (`surat-letter seal init`). Every file is PEM.
public struct LocalOfficeCA: Sendable {
    public var caCertificatePEM: String
    public var caKeyPEM: String
    /// The seal certificate followed by the CA certificate (the chain the PDF carries).
    public var sealCertificateChainPEM: String
    public var sealKeyPEM: String

    /// Makes a 3072-bit RSA CA (20 years) and a 2048-bit RSA seal certificate (5 years) for `office`.
    public static func create(office: String, country: String = "ID", now: Date = Date()) throws(LetterSealError) -> LocalOfficeCA {
        let caKey = try PrivateKey.generateRSA(bits: 3072)
        let sealKey = try PrivateKey.generateRSA(bits: 2048)
        let year: TimeInterval = 365.25 * 24 * 3600
        // Serial numbers from the clock and randomness: unique per CA without a serial file.
        let caCertificate = try X509Certificate.make(
            subject: [("C", country), ("O", office), ("CN", "CA Segel \(office)")],
            subjectKey: caKey, issuer: nil, issuerKey: caKey, serial: UInt64.random(in: 1...(UInt64.max >> 1)),
            notBefore: now.addingTimeInterval(-3600), notAfter: now.addingTimeInterval(20 * year),
            extensions: [(NIDs.basicConstraints, "critical,CA:TRUE,pathlen:0"), (NIDs.keyUsage, "critical,keyCertSign,cRLSign"),
                         (NIDs.subjectKeyIdentifier, "hash")])
        let sealCertificate = try X509Certificate.make(
            subject: [("C", country), ("O", office), ("CN", "Segel Elektronik \(office)")],
            subjectKey: sealKey, issuer: caCertificate, issuerKey: caKey, serial: UInt64.random(in: 1...(UInt64.max >> 1)),
            notBefore: now.addingTimeInterval(-3600), notAfter: now.addingTimeInterval(5 * year),
            extensions: [(NIDs.basicConstraints, "critical,CA:FALSE"), (NIDs.keyUsage, "critical,digitalSignature,nonRepudiation"),
                         (NIDs.subjectKeyIdentifier, "hash"), (NIDs.authorityKeyIdentifier, "keyid:always")])
        return LocalOfficeCA(caCertificatePEM: caCertificate.pem, caKeyPEM: caKey.pem,
                             sealCertificateChainPEM: sealCertificate.pem + caCertificate.pem, sealKeyPEM: sealKey.pem)
    }
}
