import ArgumentParser
import Foundation
import NIOSSL
import RPC

/// What one doctor check found.
struct DoctorFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `surat doctor`: one command that checks every service and says what is wrong and what to do.
/// deploy/README.md "Monitoring" documents the plan file and every check.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every service: reachable, healthy, versions, clocks, certificates, disks, backup, outbox, keys, delegations.",
        discussion: """
            Reads a plan (JSON, default /etc/surat/doctor.json; deploy/README.md "Monitoring" has the format): \
            each service's address and, where the service runs on this host, its config file, metrics port, \
            certificate and data directory. Prints one line per check, with what to do for each problem. \
            Exit 0 when all is well, 1 when something needs attention soon (WARN), 2 when something is \
            broken now (FAIL): fit for a cron job or a monitoring agent.
            """)

    @Option(help: "The plan file (env SURAT_DOCTOR_PLAN).") var plan: String?
    @Flag(help: "Print only problems.") var quiet = false

    mutating func run() async throws {
        let path = plan ?? ProcessInfo.processInfo.environment["SURAT_DOCTOR_PLAN"] ?? "/etc/surat/doctor.json"
        let doctorPlan: DoctorPlan
        do {
            doctorPlan = try DoctorPlan.load(path)
        } catch {
            FileHandle.standardError.write(Data("surat doctor: \(error)\n".utf8))
            throw ExitCode(64)
        }
        var report = DoctorReport(quiet: quiet)
        await DoctorChecks(plan: doctorPlan).run(into: &report)
        report.printSummary()
        if report.worst != .ok { throw ExitCode(report.worst == .fail ? 2 : 1) }
    }
}

/// The plan: which services to check and the thresholds.
struct DoctorPlan: Decodable {
    struct ServiceEntry: Decodable {
        /// `gateway`, `registry`, ...: names the systemd unit (`surat-NAME`) in advice.
        var name: String
        /// host:port of the gRPC listener; from `config` when absent.
        var address: String?
        /// The service's own JSON config on this host: fills address, certificate, data directory
        /// and metrics port when they are not given here.
        var config: String?
        /// host:port of the /metrics listener (outbox, keys and delegations come from there).
        var metrics: String?
        /// TLS to reach the service (as `surat --ca-file/--cert-file/--key-file/--server-name`).
        var caFile: String?
        var certFile: String?
        var keyFile: String?
        var serverName: String?
        /// The service's own TLS certificate file (PEM) on this host, for its expiry.
        var certificate: String?
        /// The service's data directory on this host, for free space.
        var dataDirectory: String?
    }

    var services: [ServiceEntry]
    /// The marker file the backup loop touches after each good backup (deploy/README.md).
    var backupMarker: String?
    var maxBackupAgeHours: Double = 26
    var maxClockSkewSeconds: Double = 5
    var certificateWarningDays: Double = 30
    var keyWarningDays: Double = 30
    var delegationWarningDays: Double = 3
    var minFreeDiskMB: Double = 1024
    var maxOutboxBacklog: Double = 50
    var maxOutboxAgeMinutes: Double = 60
    var timeoutSeconds: Int = 3

    enum CodingKeys: String, CodingKey {
        case services, backupMarker, maxBackupAgeHours, maxClockSkewSeconds, certificateWarningDays, keyWarningDays,
             delegationWarningDays, minFreeDiskMB, maxOutboxBacklog, maxOutboxAgeMinutes, timeoutSeconds
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        services = try c.decode([ServiceEntry].self, forKey: .services)
        backupMarker = try c.decodeIfPresent(String.self, forKey: .backupMarker)
        func read(_ key: CodingKeys, _ value: inout Double) throws {
            if let given = try c.decodeIfPresent(Double.self, forKey: key) { value = given }
        }
        try read(.maxBackupAgeHours, &maxBackupAgeHours)
        try read(.maxClockSkewSeconds, &maxClockSkewSeconds)
        try read(.certificateWarningDays, &certificateWarningDays)
        try read(.keyWarningDays, &keyWarningDays)
        try read(.delegationWarningDays, &delegationWarningDays)
        try read(.minFreeDiskMB, &minFreeDiskMB)
        try read(.maxOutboxBacklog, &maxOutboxBacklog)
        try read(.maxOutboxAgeMinutes, &maxOutboxAgeMinutes)
        timeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? 3
    }

