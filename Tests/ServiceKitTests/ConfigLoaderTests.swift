import Domain
import Foundation
import Logging
import ServiceKit
import Testing

struct SampleConfiguration: ServiceConfiguration, Equatable {
    var limits = LetterContentLimits()
    var retry = true
    var ratio = 0.5
    var peers: [String] = ["a"]
    var attempts = 1
    var backlog = 0
    var scale = 1.0

    init() {}

    static let keys: [ConfigKey] = [
        ConfigKey("limits.maxBodyLength", "body"),
        ConfigKey("retry", "retry"),
        ConfigKey("ratio", "ratio"),
        ConfigKey("peers", "peers"),
        ConfigKey("attempts", "an integer defaulting to 1"),
        ConfigKey("backlog", "an integer defaulting to 0"),
        ConfigKey("scale", "a double defaulting to a whole value"),
    ]
}

@Suite("Configuration loading: defaults <- file <- env <- flags", .timeLimit(.minutes(5)))
struct ConfigLoaderTests {
    let loader = ConfigLoader(service: "drafting", defaultPort: 7401)

    func writeFile(_ json: String) throws -> String {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("config.json")
        try Data(json.utf8).write(to: url)
        return url.path
    }

    @Test("defaults apply when nothing is set, with the service's port")
    func defaults() throws {
        let loaded = try loader.load(SampleConfiguration.self, arguments: [], environment: [:])
        #expect(loaded.settings.port == 7401)
        #expect(loaded.settings.host == "127.0.0.1")
        #expect(loaded.specific == SampleConfiguration())
        #expect(loaded.settings.resolvedDatabasePath(service: "drafting") == ".data/drafting.sqlite")
    }

