import RPC

extension ClientTLSConfiguration {
    /// TLS for a service's outgoing calls, from three config keys: a PEM CA bundle to trust and an
    /// optional client certificate and key (mutual TLS). An empty `trustRootsPath` means
    /// plaintext HTTP/2, which is only for calls that stay on one host.
    public static func fromConfiguration(trustRootsPath: String, certificatePath: String, keyPath: String,
                                         keyPrefix: String) throws -> ClientTLSConfiguration? {
        if certificatePath.isEmpty != keyPath.isEmpty {
            throw ConfigError.invalid("\(keyPrefix)CertificatePath and \(keyPrefix)KeyPath must be set together")
        }
        if trustRootsPath.isEmpty {
            if !certificatePath.isEmpty {
                throw ConfigError.invalid("\(keyPrefix)CertificatePath needs \(keyPrefix)TrustRootsPath (TLS) as well")
            }
            return nil
        }
        return ClientTLSConfiguration(trustRootsPath: trustRootsPath,
                                      certificateChainPath: certificatePath.isEmpty ? nil : certificatePath,
                                      privateKeyPath: keyPath.isEmpty ? nil : keyPath)
    }
}
