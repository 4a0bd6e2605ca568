import Crypto
import Domain
import Foundation
import GRDB
import Wire

/// Row mapping and lookups shared by the operations. Everything runs inside a GRDB read or
/// write closure, so a whole operation sees one consistent snapshot.
struct StoredKey: Sendable {
    var published: PublishedKey
    var sealed: SealedPrivateKey?
    var passphraseChangedAt: Int64

    init(row: Row) {
        published = PublishedKey(
            keyId: row["key_id"], signerId: row["signer_id"], algorithm: row["algorithm"], publicKey: row["public_key"],
            validFromUnixMillis: row["valid_from"], validUntilUnixMillis: row["valid_until"],
            revokedAtUnixMillis: row["revoked_at"], revocationReason: row["revocation_reason"])
        if let box: Data = row["sealed_private_key"], let salt: Data = row["kdf_salt"] {
            sealed = SealedPrivateKey(
                cost: ScryptCost(log2N: row["kdf_log2_n"], blockSize: row["kdf_block_size"], parallelism: row["kdf_parallelism"]),
                salt: salt, box: box)
        }
        passphraseChangedAt = row["passphrase_changed_at"] ?? 0
    }
}

/// The reply UploadForSignature stores for its replays: the signing request's id (see `upload`).
struct SigningRequestReference: Codable, Sendable {
    var signingRequestId: String = ""

    enum CodingKeys: Int, CodingKey {
        case signingRequestId = 1
    }
}

enum SigningRecords {
    static func signer(_ db: Database, id: String) throws -> PublishedSigner? {
        try Row.fetchOne(db, sql: "SELECT * FROM signer WHERE id = ?", arguments: [id]).map(signer(row:))
    }

    static func signer(row: Row) -> PublishedSigner {
        PublishedSigner(id: row["id"], name: row["name"], nip: row["nip"], position: row["position"], role: row["role"],
                        registeredAtUnixMillis: row["registered_at"])
    }

    static func key(_ db: Database, id: String) throws -> StoredKey? {
        try Row.fetchOne(db, sql: "SELECT * FROM signing_key WHERE key_id = ?", arguments: [id]).map(StoredKey.init(row:))
    }

    /// The signer's current key: the newest one not replaced by rotation (it may be revoked).
    static func currentKey(_ db: Database, signerId: String) throws -> StoredKey? {
        try Row.fetchOne(db, sql: """
            SELECT * FROM signing_key WHERE signer_id = ? AND valid_until = 0 ORDER BY valid_from DESC LIMIT 1
            """, arguments: [signerId]).map(StoredKey.init(row:))
    }

    static func insertKey(_ db: Database, signerId: String, generated: KeyVault.GeneratedKey, at now: Int64) throws {
        try db.execute(sql: """
            INSERT INTO signing_key (key_id, signer_id, algorithm, public_key, valid_from, kdf, kdf_log2_n, kdf_block_size,
                                     kdf_parallelism, kdf_salt, sealed_private_key, passphrase_changed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [generated.keyId, signerId, SignatureAlgorithm.ed25519, generated.publicKey, now,
                             SealedPrivateKey.kdfName, generated.sealed.cost.log2N, generated.sealed.cost.blockSize,
                             generated.sealed.cost.parallelism, generated.sealed.salt, generated.sealed.box, now])
    }

    static func delegation(_ db: Database, id: String) throws -> PublishedDelegation? {
        try Row.fetchOne(db, sql: "SELECT * FROM delegation WHERE id = ?", arguments: [id]).map(delegation(row:))
    }

    static func delegation(row: Row) -> PublishedDelegation {
        PublishedDelegation(
            delegationId: row["id"], fromSignerId: row["from_signer_id"], toSignerId: row["to_signer_id"],
            kind: DelegationKind(rawValue: row["kind"]) ?? .unspecified, validFromUnixMillis: row["valid_from"],
            validUntilUnixMillis: row["valid_until"], revokedAtUnixMillis: row["revoked_at"], reference: row["reference"])
    }

    static func delegations(_ db: Database, toSignerId: String) throws -> [PublishedDelegation] {
        try Row.fetchAll(db, sql: "SELECT * FROM delegation WHERE to_signer_id = ? ORDER BY created_at DESC",
                         arguments: [toSignerId]).map(delegation(row:))
    }

    static func signingRequest(_ db: Database, id: String) throws -> SigningRequestRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM signing_request WHERE id = ?", arguments: [id]) else { return nil }
        return try signingRequest(db, row: row)
    }

    /// The newest upload of a letter.
    static func latestSigningRequest(_ db: Database, letterId: String) throws -> SigningRequestRecord? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT * FROM signing_request WHERE letter_id = ? ORDER BY uploaded_at DESC, rowid DESC LIMIT 1
            """, arguments: [letterId]) else { return nil }
        return try signingRequest(db, row: row)
    }

