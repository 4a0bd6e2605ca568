import Foundation
import GRDB

extension RegistryKey {
    /// The receipt key for the book in `pool`. A new key is made only for a book without receipts;
    /// otherwise the key file must exist and must be the key that sealed the latest receipt. A
    /// database restored without its key (or with another office's) would otherwise get a fresh
    /// key silently, and every number in the book would fail verification (issue 10, item 8).
    package static func load(at path: String, for pool: DatabasePool) throws -> RegistryKey {
        let latest = try pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT number, receipt, receipt_signature, registry_key_id, (SELECT COUNT(*) FROM agenda)
                FROM agenda ORDER BY id DESC LIMIT 1
                """)
        }
        guard let latest else { return try loadOrCreate(at: path) }
        let number: String = latest[0]
        let sealedBy: String = latest[3]
        let count: Int64 = latest[4]
        guard FileManager.default.fileExists(atPath: path) else {
            throw RegistryError(.failedPrecondition, """
                the registry receipt key file \(path) is missing, but the database \(pool.path) holds \(count) receipts \
                sealed by registry key \(sealedBy): restore registry-receipt.key from the same backup as the database \
                (or point registryKeyPath at it). The registry does not make a new key for a book that has receipts: \
                every number in it would fail verification.
                """)
        }
        let key = try loadOrCreate(at: path)
        let text = [UInt8](latest[1] as Data)
        let seal = [UInt8](latest[2] as Data)
        guard key.keyId == sealedBy, ReceiptText.isValidSeal(text: text, signature: seal, registryPublicKey: key.publicKey) else {
            throw RegistryError(.failedPrecondition, """
                the registry receipt key file \(path) holds registry key \(key.keyId), but the receipts in \(pool.path) \
                were sealed by registry key \(sealedBy) (latest: \(number)): wrong key file. Restore registry-receipt.key \
                from the same backup as the database (or point registryKeyPath at it).
                """)
        }
        return key
    }
}
