import Foundation

/// The signing rules an office can tune. Defaults are the secure choice; tests lower the scrypt
/// cost only.
public struct SigningPolicy: Codable, Sendable, Hashable {
    /// KDF cost for newly sealed keys (registration, rotation, passphrase change).
    public var scrypt = ScryptCost()
    public var minimumPassphraseLength = 8
    /// Wrong passphrases allowed per signer within `failureWindowSeconds` before a lockout.
    public var maxFailedPassphraseAttempts = 5
    public var failureWindowSeconds: Int64 = 15 * 60
    /// How long a signer stays locked out after the last allowed failure.
    public var lockoutSeconds: Int64 = 15 * 60
    /// scrypt derivations run at once (each needs one working set, 64 MiB at the default cost).
    public var kdfWorkers = SigningPolicy.defaultKDFWorkers
    /// Calls that may wait for a derivation; more are refused at once (UNAVAILABLE, `retry-after-ms`).
    public var kdfQueueLimit = 256
    /// Roles that may upload a revision for signature (SOP step 4 is the Staf Umum's).
    public var uploadRoles: [String] = ["staf_umum", "admin"]

    public init() {}

    /// One derivation per core, at most 4 (256 MiB at the default cost).
    public static var defaultKDFWorkers: Int { min(4, max(1, ProcessInfo.processInfo.activeProcessorCount)) }
}
