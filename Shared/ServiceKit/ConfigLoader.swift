import Foundation
import Observability

/// Why configuration could not be loaded; the message says what to fix.
public enum ConfigError: Error, CustomStringConvertible {
    /// `--help` was given; the payload is the text to print.
    case helpRequested(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .helpRequested(let text): text
        case .invalid(let message): message
        }
    }
}

/// The merged result: common keys, the service's own keys, and where values came from.
public struct LoadedConfiguration<Specific: ServiceConfiguration>: Sendable {
    public var settings: ServiceSettings
    public var specific: Specific
    /// Sources that contributed, in order (for the startup log line).
    public var sources: [String]
}

/// Loads configuration as defaults ← JSON file ← environment ← command-line flags (later wins).
///
/// - File: `--config PATH` or `SURAT_<SERVICE>_CONFIG`; one JSON object, nested objects merge
///   key by key. Unknown keys are an error, so a typo never silently falls back to a default.
/// - Environment: `SURAT_<SERVICE>_<KEY>`, the key in upper snake case (`dataDirectory` →
///   `SURAT_DRAFTING_DATA_DIRECTORY`, `limits.maxBodyLength` → `SURAT_DRAFTING_LIMITS_MAX_BODY_LENGTH`).
/// - Flags: `--<key in kebab case> VALUE` or `--key=VALUE` (`--data-directory /var/lib/surat`,
///   `--limits-max-body-length 5000`).
/// Lists take comma-separated values in env and flags; booleans `true/false/1/0/yes/no`.
public struct ConfigLoader: Sendable {
    /// Lower-case service name, e.g. `drafting`; the env prefix is `SURAT_DRAFTING_`.
    public var service: String
    /// The service's default port (7401 for drafting, ...), used when nothing sets `port`.
    public var defaultPort: Int

    public init(service: String, defaultPort: Int) {
        self.service = service
        self.defaultPort = defaultPort
    }

    public var environmentPrefix: String { "SURAT_\(service.uppercased())_" }

