import Foundation

/// The verdict on a PDF's office seal.
public enum SealVerdict: Sendable, Equatable {
    /// The seal verifies: the byte ranges cover the whole file but /Contents, the CMS digest and
    /// signature match, and the certificate chains to a trusted office CA.
    case valid(signer: String, signingTime: Date?)
    /// Not a PDF at all.
    case notPDF
    /// A PDF without an office seal.
    case notSealed
    /// A seal that fails a check; the reason names it.
    case invalid(reason: String)
}

/// Checks the office seal of a PDF against the office CA roots (PEM). Used by surat-verify for
/// uploads; pdfsig and pyHanko check the same PDF independently.
public struct SealVerifier: Sendable {
    let roots: [X509Certificate]

    public init(trustedRootsPEM: Data) throws(LetterSealError) {
        roots = try X509Certificate.parsePEM(trustedRootsPEM)
    }

    public func verify(_ pdf: Data) -> SealVerdict {
        guard pdf.starts(with: Array("%PDF-".utf8)) else { return .notPDF }
        let bytes = [UInt8](pdf)
        // The last signature dictionary in the file is the seal (our update is the last revision).
        guard let byteRangeAt = Self.lastIndex(of: Array("/ByteRange".utf8), in: bytes) else { return .notSealed }
        let afterKey = String(decoding: bytes[(byteRangeAt + 10)..<min(bytes.count, byteRangeAt + 80)], as: UTF8.self)
        guard let open = afterKey.firstIndex(of: "["), let close = afterKey.firstIndex(of: "]") else {
            return .invalid(reason: "unreadable /ByteRange")
        }
        let numbers = afterKey[afterKey.index(after: open)..<close].split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        guard numbers.count == 4, numbers[0] == 0 else { return .invalid(reason: "/ByteRange is not four numbers from 0") }
        let (gapStart, gapEnd, tailLength) = (numbers[1], numbers[2], numbers[3])
        // The ranges must cover every byte but the /Contents hex string: nothing appended after
        // the seal, nothing left out before it.
        guard gapStart > 0, gapEnd > gapStart, gapEnd <= bytes.count, gapEnd + tailLength == bytes.count else {
            return .invalid(reason: "the signed byte ranges do not cover the whole file (changed after sealing)")
        }
        guard bytes[gapStart] == UInt8(ascii: "<"), bytes[gapEnd - 1] == UInt8(ascii: ">") else {
            return .invalid(reason: "the gap in /ByteRange is not the /Contents value")
        }
        guard let cms = Self.decodeHex(bytes[(gapStart + 1)..<(gapEnd - 1)]) else {
            return .invalid(reason: "/Contents is not hexadecimal")
        }
        let signed = Data(bytes[0..<gapStart]) + Data(bytes[gapEnd...])
        switch verifyDetachedCMS(cms, content: signed, trustedRoots: roots) {
        case .success(let result): return .valid(signer: result.signer, signingTime: result.signingTime)
        case .failure(let error):
            if case .invalidSeal(let reason) = error { return .invalid(reason: reason) }
            return .invalid(reason: error.description)
        }
    }

    private static func lastIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = haystack.count - needle.count
        while index >= 0 {
            if haystack[index] == needle[0], Array(haystack[index..<(index + needle.count)]) == needle { return index }
            index -= 1
        }
        return nil
    }

    /// Hex digits to bytes; trailing zero padding stays (DER decoding stops at the structure's end).
    private static func decodeHex(_ digits: ArraySlice<UInt8>) -> Data? {
        guard digits.count % 2 == 0 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out = Data(capacity: digits.count / 2)
        var index = digits.startIndex
        while index < digits.endIndex {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}
