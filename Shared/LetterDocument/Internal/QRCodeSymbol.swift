import CQRencode
import Foundation

// The only file of LetterDocument that touches libqrencode: the C symbol is copied into a Swift
// matrix and freed before `init` returns.

/// A QR code symbol as a square matrix of modules (true = dark), without the quiet zone.
struct QRCodeSymbol: Sendable, Hashable {
    let size: Int
    private let modules: [Bool]

    /// Encodes `text` as UTF-8 bytes (8-bit mode, error correction level M: about 15% of the
    /// symbol may be damaged, enough for a printed and re-scanned letter).
    init(encoding text: String) throws(LetterDocumentError) {
        guard let symbol = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else {
            throw .qrCode("libqrencode could not encode \(text.utf8.count) bytes (errno \(errno))")
        }
        defer { QRcode_free(symbol) }
        let width = Int(symbol.pointee.width)
        // Bit 0 of each byte is the module colour; the other bits describe its role in the symbol.
        let bytes = UnsafeBufferPointer(start: symbol.pointee.data, count: width * width)
        size = width
        modules = bytes.map { $0 & 1 == 1 }
    }

    func isDark(row: Int, column: Int) -> Bool { modules[row * size + column] }
}