    static func load(_ path: String) throws -> DoctorPlan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DoctorFailure("cannot read the plan \(path) (deploy/README.md, \"Monitoring\", shows one)")
        }
        var plan: DoctorPlan
        do { plan = try JSONDecoder().decode(DoctorPlan.self, from: data) } catch {
            throw DoctorFailure("the plan \(path) is not valid: \(error)")
        }
        for index in plan.services.indices { try plan.services[index].fillFromConfig() }
        return plan
    }
}

extension DoctorPlan.ServiceEntry {
    /// Takes what the service's own config file says for what the plan leaves out.
    mutating func fillFromConfig() throws {
        guard let config else { return }
        guard let data = FileManager.default.contents(atPath: config),
              let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw DoctorFailure("cannot read \(name)'s config file \(config)")
        }
        func local(_ host: String) -> String { host == "0.0.0.0" || host.isEmpty ? "127.0.0.1" : host == "::" ? "::1" : host }
        if address == nil, let port = object["port"] as? Int {
            address = "\(local(object["host"] as? String ?? "127.0.0.1")):\(port)"
        }
        if metrics == nil, let port = object["metricsPort"] as? Int, port > 0 {
            metrics = "\(local(object["metricsHost"] as? String ?? "127.0.0.1")):\(port)"
        }
        if certificate == nil, let path = object["tlsCertificatePath"] as? String, !path.isEmpty { certificate = path }
        if dataDirectory == nil, let path = object["dataDirectory"] as? String, !path.isEmpty { dataDirectory = path }
    }
}

/// The findings, printed as they come.
struct DoctorReport {
    enum Level: Int, Comparable {
        case ok = 0, warn = 1, fail = 2
        static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var tag: String { switch self { case .ok: "OK  "; case .warn: "WARN"; case .fail: "FAIL" } }
    }

    var quiet: Bool
    var worst = Level.ok
    var problems = 0

    mutating func add(_ level: Level, _ subject: String, _ finding: String, todo: String? = nil) {
        worst = max(worst, level)
        if level != .ok { problems += 1 }
        if quiet && level == .ok { return }
        print("\(level.tag) \(subject): \(finding)")
        if let todo, level != .ok { print("     what to do: \(todo)") }
    }

    func printSummary() {
        print(problems == 0 ? "all checks passed" : "\(problems) problem\(problems == 1 ? "" : "s") found (\(worst == .fail ? "FAIL" : "WARN"))")
    }
}

/// The checks themselves.
struct DoctorChecks {
    var plan: DoctorPlan

    private struct HealthRequest: Codable, Sendable {
        var service = ""
        enum CodingKeys: Int, CodingKey { case service = 1 }
    }

    private struct HealthResponse: Codable, Sendable {
        var status: Int32 = 0
        enum CodingKeys: Int, CodingKey { case status = 1 }
    }

    func run(into report: inout DoctorReport) async {
        var versions: [String: String] = [:]
        for service in plan.services {
            if let version = await checkService(service, into: &report) { versions[service.name] = version }
            checkCertificate(service, into: &report)
            checkDisk(service, into: &report)
            await checkMetrics(service, into: &report)
        }
        if Set(versions.values).count > 1 {
            let listing = versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            report.add(.warn, "versions", "services run different versions: \(listing)",
                       todo: "finish the rolling upgrade (deploy/README.md, \"Upgrading one service at a time\") or roll back the odd one")
        }
        checkBackup(into: &report)
    }

