import ServiceKit
import Testing
@testable import SigningCore

@Suite("Signing configuration", .timeLimit(.minutes(2)))
struct SigningConfigurationTests {
    @Test("defaults are the secure policy")
    func defaults() throws {
        let policy = try SigningConfiguration().policy()
        #expect(policy.scrypt == ScryptCost(log2N: 16, blockSize: 8, parallelism: 1))
        #expect(policy.maxFailedPassphraseAttempts == 5)
        #expect(policy.lockoutSeconds == 900)
        #expect(policy.uploadRoles == ["staf_umum", "admin"])
    }

    @Test("keys load from flags and out-of-range values are refused", arguments: [
        (["--scrypt-log2-n", "9"], "scrypt log2N"),
        (["--scrypt-log2-n", "23"], "scrypt log2N"),
        (["--minimum-passphrase-length", "4"], "minimumPassphraseLength"),
        (["--lockout-seconds", "0"], "lockoutSeconds"),
    ])
    func ranges(arguments: [String], problem: String) throws {
        let loaded = try ConfigLoader(service: "signing", defaultPort: 7403).load(SigningConfiguration.self, arguments: arguments, environment: [:])
        #expect(throws: ConfigError.self) { try loaded.specific.policy() }
        do {
            _ = try loaded.specific.policy()
        } catch {
            #expect(error.description.contains(problem), "\(error)")
        }
    }

    @Test("environment sets the scrypt cost")
    func environment() throws {
        let loaded = try ConfigLoader(service: "signing", defaultPort: 7403)
            .load(SigningConfiguration.self, arguments: [], environment: ["SURAT_SIGNING_SCRYPT_LOG2_N": "12"])
        #expect(try loaded.specific.policy().scrypt.log2N == 12)
        #expect(loaded.settings.port == 7403)
    }
}
