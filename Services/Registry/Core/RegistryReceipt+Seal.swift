import Crypto
import Foundation

/// The registry's own Ed25519 key, kept in the data directory (created on first start, mode 0600).
/// `@unchecked`: swift-crypto's key is an immutable value that is safe to share, it is just not
/// annotated `Sendable` in Crypto 3.
package struct RegistryKey: @unchecked Sendable {
    package let privateKey: Curve25519.Signing.PrivateKey
    package var publicKey: [UInt8] { Array(privateKey.publicKey.rawRepresentation) }
    /// First 16 hex digits of SHA-256(public key).
    package var keyId: String { Self.keyId(forPublicKey: publicKey) }

    package init(privateKey: Curve25519.Signing.PrivateKey) { self.privateKey = privateKey }

    package static func keyId(forPublicKey publicKey: [UInt8]) -> String {
        String(Hex.encode(Array(SHA256.hash(data: publicKey))).prefix(16))
    }

    /// Loads the 32-byte raw private key at `path`, or creates one there.
    package static func loadOrCreate(at path: String) throws -> RegistryKey {
        let url = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: path) {
            // An existing key that cannot be read is an error, never a reason to make a new one.
            let data: Data
            do { data = try Data(contentsOf: url) } catch {
                throw RegistryError(.internalError, "cannot read the registry receipt key file \(path): \(error.localizedDescription)")
            }
            guard data.count == 32 else {
                throw RegistryError(.internalError, "registry key file \(path) is not a 32-byte Ed25519 key")
            }
            return RegistryKey(privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: data))
        }
        let key = Curve25519.Signing.PrivateKey()
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.appendingPathExtension("tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: key.rawRepresentation,
                                             attributes: [.posixPermissions: 0o600]),
              rename(temporary.path, url.path) == 0 else {
            throw RegistryError(.internalError, "cannot create registry key file \(path)")
        }
        return RegistryKey(privateKey: key)
    }

    /// Ed25519 (RFC 8032) is deterministic: the same text always gets the same seal. swift-crypto
    /// declares the call throwing (BoringSSL could fail to allocate); that is an internal error.
    package func sign(_ bytes: [UInt8]) throws(RegistryError) -> [UInt8] {
        do {
            return Array(try privateKey.signature(for: bytes))
        } catch {
            throw RegistryError(.internalError, "cannot seal with the registry key: \(error)")
        }
    }
}