    /// Reachable, SERVING, version and clock skew, from one health check. Returns the version.
    private func checkService(_ service: DoctorPlan.ServiceEntry, into report: inout DoctorReport) async -> String? {
        let subject = service.name
        let unit = "surat-\(service.name)"
        guard let address = service.address, let colon = address.lastIndex(of: ":"),
              let port = Int(address[address.index(after: colon)...]) else {
            report.add(.fail, subject, "no address in the plan (give \"address\" or \"config\")", todo: "fix the doctor plan")
            return nil
        }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let tls = service.caFile.map {
            ClientTLSConfiguration(trustRootsPath: $0, certificateChainPath: service.certFile, privateKeyPath: service.keyFile,
                                   serverHostname: service.serverName)
        }
        let client: RPCClient
        do {
            client = try RPCClient(host: host, port: port, tls: tls)
        } catch {
            report.add(.fail, subject, "cannot set up TLS to \(address): \(error)", todo: "check caFile/certFile/keyFile in the plan")
            return nil
        }
        defer { Task { await client.close() } }
        let method = RPCMethod<HealthRequest, HealthResponse>(service: "grpc.health.v1.Health", name: "Check")
        let sent = Date()
        let reply: ClientResponse<HealthResponse>
        do {
            reply = try await client.callWithMetadata(method, HealthRequest(), timeout: .seconds(plan.timeoutSeconds))
        } catch let error as RPCError {
            let why = error.message
            var todo = "is \(unit) running? `systemctl status \(unit)`, then `journalctl -u \(unit) -n 50`; start it with `systemctl start \(unit)`"
            if let failure = error.cause as? ConnectionFailure { todo = CLIError.hint(for: failure.kind) }
            report.add(.fail, subject, "unreachable at \(address) (\(why))", todo: todo)
            return nil
        } catch {
            report.add(.fail, subject, "unreachable at \(address) (\(error))", todo: "`systemctl status \(unit)`")
            return nil
        }
        let received = Date()
        guard reply.message.status == 1 else {
            report.add(.fail, subject, "answers at \(address) but is NOT SERVING (status \(reply.message.status))",
                       todo: "it may be shutting down or starting; `journalctl -u \(unit) -n 50`")
            return nil
        }
        let version = reply.headers["surat-version"] ?? "unknown"
        let commit = reply.headers["surat-commit"] ?? "unknown"
        report.add(.ok, subject, "SERVING at \(address), version \(version) (commit \(commit))")
        if let text = reply.headers["surat-time-ms"], let millis = Double(text) {
            // The server read its clock somewhere between sending and receiving: compare with the midpoint.
            let midpoint = (sent.timeIntervalSince1970 + received.timeIntervalSince1970) / 2
            let skew = millis / 1000 - midpoint
            let slack = received.timeIntervalSince(sent) / 2
            if abs(skew) - slack > plan.maxClockSkewSeconds {
                report.add(.warn, subject, String(format: "clock is %.1f s %@ this host's", abs(skew), skew > 0 ? "ahead of" : "behind"),
                           todo: "letters carry timestamps and tokens expire by the clock: enable NTP on both hosts (`timedatectl set-ntp true`)")
            } else {
                report.add(.ok, subject, String(format: "clock within %.1f s of this host's", abs(skew)))
            }
        }
        return "\(version) (\(commit))"
    }

    private func checkCertificate(_ service: DoctorPlan.ServiceEntry, into report: inout DoctorReport) {
        guard let path = service.certificate else { return }
        let subject = service.name
        let certificate: NIOSSLCertificate
        do {
            guard let first = try NIOSSLCertificate.fromPEMFile(path).first else { throw DoctorFailure("no certificate in the file") }
            certificate = first
        } catch {
            report.add(.fail, subject, "cannot read its TLS certificate \(path): \(error)",
                       todo: "put the service's PEM certificate there (deploy/README.md, the TLS recipe)")
            return
        }
        let notAfter = Date(timeIntervalSince1970: TimeInterval(certificate.notValidAfter))
        let days = notAfter.timeIntervalSinceNow / 86_400
        let todo = "issue a new certificate for \(service.name) from the office CA (deploy/README.md, the TLS recipe), install it at \(path) and restart surat-\(service.name)"
        if days < 0 {
            report.add(.fail, subject, "TLS certificate \(path) EXPIRED on \(Self.day(notAfter)); clients refuse to connect", todo: todo)
        } else if days < plan.certificateWarningDays {
            report.add(.warn, subject, String(format: "TLS certificate %@ expires in %.0f days (%@)", path, days, Self.day(notAfter)), todo: todo)
        } else {
            report.add(.ok, subject, "TLS certificate valid until \(Self.day(notAfter))")
        }
    }

