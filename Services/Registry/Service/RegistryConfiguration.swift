import Foundation
import LetterSeal
import RegistryCore
import RPC
import ServiceKit

/// Keys of `surat-registry` besides the common ones (`--help` prints all of them with defaults;
/// proto-notes/registry.md explains them).
package struct RegistryConfiguration: ServiceConfiguration, Hashable {
    /// This office's id: printed in receipts, sent as the sender of deliveries.
    package var officeId = "kec-sooko"
    package var officeName = "Kecamatan Sooko"
    /// Default recording unit (kode unit) in numbers.
    package var unit = "416-313"
    /// Further units a registration may name (each has its own sequence).
    package var units: [String] = []
    package var numberTemplate = LetterNumberFormat.defaultTemplate
    /// `unit-year` (default) or `unit-classification-year`.
    package var numberingScope = NumberingScope.unitYear.rawValue
    /// WIB (default), WITA, WIT, an Indonesian IANA zone name or a +HH:MM offset.
    package var timeZone = "WIB"
    /// Most registrations per SQLite transaction (group commit).
    package var maxBatch = 512
    /// The registry's Ed25519 receipt key (raw 32 bytes, created when missing); empty = <dataDirectory>/registry-receipt.key.
    package var registryKeyPath = ""
    /// Signing service host:port for ListPublicKeys; empty = use only `trustedKeysFile`.
    package var signingEndpoint = "127.0.0.1:7403"
    /// Service token presented to the signing service (`Bearer`).
    package var signingToken = ""
    /// JSON file with a surat.signing.v1.ListPublicKeysResponse (signers, keys, delegations) to
    /// trust in addition to (or instead of) the signing service's published keys.
    package var trustedKeysFile = ""
    /// How long fetched public keys are trusted before they are fetched again (revocations show up
    /// within this time); an unknown key id triggers an immediate refetch.
    package var keyRefreshSeconds = 60
    /// Offices whose deliveries the inbox accepts, `officeId=<hex registry public key>` each. The
    /// sender must also authenticate with a service token whose name is its office id.
    package var trustedOffices: [String] = []
    /// Bearer token this registry presents to other offices' inboxes.
    package var deliveryToken = ""
    package var deliveryMaxAttempts = 8
    package var deliveryInitialBackoffMilliseconds = 1000
    package var deliveryMaxBackoffSeconds = 300
    package var deliveryPollMilliseconds = 1000
    /// Addressee name → inbox host:port for addressees whose letter names no endpoint.
    package var addressBook: [String] = []
    /// TLS for the registry's own outgoing calls (the signing service, other offices' inboxes):
    /// a PEM CA bundle to trust; empty = plaintext HTTP/2 (one host only).
    package var outboundTrustRootsPath = ""
    /// PEM client certificate and key for mutual TLS on outgoing calls (optional).
    package var outboundCertificatePath = ""
    package var outboundKeyPath = ""
    /// The office seal on final PDFs (proto-notes/letter-seal.md): PEM certificate chain and key,
    /// or a PKCS#12 bundle with a passphrase file. None set = final PDFs are not sealed.
    package var officeSealCertificatePath = ""
    package var officeSealKeyPath = ""
    package var officeSealPKCS12Path = ""
    package var officeSealPKCS12PassphrasePath = ""

    package init() {}

    package static let keys: [ConfigKey] = [
        ConfigKey("officeId", "This office's id, printed in receipts and sent as sender_office of deliveries."),
        ConfigKey("officeName", "Office name for the printable agenda book."),
        ConfigKey("unit", "Default recording unit code in letter numbers, e.g. 416-313."),
        ConfigKey("units", "Further unit codes registrations may name; each has its own sequence."),
        ConfigKey("numberTemplate", "Letter number template: {classification} {sequence} {sequence:N} {unit} {year} {month} {month_roman} {office}."),
        ConfigKey("numberingScope", "unit-year (default) or unit-classification-year: what one gapless sequence counts over."),
        ConfigKey("timeZone", "Office time zone for the year boundary: WIB, WITA, WIT, an IANA name or +HH:MM."),
        ConfigKey("maxBatch", "Most registrations committed in one SQLite transaction."),
        ConfigKey("registryKeyPath", "Ed25519 receipt key file (created when missing); empty = <dataDirectory>/registry-receipt.key."),
        ConfigKey("signingEndpoint", "Signing service host:port for ListPublicKeys; empty = trustedKeysFile only."),
        ConfigKey("signingToken", "Service token sent to the signing service."),
        ConfigKey("trustedKeysFile", "JSON ListPublicKeysResponse with signer keys to trust (offline verification)."),
        ConfigKey("keyRefreshSeconds", "Seconds before fetched public keys are fetched again."),
        ConfigKey("trustedOffices", "Inbox: offices accepted as senders, officeId=<hex registry public key> each."),
        ConfigKey("deliveryToken", "Bearer token presented to other offices' inboxes."),
        ConfigKey("deliveryMaxAttempts", "Delivery attempts before an outbox row is marked failed."),
        ConfigKey("deliveryInitialBackoffMilliseconds", "Delay before the second attempt; doubles each time."),
        ConfigKey("deliveryMaxBackoffSeconds", "Longest delay between attempts."),
        ConfigKey("deliveryPollMilliseconds", "How often the outbox looks for due deliveries when idle."),
        ConfigKey("addressBook", "Addressee name=host:port entries for letters whose addressee has no endpoint."),
        ConfigKey("outboundTrustRootsPath", "PEM CA bundle for TLS on outgoing calls (signing, other offices' inboxes); empty = plaintext."),
        ConfigKey("outboundCertificatePath", "PEM client certificate for mutual TLS on outgoing calls."),
        ConfigKey("outboundKeyPath", "PEM private key for outboundCertificatePath."),
        ConfigKey("officeSealCertificatePath", "PEM: the office seal certificate, then its CA chain (`surat-letter seal init` makes one); empty = final PDFs unsealed."),
        ConfigKey("officeSealKeyPath", "PEM private key of officeSealCertificatePath (mode 0600)."),
        ConfigKey("officeSealPKCS12Path", "PKCS#12 office seal from a CA, instead of the two PEM files."),
        ConfigKey("officeSealPKCS12PassphrasePath", "File with the passphrase of officeSealPKCS12Path."),
    ]

    /// TLS for outgoing calls, or nil for plaintext; throws naming the bad key.
    package func outboundTLS() throws -> ClientTLSConfiguration? {
        try ClientTLSConfiguration.fromConfiguration(
            trustRootsPath: outboundTrustRootsPath, certificatePath: outboundCertificatePath,
            keyPath: outboundKeyPath, keyPrefix: "outbound")
    }

    /// The office seal, or nil when no seal key is configured; throws naming the bad file.
    package func officeSeal() throws -> OfficeSeal? {
        func path(_ value: String) -> String? { value.isEmpty ? nil : value }
        let files = OfficeSealFiles(certificatePath: path(officeSealCertificatePath), keyPath: path(officeSealKeyPath),
                                    pkcs12Path: path(officeSealPKCS12Path), pkcs12PassphrasePath: path(officeSealPKCS12PassphrasePath))
        if files == OfficeSealFiles() { return nil }
        do { return try files.load() } catch { throw ConfigError.invalid("office seal (officeSeal* keys): \(error)") }
    }

    /// The core settings this configuration describes; throws naming the bad key.
    package func registrySettings() throws -> RegistrySettings {
        guard let zone = OfficeTimeZone(parsing: timeZone) else {
            throw ConfigError.invalid("timeZone \"\(timeZone)\" is not WIB, WITA, WIT, an Indonesian zone or +HH:MM")
        }
        guard let scope = NumberingScope(rawValue: numberingScope) else {
            throw ConfigError.invalid("numberingScope must be unit-year or unit-classification-year")
        }
        let format: LetterNumberFormat
        do { format = try LetterNumberFormat(numberTemplate) } catch { throw ConfigError.invalid("numberTemplate: \(error.message)") }
        var book: [String: String] = [:]
        for entry in addressBook {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ConfigError.invalid("addressBook entry \"\(entry)\" must be name=host:port") }
            book[parts[0]] = parts[1]
        }
        let settings = RegistrySettings(officeId: officeId, officeName: officeName, defaultUnit: unit, units: units,
                                        numberFormat: format, scope: scope, timeZone: zone, maxBatch: maxBatch,
                                        addressBook: book)
        do { try settings.validate() } catch { throw ConfigError.invalid(error.message) }
        return settings
    }

    /// Parsed `trustedOffices`.
    package func trustedOfficeKeys() throws -> [String: [UInt8]] {
        var keys: [String: [UInt8]] = [:]
        for entry in trustedOffices {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let key = Hex.decode(parts[1]), key.count == 32 else {
                throw ConfigError.invalid("trustedOffices entry \"\(entry)\" must be officeId=<64 hex digits>")
            }
            keys[parts[0]] = key
        }
        return keys
    }
}
