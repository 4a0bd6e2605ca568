import ServiceKit

/// Keys of `surat-signing` besides the common ones (see proto-notes/signing.md).
public struct SigningConfiguration: ServiceConfiguration, Hashable {
    /// scrypt cost for newly sealed private keys, as log2 of N (16 = 64 MiB with r = 8).
    public var scryptLog2N = 16
    /// scrypt block size r.
    public var scryptBlockSize = 8
    /// scrypt parallelism p.
    public var scryptParallelism = 1
    public var minimumPassphraseLength = 8
    public var maxFailedPassphraseAttempts = 5
    public var failureWindowSeconds = 900
    public var lockoutSeconds = 900
    public var uploadRoles: [String] = ["staf_umum", "admin"]
    /// scrypt derivations at once; by default one per core, at most 4.
    public var kdfConcurrency = SigningPolicy.defaultKDFWorkers
    public var kdfQueueLimit = 256

    public init() {}

    public static let keys: [ConfigKey] = [
        ConfigKey("scryptLog2N", "scrypt cost N = 2^scryptLog2N for newly sealed keys (10...22; 16 = 64 MiB: ~0.15 s optimised, ~0.65 s in a debug build). Existing keys keep the cost they were sealed with."),
        ConfigKey("scryptBlockSize", "scrypt block size r (memory = 128 * r * N bytes)."),
        ConfigKey("scryptParallelism", "scrypt parallelism p."),
        ConfigKey("minimumPassphraseLength", "Shortest passphrase accepted at registration, rotation or change, in characters."),
        ConfigKey("maxFailedPassphraseAttempts", "Wrong passphrases per signer within failureWindowSeconds before a lockout."),
        ConfigKey("failureWindowSeconds", "Window in which wrong passphrases add up."),
        ConfigKey("lockoutSeconds", "How long a signer is locked out after too many wrong passphrases (RESOURCE_EXHAUSTED)."),
        ConfigKey("kdfConcurrency", "scrypt derivations run at once, on as many cores (default: one per core, at most 4). Memory: this times 128 * r * N bytes (64 MiB each at the default cost)."),
        ConfigKey("kdfQueueLimit", "Calls that may wait for a key derivation; beyond it, and for a call that could not finish before its deadline, UNAVAILABLE at once with trailing metadata retry-after-ms."),
        ConfigKey("uploadRoles", "Roles allowed to upload a revision for signature (SOP step 4)."),
    ]

    /// The policy these keys describe; throws a ConfigError naming the key when a value is out of range.
    public func policy() throws(ConfigError) -> SigningPolicy {
        var policy = SigningPolicy()
        policy.scrypt = ScryptCost(log2N: scryptLog2N, blockSize: scryptBlockSize, parallelism: scryptParallelism)
        if let problem = policy.scrypt.problem { throw .invalid(problem) }
        guard minimumPassphraseLength >= 8 else { throw .invalid("minimumPassphraseLength must be at least 8") }
        guard maxFailedPassphraseAttempts >= 1, failureWindowSeconds >= 1, lockoutSeconds >= 1 else {
            throw .invalid("maxFailedPassphraseAttempts, failureWindowSeconds and lockoutSeconds must be positive")
        }
        policy.minimumPassphraseLength = minimumPassphraseLength
        policy.maxFailedPassphraseAttempts = maxFailedPassphraseAttempts
        policy.failureWindowSeconds = Int64(failureWindowSeconds)
        policy.lockoutSeconds = Int64(lockoutSeconds)
        policy.uploadRoles = uploadRoles
        guard (1...64).contains(kdfConcurrency) else { throw .invalid("kdfConcurrency must be 1...64") }
        guard (0...100_000).contains(kdfQueueLimit) else { throw .invalid("kdfQueueLimit must be 0...100000") }
        policy.kdfWorkers = kdfConcurrency
        policy.kdfQueueLimit = kdfQueueLimit
        return policy
    }
}