    private func checkDisk(_ service: DoctorPlan.ServiceEntry, into report: inout DoctorReport) {
        guard let path = service.dataDirectory else { return }
        let subject = service.name
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: path),
              let free = (attributes[.systemFreeSize] as? NSNumber)?.doubleValue,
              let size = (attributes[.systemSize] as? NSNumber)?.doubleValue else {
            report.add(.fail, subject, "data directory \(path) is missing or unreadable",
                       todo: "check the path (dataDirectory in its config) and that this user may read it")
            return
        }
        let freeMB = free / 1_048_576
        let finding = String(format: "data directory %@: %.0f MB free of %.0f MB", path, freeMB, size / 1_048_576)
        let todo = "free space on that file system or grow it: SQLite stops committing (letters cannot move) when the disk is full"
        if freeMB < plan.minFreeDiskMB / 4 {
            report.add(.fail, subject, finding, todo: todo)
        } else if freeMB < plan.minFreeDiskMB {
            report.add(.warn, subject, finding, todo: todo)
        } else {
            report.add(.ok, subject, finding)
        }
    }

    /// Outbox backlog (registry), keys and delegations ending soon (signing), from /metrics.
    private func checkMetrics(_ service: DoctorPlan.ServiceEntry, into report: inout DoctorReport) async {
        guard let address = service.metrics, let colon = address.lastIndex(of: ":"),
              let port = Int(address[address.index(after: colon)...]) else { return }
        let subject = service.name
        let samples: [MetricSample]
        do {
            samples = try await MetricsScrape.fetch(host: String(address[..<colon]), port: port,
                                                    timeout: .seconds(Int64(plan.timeoutSeconds)))
        } catch {
            report.add(.warn, subject, "metrics at \(address) unreadable (\(error))",
                       todo: "check metricsPort/metricsHost in its config and that surat-\(service.name) runs")
            return
        }
        let now = Date().timeIntervalSince1970
        if let pending = samples.first(where: { $0.name == "surat_registry_deliveries" && $0.labels["state"] == "pending" })?.value {
            let oldest = samples.first { $0.name == "surat_registry_outbox_oldest_pending_seconds" }?.value ?? 0
            let finding = String(format: "outbox: %.0f deliveries pending, oldest waiting %.0f min", pending, oldest / 60)
            if pending > plan.maxOutboxBacklog || oldest / 60 > plan.maxOutboxAgeMinutes {
                report.add(.warn, subject, finding,
                           todo: "an addressee's inbox is unreachable: `journalctl -u surat-registry | grep 'delivery attempt failed'` names it; check its endpoint, or deliver by hand (`surat delivery LETTER` shows a letter's deliveries)")
            } else {
                report.add(.ok, subject, finding)
            }
        }
        if let failed = samples.first(where: { $0.name == "surat_registry_deliveries" && $0.labels["state"] == "failed" })?.value, failed > 0 {
            report.add(.warn, subject, String(format: "%.0f deliveries gave up", failed),
                       todo: "`journalctl -u surat-registry | grep 'delivery attempt failed'` names them; deliver those letters by hand")
        }
        for key in samples where key.name == "surat_signing_key_expiry_timestamp_seconds" {
            let days = (key.value - now) / 86_400
            if days < plan.keyWarningDays {
                report.add(.warn, subject, String(format: "signing key %@ of %@ expires in %.1f days", key.labels["key"] ?? "?",
                                                  key.labels["signer"] ?? "?", days),
                           todo: "rotate it before then (signing service RotateKey, proto-notes/signing.md), or letters cannot be signed")
            }
        }
        for delegation in samples where delegation.name == "surat_signing_delegation_end_timestamp_seconds" {
            let days = (delegation.value - now) / 86_400
            if days < plan.delegationWarningDays {
                report.add(.warn, subject, String(format: "delegation %@ (%@ for %@) ends in %.1f days",
                                                  delegation.labels["delegation"] ?? "?", delegation.labels["to"] ?? "?",
                                                  delegation.labels["from"] ?? "?", days),
                           todo: "if the Camat is still away, grant a new Plh/Plt delegation before it ends (`surat admin delegation`)")
            }
        }
        if let locked = samples.first(where: { $0.name == "surat_signing_signers_locked_out" })?.value, locked > 0 {
            report.add(.warn, subject, String(format: "%.0f signer(s) locked out after wrong passphrases", locked),
                       todo: "the lockout ends by itself; if it was not the signer, read the security events")
        }
    }

    private func checkBackup(into report: inout DoctorReport) {
        guard let marker = plan.backupMarker else { return }
        let todo = "run the backup (deploy/README.md, \"Backup and restore\") and check that its loop touches \(marker) after each good backup"
        guard let modified = (try? FileManager.default.attributesOfItem(atPath: marker))?[.modificationDate] as? Date else {
            report.add(.fail, "backup", "no backup marker at \(marker): no backup has completed", todo: todo)
            return
        }
        let hours = -modified.timeIntervalSinceNow / 3600
        let finding = String(format: "last backup %.1f hours ago (%@)", hours, Self.day(modified))
        report.add(hours > plan.maxBackupAgeHours ? .fail : .ok, "backup", finding, todo: todo)
    }

    private static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