    @Test("file overrides defaults, env overrides file, flags override env")
    func precedence() throws {
        let path = try writeFile(#"{"port": 1000, "host": "0.0.0.0", "logLevel": "debug", "limits": {"maxBodyLength": 10}}"#)
        let environment = ["SURAT_DRAFTING_CONFIG": path, "SURAT_DRAFTING_PORT": "2000", "SURAT_DRAFTING_LIMITS_MAX_BODY_LENGTH": "20"]
        let fromEnv = try loader.load(SampleConfiguration.self, arguments: [], environment: environment)
        #expect(fromEnv.settings.port == 2000)
        #expect(fromEnv.settings.host == "0.0.0.0")
        #expect(fromEnv.settings.logLevel == "debug")
        #expect(fromEnv.specific.limits.maxBodyLength == 20)
        // Nested file objects merge key by key: other limits keep their defaults.
        #expect(fromEnv.specific.limits.maxSubjectLength == LetterContentLimits().maxSubjectLength)

        let fromFlags = try loader.load(SampleConfiguration.self, arguments: ["--port", "3000", "--limits-max-body-length=30"], environment: environment)
        #expect(fromFlags.settings.port == 3000)
        #expect(fromFlags.specific.limits.maxBodyLength == 30)
    }

    @Test("--config flag names the file")
    func configFlag() throws {
        let path = try writeFile(#"{"dataDirectory": "/var/lib/surat"}"#)
        let loaded = try loader.load(SampleConfiguration.self, arguments: ["--config", path], environment: [:])
        #expect(loaded.settings.resolvedDatabasePath(service: "drafting") == "/var/lib/surat/drafting.sqlite")
    }

    @Test("lists, booleans and doubles parse from text")
    func types() throws {
        let loaded = try loader.load(
            SampleConfiguration.self, arguments: ["--retry", "no", "--ratio", "0.25"],
            environment: ["SURAT_DRAFTING_PEERS": "x, y", "SURAT_DRAFTING_SERVICE_TOKENS": "gateway:ab,cli:cd"])
        #expect(loaded.specific.retry == false)
        #expect(loaded.specific.ratio == 0.25)
        #expect(loaded.specific.peers == ["x", "y"])
        #expect(loaded.settings.serviceTokens == ["gateway:ab", "cli:cd"])
    }

    @Test("an integer key whose default is 0 or 1 is a number, not a boolean; a whole double default takes fractions")
    func integersDefaultingToZeroOrOne() throws {
        let loaded = try loader.load(
            SampleConfiguration.self, arguments: ["--attempts", "5", "--scale", "1.5"],
            environment: ["SURAT_DRAFTING_BACKLOG": "128"])
        #expect(loaded.specific.attempts == 5)
        #expect(loaded.specific.backlog == 128)
        #expect(loaded.specific.scale == 1.5)
        // Booleans still take their words and digits.
        let words = try loader.load(SampleConfiguration.self, arguments: ["--retry", "0", "--attempts", "0"], environment: [:])
        #expect(words.specific.retry == false && words.specific.attempts == 0)
        do {
            _ = try loader.load(SampleConfiguration.self, arguments: ["--attempts", "yes"], environment: [:])
            Issue.record("a word was accepted for an integer key")
        } catch {
            #expect("\(error)".contains("--attempts"))
        }
        #expect(throws: ConfigError.self) { try loader.load(SampleConfiguration.self, arguments: ["--attempts", "2.5"], environment: [:]) }
    }

    @Test("unknown file keys, unknown flags and bad values are errors naming the key")
    func errors() throws {
        let path = try writeFile(#"{"prot": 1}"#)
        #expect(throws: ConfigError.self) { try loader.load(SampleConfiguration.self, arguments: ["--config", path], environment: [:]) }
        #expect(throws: ConfigError.self) { try loader.load(SampleConfiguration.self, arguments: ["--prot", "1"], environment: [:]) }
        do {
            _ = try loader.load(SampleConfiguration.self, arguments: [], environment: ["SURAT_DRAFTING_PORT": "seventy"])
            Issue.record("a non-number port was accepted")
        } catch {
            #expect("\(error)".contains("SURAT_DRAFTING_PORT"))
        }
        let wrongType = try writeFile(#"{"port": "x"}"#)
        #expect(throws: ConfigError.self) { try loader.load(SampleConfiguration.self, arguments: ["--config", wrongType], environment: [:]) }
    }

    @Test("--help lists every documented key with env and flag names")
    func help() throws {
        do {
            _ = try loader.load(SampleConfiguration.self, arguments: ["--help"], environment: [:])
            Issue.record("help was not requested")
        } catch .helpRequested(let text) {
            for key in ServiceSettings.keys + SampleConfiguration.keys { #expect(text.contains(key.name)) }
            #expect(text.contains("SURAT_DRAFTING_DATA_DIRECTORY"))
            #expect(text.contains("--limits-max-body-length"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("unknown nested keys and non-JSON files are errors")
    func nestedAndMalformed() throws {
        let nested = try writeFile(#"{"limits": {"maxBodyLenght": 5}}"#)
        do {
            _ = try loader.load(SampleConfiguration.self, arguments: ["--config", nested], environment: [:])
            Issue.record("a misspelt nested key was accepted")
        } catch {
            #expect("\(error)".contains("limits.maxBodyLenght"))
        }
        let garbage = try writeFile("port = 7401")
        #expect(throws: ConfigError.self) { try loader.load(SampleConfiguration.self, arguments: ["--config", garbage], environment: [:]) }
        #expect(throws: ConfigError.self) { try loader.load(SampleConfiguration.self, arguments: ["--config", "/nonexistent/surat.json"], environment: [:]) }
        #expect(throws: ConfigError.self) { try loader.load(SampleConfiguration.self, arguments: ["--port"], environment: [:]) }
    }

    @Test("databasePath wins over dataDirectory")
    func databasePath() throws {
        let loaded = try loader.load(SampleConfiguration.self, arguments: ["--database-path", "/srv/d.sqlite", "--data-directory", "/x/"], environment: [:])
        #expect(loaded.settings.resolvedDatabasePath(service: "drafting") == "/srv/d.sqlite")
        var settings = loaded.settings
        settings.databasePath = ""
        #expect(settings.resolvedDatabasePath(service: "drafting") == "/x/drafting.sqlite")
    }

    @Test("a TLS certificate without a key is refused before binding, as a startup error")
    func tlsPairing() async throws {
        var settings = ServiceSettings(port: 0)
        settings.tlsCertificatePath = "/etc/surat/cert.pem"
        let error = await #expect(throws: ServiceStartupError.self) {
            _ = try await ServiceMain.startServer(settings: settings, services: [], logger: Logger(label: "test"))
        }
        #expect(error?.code == .configuration && error?.exitStatus == 64)
    }
}