    static func signingRequest(_ db: Database, row: Row) throws -> SigningRequestRecord {
        let decoder = ProtobufDecoder()
        let content: Data = row["content"]
        let drafter: Data = row["drafter_paraf"]
        let sekretaris: Data = row["sekretaris_paraf"]
        let id: String = row["id"]
        let signature = try Row.fetchOne(db, sql: "SELECT * FROM signature WHERE signing_request_id = ?", arguments: [id])
            .map { try self.signature(db, row: $0) }
        return SigningRequestRecord(
            signingRequestId: id, letterId: row["letter_id"], revisionDigest: row["revision_digest"],
            content: try decoder.decode(LetterContent.self, from: [UInt8](content)),
            drafterParaf: try decoder.decode(Paraf.self, from: [UInt8](drafter)),
            sekretarisParaf: try decoder.decode(Paraf.self, from: [UInt8](sekretaris)),
            state: signature == nil ? .awaitingSignature : .signed,
            uploadedBy: row["uploaded_by"], uploadedAtUnixMillis: row["uploaded_at"], signature: signature)
    }

    static func signature(_ db: Database, id: String) throws -> SignatureRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM signature WHERE id = ?", arguments: [id]).map { try signature(db, row: $0) }
    }

    static func latestSignature(_ db: Database, letterId: String) throws -> SignatureRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM signature WHERE letter_id = ? ORDER BY signed_at DESC, rowid DESC LIMIT 1",
                         arguments: [letterId]).map { try signature(db, row: $0) }
    }

    static func signature(_ db: Database, row: Row) throws -> SignatureRecord {
        let envelopeBytes: Data = row["envelope"]
        let fields = (try? SigningEnvelope(canonicalBytes: envelopeBytes)) ?? SigningEnvelope()
        let signer = try self.signer(db, id: row["signer_id"])
        let key = try self.key(db, id: row["key_id"])
        let delegationId: String = row["delegation_id"]
        let delegation = delegationId.isEmpty ? nil : try self.delegation(db, id: delegationId)
        return SignatureRecord(
            signatureId: row["id"], signingRequestId: row["signing_request_id"], envelope: envelopeBytes,
            signature: row["signature"], fields: fields, signerName: signer?.name ?? "", signerPosition: signer?.position ?? "",
            publicKey: key?.published.publicKey ?? Data(), delegationKind: delegation?.kind ?? .unspecified)
    }

    static func published(_ db: Database, signerId: String) throws -> ListPublicKeysResponse {
        var response = ListPublicKeysResponse()
        if signerId.isEmpty {
            response.signers = try Row.fetchAll(db, sql: "SELECT * FROM signer ORDER BY id").map(signer(row:))
            response.keys = try Row.fetchAll(db, sql: "SELECT * FROM signing_key ORDER BY signer_id, valid_from")
                .map { StoredKey(row: $0).published }
            response.delegations = try Row.fetchAll(db, sql: "SELECT * FROM delegation ORDER BY created_at").map(delegation(row:))
        } else {
            response.delegations = try Row.fetchAll(db, sql: """
                SELECT * FROM delegation WHERE from_signer_id = ? OR to_signer_id = ? ORDER BY created_at
                """, arguments: [signerId, signerId]).map(delegation(row:))
            let ids = Set([signerId] + response.delegations.flatMap { [$0.fromSignerId, $0.toSignerId] }).sorted()
            for id in ids {
                if let signer = try signer(db, id: id) { response.signers.append(signer) }
            }
            response.keys = try Row.fetchAll(db, sql: "SELECT * FROM signing_key WHERE signer_id = ? ORDER BY valid_from",
                                             arguments: [signerId]).map { StoredKey(row: $0).published }
        }
        return response
    }

    static func securityEvent(_ db: Database, at: Int64, signerId: String, event: String, detail: String = "") throws {
        try db.execute(sql: "INSERT INTO security_event (at, signer_id, event, detail) VALUES (?, ?, ?, ?)",
                       arguments: [at, signerId, event, detail])
    }

    // MARK: - Request ids

    /// SHA-256 of the request's protobuf bytes, the request-id fingerprint of every signing method (the
    /// formula of the former request log, so its migrated rows still match). Callers blank secrets
    /// (passphrases) first; the acting signer is in the request where it matters (Sign, ChangePassphrase).
    static func fingerprint<Message: Encodable>(_ message: Message) throws -> Data {
        Data(SHA256.hash(data: try ProtobufEncoder().encode(message)))
    }
}
