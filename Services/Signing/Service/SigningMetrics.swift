import Foundation
import GRDB
import Metrics
import Synchronization

/// The signing service's metrics (swift-metrics; no-ops unless the process turned metrics on).
/// Counted: key-derivation time and queue length. Read at scrape time from the database (the
/// truth, surviving restarts): signatures, signers locked out now, lockouts and wrong passphrases so far, and when
/// each active key and each running delegation ends (`surat doctor` warns before they do).
/// Names: deploy/README.md, "Monitoring".
package enum SigningMetrics {
    private struct Figures: Sendable {
        var signatures: Int
        var locked: Int
        var lockouts: Int
        var wrong: Int
        /// (signer, key, valid until in ms)
        var keys: [(String, String, Int64)]
        /// (delegation, from, to, valid until in ms)
        var delegations: [(String, String, String, Int64)]
    }

    static let kdfDuration = Timer(label: "surat_signing_kdf_seconds")
    static let kdfQueueLength = Gauge(label: "surat_signing_kdf_queue_length")

    package static func collector(database: DatabasePool) -> @Sendable () async -> Void {
        let signatures = Gauge(label: "surat_signing_signatures")
        let lockedNow = Gauge(label: "surat_signing_signers_locked_out")
        let lockouts = Gauge(label: "surat_signing_lockouts")
        let wrongPassphrases = Gauge(label: "surat_signing_wrong_passphrases")
        let exported = Mutex<[String: Gauge]>([:])
        return {
            let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
            let read = try? await database.read { db -> Figures in
                Figures(
                    signatures: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM signature") ?? 0,
                    locked: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM passphrase_failure WHERE locked_until > ?",
                                             arguments: [nowMs]) ?? 0,
                    lockouts: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM security_event WHERE event = 'locked_out'") ?? 0,
                    // The wrong passphrase that locks a signer out is recorded as the lockout.
                    wrong: try Int.fetchOne(db, sql: """
                        SELECT COUNT(*) FROM security_event WHERE event IN ('wrong_passphrase', 'locked_out')
                        """) ?? 0,
                    keys: try Row.fetchAll(db, sql: """
                        SELECT key_id, signer_id, valid_until FROM signing_key
                        WHERE valid_until > ? AND revoked_at = 0 AND sealed_private_key IS NOT NULL
                        """, arguments: [nowMs]).map { ($0["signer_id"], $0["key_id"], $0["valid_until"]) },
                    delegations: try Row.fetchAll(db, sql: """
                        SELECT id, from_signer_id, to_signer_id, valid_until FROM delegation
                        WHERE valid_until > ? AND revoked_at = 0
                        """, arguments: [nowMs]).map { ($0["id"], $0["from_signer_id"], $0["to_signer_id"], $0["valid_until"]) })
            }
            guard let read else { return }
            signatures.record(read.signatures)
            lockedNow.record(read.locked)
            lockouts.record(read.lockouts)
            wrongPassphrases.record(read.wrong)
            var current: [String: (label: String, dimensions: [(String, String)], value: Double)] = [:]
            for (signer, key, until) in read.keys {
                current["key|\(key)"] = ("surat_signing_key_expiry_timestamp_seconds", [("signer", signer), ("key", key)],
                                         Double(until) / 1000)
            }
            for (delegation, from, to, until) in read.delegations {
                current["delegation|\(delegation)"] = ("surat_signing_delegation_end_timestamp_seconds",
                                                        [("delegation", delegation), ("from", from), ("to", to)],
                                                        Double(until) / 1000)
            }
            // A key rotated or revoked, a delegation ended: its series goes, so nobody is warned about it.
            let gone = exported.withLock { exported -> [Gauge] in
                let gone = exported.filter { current[$0.key] == nil }.map(\.value)
                for key in exported.keys where current[key] == nil { exported[key] = nil }
                for (key, series) in current where exported[key] == nil {
                    exported[key] = Gauge(label: series.label, dimensions: series.dimensions)
                }
                return gone
            }
            for gauge in gone { gauge.destroy() }
            for (key, series) in current { exported.withLock { $0[key] }?.record(series.value) }
        }
    }
}