    public func load<Specific: ServiceConfiguration>(
        _ type: Specific.Type = NoServiceConfiguration.self,
        arguments: [String] = Array(CommandLine.arguments.dropFirst()),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> LoadedConfiguration<Specific> {
        let documented = ServiceSettings.keys + Specific.keys
        var merged = try defaultsObject(Specific.self)
        let leaves = Self.leafPaths(of: merged).union(documented.map(\.name))
        var sources = ["defaults"]

        // `--version` prints one line and exits like `--help` does (every executable gets it here).
        if arguments.contains("--version") { throw .helpRequested(BuildInfo.versionLine(executable: "surat-\(service)")) }
        let flags = try parseFlags(arguments, documented: documented, leaves: leaves)
        if flags.helpRequested { throw .helpRequested(helpText(Specific.self)) }
        if let path = flags.configPath ?? environment[environmentPrefix + "CONFIG"] {
            let object = try readFile(path)
            try Self.checkKnown(object, against: merged, documented: Set(documented.map(\.name)), path: "", file: path)
            Self.deepMerge(object, into: &merged)
            sources.append("file \(path)")
        }
        var fromEnvironment: [String] = []
        for leaf in leaves.sorted() {
            let name = environmentPrefix + Self.upperSnake(leaf)
            guard let text = environment[name] else { continue }
            let value = try Self.convert(text, like: Self.value(at: leaf, in: merged), key: name)
            Self.set(value, at: leaf, in: &merged)
            fromEnvironment.append(name)
        }
        if !fromEnvironment.isEmpty { sources.append("env \(fromEnvironment.joined(separator: ","))") }
        for (leaf, text) in flags.values {
            let value = try Self.convert(text, like: Self.value(at: leaf, in: merged), key: "--\(Self.kebab(leaf))")
            Self.set(value, at: leaf, in: &merged)
        }
        if !flags.values.isEmpty { sources.append("flags") }

        do {
            let data = try JSONSerialization.data(withJSONObject: merged)
            let settings = try JSONDecoder().decode(ServiceSettings.self, from: data)
            let specific = try JSONDecoder().decode(Specific.self, from: data)
            return LoadedConfiguration(settings: settings, specific: specific, sources: sources)
        } catch {
            throw .invalid("configuration has a value of the wrong type: \(Self.describe(decodingError: error))")
        }
    }

    /// Every key with its env variable, flag, default and meaning (the `--help` text).
    public func helpText<Specific: ServiceConfiguration>(_ type: Specific.Type) -> String {
        let defaults = (try? defaultsObject(type)) ?? [:]
        var lines = [
            "surat-\(service): configuration (defaults <- JSON file <- env <- flags)",
            "  --config PATH / \(environmentPrefix)CONFIG   JSON file with any of the keys below",
            "",
        ]
        for key in ServiceSettings.keys + Specific.keys {
            let value = Self.value(at: key.name, in: defaults).map(Self.render) ?? "(none)"
            lines.append("  \(key.name)  [--\(Self.kebab(key.name)), \(environmentPrefix)\(Self.upperSnake(key.name))]  default: \(value)")
            lines.append("      \(key.help)")
        }
        return lines.joined(separator: "\n")
    }

    // MARK: - Sources

    func defaultsObject<Specific: ServiceConfiguration>(_ type: Specific.Type) throws(ConfigError) -> [String: Any] {
        var settings = ServiceSettings()
        settings.port = defaultPort
        do {
            var object = try Self.jsonObject(settings)
            for (key, value) in try Self.jsonObject(Specific()) { object[key] = value }
            return object
        } catch {
            throw .invalid("cannot encode default configuration: \(error)")
        }
    }

    static func jsonObject(_ value: some Encodable) throws -> [String: Any] {
        let data = try JSONEncoder().encode(value)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    func readFile(_ path: String) throws(ConfigError) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalid("cannot read config file \(path)")
        }
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
            throw .invalid("config file \(path) is not valid JSON: \(error.localizedDescription)")
        }
        guard let object = parsed as? [String: Any] else {
            throw .invalid("config file \(path) must hold one JSON object")
        }
        return object
    }

    struct Flags {
        var configPath: String?
        var helpRequested = false
        var values: [(String, String)] = []
    }

    func parseFlags(_ arguments: [String], documented: [ConfigKey], leaves: Set<String>) throws(ConfigError) -> Flags {
        let byFlag = Dictionary(leaves.map { (Self.kebab($0), $0) }, uniquingKeysWith: { first, _ in first })
        var flags = Flags()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--help" || argument == "-h" {
                flags.helpRequested = true
                continue
            }
            guard argument.hasPrefix("--") else { throw .invalid("unexpected argument \(argument) (flags are --key value)") }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if value == nil {
                guard index < arguments.count else { throw .invalid("flag --\(name) needs a value") }
                value = arguments[index]
                index += 1
            }
            if name == "config" {
                flags.configPath = value
            } else if let leaf = byFlag[name] {
                flags.values.append((leaf, value ?? ""))
            } else {
                throw .invalid("unknown flag --\(name); --help lists every key")
            }
        }
        return flags
    }

    // MARK: - JSON tree helpers

    static func leafPaths(of object: [String: Any], prefix: String = "") -> Set<String> {
        var paths: Set<String> = []
        for (key, value) in object {
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            if let nested = value as? [String: Any] {
                paths.formUnion(leafPaths(of: nested, prefix: path))
            } else {
                paths.insert(path)
            }
        }
        return paths
    }

    static func checkKnown(_ object: [String: Any], against defaults: [String: Any], documented: Set<String>, path: String, file: String) throws(ConfigError) {
        for (key, value) in object {
            let full = path.isEmpty ? key : "\(path).\(key)"
            if let nested = value as? [String: Any], let defaultNested = defaults[key] as? [String: Any] {
                try checkKnown(nested, against: defaultNested, documented: documented, path: full, file: file)
            } else if defaults[key] == nil && !documented.contains(full) {
                throw .invalid("unknown key \"\(full)\" in config file \(file); --help lists every key")
            }
        }
    }

    static func deepMerge(_ source: [String: Any], into target: inout [String: Any]) {
        for (key, value) in source {
            if let nested = value as? [String: Any], var existing = target[key] as? [String: Any] {
                deepMerge(nested, into: &existing)
                target[key] = existing
            } else {
                target[key] = value
            }
        }
    }

    static func value(at path: String, in object: [String: Any]) -> Any? {
        let parts = path.split(separator: ".").map(String.init)
        var current: Any? = object
        for part in parts { current = (current as? [String: Any])?[part] }
        return current
    }

    static func set(_ value: Any, at path: String, in object: inout [String: Any]) {
        let parts = path.split(separator: ".").map(String.init)
        if parts.count == 1 {
            object[parts[0]] = value
            return
        }
        var nested = object[parts[0]] as? [String: Any] ?? [:]
        set(value, at: parts.dropFirst().joined(separator: "."), in: &nested)
        object[parts[0]] = nested
    }

    /// Turns an env/flag string into the JSON type of the key's current value.
    static func convert(_ text: String, like current: Any?, key: String) throws(ConfigError) -> Any {
        if isBoolean(current) {
            switch text.lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw .invalid("\(key) must be true or false, got \"\(text)\"")
            }
        }
        if let number = current as? NSNumber {
            // JSONEncoder writes a whole Double (1.0) as `1`, so the default alone cannot tell an
            // integer key from a floating-point one: take the text as it is written and let the
            // decoder refuse a fraction for an integer key.
            if let integer = Int(text) { return integer }
            guard let double = Double(text), double.isFinite else {
                let kind = Int(exactly: number.doubleValue) != nil ? "a whole number" : "a number"
                throw .invalid("\(key) must be \(kind), got \"\(text)\"")
            }
            return double
        }
        switch current {
        case is [Any]:
            return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        default:
            return text
        }
    }

    /// Whether a value read back from JSON is `true`/`false`. Foundation hands every JSON number
    /// over as NSNumber, and an NSNumber 0 or 1 also answers `is Bool`: an integer key whose
    /// default is 0 or 1 was read as a boolean, and `--key 5` was refused.
    static func isBoolean(_ value: Any?) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return type(of: number) == type(of: NSNumber(value: true))
    }

    static func upperSnake(_ path: String) -> String {
        var out = ""
        for character in path {
            if character == "." { out.append("_") } else if character.isUppercase { out.append("_"); out.append(character) } else { out.append(character) }
        }
        return out.uppercased()
    }

    static func kebab(_ path: String) -> String {
        var out = ""
        for character in path {
            if character == "." { out.append("-") } else if character.isUppercase { out.append("-"); out.append(contentsOf: character.lowercased()) } else { out.append(character) }
        }
        return out
    }

    static func render(_ value: Any) -> String {
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }

    static func describe(decodingError error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        switch decoding {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "\(path): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