/// The exact bytes a receipt seals. UTF-8, `key=value` lines each ending in "\n", fixed order:
///
///     surat-registry-receipt/v1
///     office=<office id>
///     registry-key=<registry key id>
///     number=<letter number>
///     letter-id=<UUID, lowercase>
///     content-sha256=<hex>
///     signer-id=<signer id>
///     signer-key-id=<key id>
///     signer-public-key=<hex of raw Ed25519 public key>
///     signed-at=<RFC 3339 UTC, milliseconds>
///     signature=<hex of the letter signature>
///     registered-at=<RFC 3339 UTC, milliseconds>
///     agenda=<agenda year>/<agenda sequence>
///
/// A letter with a final PDF gets a v2 receipt: header `surat-registry-receipt/v2` and two more
/// lines after `agenda`, `verification-id=<opaque id of /v/<id>>` and `pdf-sha256=<hex>`. v1
/// receipts (letters registered before, or without an office profile) parse and verify as before.
///
/// No value may contain a line break (inputs are validated), so the text parses unambiguously.
package enum ReceiptText {
    package static let header = "surat-registry-receipt/v1"
    package static let headerWithPDF = "surat-registry-receipt/v2"

    package struct Fields: Sendable, Hashable {
        package var office: String
        package var registryKeyId: String
        package var number: String
        package var letterId: UUID
        package var contentDigest: [UInt8]
        package var signerId: String
        package var signerKeyId: String
        package var signerPublicKey: [UInt8]
        package var signedAt: Date
        package var signature: [UInt8]
        package var registeredAt: Date
        package var agendaYear: Int
        package var agendaSequence: Int64
        /// v2 only: the opaque id of the public verification page.
        package var verificationId: String? = nil
        /// v2 only: SHA-256 of the final PDF as stored and delivered.
        package var pdfDigest: [UInt8]? = nil
    }

    package static func render(_ fields: Fields) -> [UInt8] {
        let withPDF = fields.verificationId != nil && fields.pdfDigest != nil
        var text = (withPDF ? headerWithPDF : header) + "\n"
        text += "office=\(fields.office)\n"
        text += "registry-key=\(fields.registryKeyId)\n"
        text += "number=\(fields.number)\n"
        text += "letter-id=\(fields.letterId.uuidString.lowercased())\n"
        text += "content-sha256=\(Hex.encode(fields.contentDigest))\n"
        text += "signer-id=\(fields.signerId)\n"
        text += "signer-key-id=\(fields.signerKeyId)\n"
        text += "signer-public-key=\(Hex.encode(fields.signerPublicKey))\n"
        text += "signed-at=\(RFC3339.format(fields.signedAt))\n"
        text += "signature=\(Hex.encode(fields.signature))\n"
        text += "registered-at=\(RFC3339.format(fields.registeredAt))\n"
        text += "agenda=\(fields.agendaYear)/\(fields.agendaSequence)\n"
        if withPDF, let verificationId = fields.verificationId, let pdfDigest = fields.pdfDigest {
            text += "verification-id=\(verificationId)\n"
            text += "pdf-sha256=\(Hex.encode(pdfDigest))\n"
        }
        return Array(text.utf8)
    }

    /// Parses receipt text back into its fields; nil when it is not a well-formed v1 or v2 receipt.
    package static func parse(_ bytes: [UInt8]) -> Fields? {
        guard let text = String(validating: bytes, as: UTF8.self), text.hasSuffix("\n") else { return nil }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        var keys = ["office", "registry-key", "number", "letter-id", "content-sha256", "signer-id", "signer-key-id",
                    "signer-public-key", "signed-at", "signature", "registered-at", "agenda"]
        let withPDF = lines.first == Substring(headerWithPDF)
        if withPDF { keys += ["verification-id", "pdf-sha256"] }
        guard lines.count == keys.count + 1, lines[0] == header || withPDF else { return nil }
        var values: [String] = []
        for (line, key) in zip(lines.dropFirst(), keys) {
            guard line.hasPrefix(key + "=") else { return nil }
            values.append(String(line.dropFirst(key.count + 1)))
        }
        let agenda = values[11].split(separator: "/")
        guard let letterId = UUID(uuidString: values[3]),
              let digest = Hex.decode(values[4]),
              let publicKey = Hex.decode(values[7]),
              let signedAt = RFC3339.parse(values[8]),
              let signature = Hex.decode(values[9]),
              let registeredAt = RFC3339.parse(values[10]),
              agenda.count == 2, let agendaYear = Int(agenda[0]), let agendaSequence = Int64(agenda[1])
        else { return nil }
        var fields = Fields(office: values[0], registryKeyId: values[1], number: values[2], letterId: letterId,
                            contentDigest: digest, signerId: values[5], signerKeyId: values[6], signerPublicKey: publicKey,
                            signedAt: signedAt, signature: signature, registeredAt: registeredAt, agendaYear: agendaYear,
                            agendaSequence: agendaSequence)
        if withPDF {
            guard VerificationID.isValid(values[12]), let pdfDigest = Hex.decode(values[13]), pdfDigest.count == 32 else { return nil }
            fields.verificationId = values[12]
            fields.pdfDigest = pdfDigest
        }
        return fields
    }

    /// Checks the registry's Ed25519 seal over `text`.
    package static func isValidSeal(text: [UInt8], signature: [UInt8], registryPublicKey: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: registryPublicKey) else { return false }
        return key.isValidSignature(signature, for: text)
    }
}

package enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    package static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    package static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}

/// RFC 3339 UTC timestamps with exactly three fractional digits: "2025-12-31T16:59:59.000Z".
package enum RFC3339 {
    package static func format(_ date: Date) -> String {
        let ms = date.unixMilliseconds
        let seconds = ms.floorDiv(1000)
        let millis = ms - seconds * 1000
        let days = seconds.floorDiv(86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        // Built by hand: String(format:) showed up in registration profiles (one per receipt).
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(year, 4); out.append(UInt8(ascii: "-")); digits(month, 2); out.append(UInt8(ascii: "-")); digits(day, 2)
        out.append(UInt8(ascii: "T")); digits(Int(secondOfDay / 3600), 2); out.append(UInt8(ascii: ":"))
        digits(Int(secondOfDay % 3600 / 60), 2); out.append(UInt8(ascii: ":")); digits(Int(secondOfDay % 60), 2)
        out.append(UInt8(ascii: ".")); digits(Int(millis), 3); out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    package static func parse(_ text: String) -> Date? {
        let utf8 = Array(text.utf8)
        guard utf8.count == 24, utf8[4] == UInt8(ascii: "-"), utf8[7] == UInt8(ascii: "-"),
              utf8[10] == UInt8(ascii: "T"), utf8[13] == UInt8(ascii: ":"), utf8[16] == UInt8(ascii: ":"),
              utf8[19] == UInt8(ascii: "."), utf8[23] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for c in utf8[range] {
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(c - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              let millis = number(20..<23), (1...12).contains(month), (1...31).contains(day), hour < 24,
              minute < 60, second < 60 else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Date(unixMilliseconds: ((days * 86_400 + hour * 3600 + minute * 60 + second) * 1000) + millis)
    }

    // Howard Hinnant's days-from-civil algorithms (proleptic Gregorian calendar).
    private static func civil(fromDays z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = z.floorDiv(146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }

    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDiv(400)
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

extension Int64 {
    fileprivate func floorDiv(_ divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
