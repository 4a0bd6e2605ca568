import ArgumentParser
import Domain
import Foundation
import Histogram
import RPC
import ServiceKit
import Synchronization

/// `surat-bench registry`: drives a running surat-registry with a mix of operations, reports
/// throughput and latency percentiles, and checks the agenda book afterwards.
struct RegistryBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Load-test surat-registry: register / get / list / verify, percentiles, integrity check.")

    @Option(help: "Registry host:port.")
    var target = "127.0.0.1:7404"
    @Option(help: "Service token (its SHA-256 must be in the registry's serviceTokens). Default: $SURAT_BENCH_TOKEN or bench-token.")
    var token = ProcessInfo.processInfo.environment["SURAT_BENCH_TOKEN"] ?? "bench-token"
    @Option(help: "Signer key from `surat-bench keygen` (the registry must trust its bench-trusted-keys.json).")
    var signerKey = "bench-signer.key"
    @Option(help: "Concurrent callers.")
    var concurrency = 64
    @Option(help: "HTTP/2 connections the callers share.")
    var connections = 2
    @Option(help: "Seconds to run (ignored when --count is given).")
    var duration: Double = 10
    @Option(help: "Total operations to run instead of a duration.")
    var count: Int?
    @Option(help: "Target operations per second over all callers (open loop, latency counted from the scheduled start); 0 = closed loop.")
    var rate: Double = 0
    @Option(help: "Operation weights, e.g. register=1 or register=1,get=8,list=1,verify=1.")
    var mix = "register=1"
    @Option(help: "Seconds of unrecorded warm-up before measuring.")
    var warmup: Double = 1
    @Option(help: "Registrations made first when the mix reads numbers (get/verify), besides the numbers already in the book.")
    var seed = 2000
    @Option(help: "Signed letters prepared before the run (default: enough for the run at 15k registrations/s).")
    var prepare: Int?
    @Option(help: "Recording unit of the letters (empty = the registry's default unit).")
    var unit = ""
    @Option(help: "Classification code of the letters.")
    var classification = "065"
    @Flag(help: "Print the result as JSON.")
    var json = false
    @Option(help: "Also write the JSON result to this file.")
    var output: String?
    @Flag(inversion: .prefixedNo, help: "Check the agenda book afterwards: no duplicate, no gap, every acknowledged registration present.")
    var check = true

    func run() async throws {
        let weights = try parseMix(mix)
        let signer = try BenchSigner.load(path: signerKey)
        let (host, port) = try parseEndpoint(target)
        let clients = try (0..<max(1, connections)).map { _ in try RPCClient(host: host, port: port) }
        let metadata = ServiceMetadata.make(token: token, actor: ActorIdentity(id: "bench-clerk", name: "Bench Clerk", role: .stafUmum))
        let runTag = String(UUID().uuidString.prefix(8)).lowercased()

        // Signed letters are prepared up front: signing is the signing service's work, not the
        // registry's, and would otherwise compete with the registry for this machine's two cores.
        let registerShare = Double(weights[.register] ?? 0) / Double(weights.values.reduce(0, +))
        var prepared = 0
        if registerShare > 0 {
            let expected = count.map { Double($0) } ?? ((rate > 0 ? rate : 15_000) * (duration + warmup))
            prepared = prepare ?? Int(expected * registerShare * 1.1) + concurrency
        }
        let needsNumbers = (weights[.get] ?? 0) + (weights[.verify] ?? 0) > 0
        let seedCount = needsNumbers ? seed : 0
        log("preparing \(prepared + seedCount) signed letters…")
        let pool = try await prepareLetters(prepared + seedCount, signer: signer, runTag: runTag)
        let state = RunState(pool: pool)

        if needsNumbers {
            // Reads target numbers already in the book (up to 50,000), then this run's seed letters.
            var request = RegistryAPI.ListAgendaRequest()
            request.pageSize = 1000
            var known = 0
            repeat {
                let page = try await clients[0].call(RegistryAPI.listAgenda, request, metadata: metadata, timeout: .seconds(60))
                for entry in page.entries { state.addNumber(entry.number) }
                known += page.entries.count
                request.pageToken = page.nextPageToken
            } while !request.pageToken.isEmpty && known < 50_000
            log("\(known) registered numbers loaded for get/verify")
        }
        if seedCount > 0 {
            log("seeding \(seedCount) registrations…")
            try await runPhase(state: state, clients: clients, metadata: metadata, weights: [.register: 1], until: .count(seedCount),
                               record: false, rate: 0, signer: signer, runTag: runTag)
        }
        if warmup > 0 {
            log("warming up \(warmup) s…")
            try await runPhase(state: state, clients: clients, metadata: metadata, weights: weights,
                               until: .time(.milliseconds(Int(warmup * 1000))), record: false, rate: rate, signer: signer, runTag: runTag)
        }
        log("running \(count.map { "\($0) operations" } ?? "\(duration) s") with \(concurrency) callers, mix \(mix)\(rate > 0 ? ", \(Int(rate))/s" : ", closed loop")…")
        let elapsed = try await runPhase(state: state, clients: clients, metadata: metadata, weights: weights,
                                         until: count.map { .count($0) } ?? .time(.milliseconds(Int(duration * 1000))),
                                         record: true, rate: rate, signer: signer, runTag: runTag)
        var result = BenchResult(target: target, concurrency: concurrency, connections: clients.count, mix: mix,
                                 rate: rate, seconds: elapsed, operations: [:], integrity: nil)
        for op in Operation.allCases {
            let merged = state.merged(op)
            guard merged.count + merged.errors > 0 else { continue }
            result.operations[op.rawValue] = OperationResult(merged, seconds: elapsed)
        }
        if check {
            log("checking the agenda book…")
            result.integrity = try await integrityCheck(state: state, client: clients[0], metadata: metadata)
        }
        print(json ? result.json : result.text)
        if let output { try Data(result.json.utf8).write(to: URL(fileURLWithPath: output)) }
        for client in clients { await client.close() }
        if let integrity = result.integrity, !integrity.passed { throw ExitCode(2) }
    }

    // MARK: Running

    enum Stop { case time(Duration), count(Int) }

    @discardableResult
    func runPhase(state: RunState, clients: [RPCClient], metadata: Metadata, weights: [Operation: Int], until stop: Stop,
                  record: Bool, rate: Double, signer: BenchSigner, runTag: String) async throws -> Double {
        state.resetPhase()
        let start = ContinuousClock.now
        let deadline: ContinuousClock.Instant? = if case .time(let length) = stop { start + length } else { nil }
        let limit: Int? = if case .count(let total) = stop { total } else { nil }
        let table = weights.flatMap { op, weight in Array(repeating: op, count: weight) }
        let interval: Duration? = rate > 0 ? .nanoseconds(Int64(1e9 * Double(concurrency) / rate)) : nil

        let progress = Task {
            var last = 0
            var tick = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                tick += 1
                let done = state.completed.load(ordering: .relaxed)
                let errors = state.errors.load(ordering: .relaxed)
                log(String(format: "  %5ds  %9d ops  %8d ops/s  errors %d", tick, done, done - last, errors))
                last = done
            }
        }
        defer { progress.cancel() }

        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                let client = clients[worker % clients.count]
                group.addTask {
                    var local = WorkerStats()
                    var generator = SystemRandomNumberGenerator()
                    var scheduled = start + (interval.map { $0 * Double(worker) / Double(concurrency) } ?? .zero)
                    while true {
                        if let deadline, ContinuousClock.now >= deadline { break }
                        if let limit {
                            guard state.issued.add(1, ordering: .relaxed).newValue <= limit else { break }
                        }
                        var began = ContinuousClock.now
                        if let interval {
                            if scheduled > began { try? await Task.sleep(until: scheduled); began = scheduled } else { began = scheduled }
                            scheduled += interval
                        }
                        let op = table[Int.random(in: 0..<table.count, using: &generator)]
                        do {
                            try await perform(op, state: state, client: client, metadata: metadata, local: &local,
                                              generator: &generator, signer: signer, runTag: runTag)
                            if record { local.record(op, microseconds: (ContinuousClock.now - began).microseconds) }
                        } catch {
                            local.fail(op, error: error)
                            state.errors.add(1, ordering: .relaxed)
                        }
                        state.completed.add(1, ordering: .relaxed)
                    }
                    state.merge(local, record: record)
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        progress.cancel()
        await progress.value
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    func perform(_ op: Operation, state: RunState, client: RPCClient, metadata: Metadata, local: inout WorkerStats,
                 generator: inout SystemRandomNumberGenerator, signer: BenchSigner, runTag: String) async throws {
        switch op {
        case .register:
            let request = try state.nextLetter() ?? signer.registration(classification: classification, unit: unit,
                                                                         subject: "Undangan rapat koordinasi \(runTag)")
            let response = try await client.call(RegistryAPI.register, request, metadata: metadata, timeout: .seconds(30))
            guard let entry = response.entry else { throw BenchError("Register answered without an entry") }
            local.acknowledged.append(Acknowledged(letterID: request.letterID, number: entry.number, scope: entry.scope,
                                                   sequence: entry.sequence))
            state.addNumber(entry.number)
        case .get:
            guard let number = state.randomNumber(using: &generator) else { throw BenchError("no numbers to get yet") }
            let response = try await client.call(RegistryAPI.getEntry, RegistryAPI.GetEntryRequest(number: number),
                                                 metadata: metadata, timeout: .seconds(30))
            guard response.entry?.number == number else { throw BenchError("GetEntry returned another entry") }
        case .list:
            var request = RegistryAPI.ListAgendaRequest()
            request.pageSize = 20
            request.classification = classification
            _ = try await client.call(RegistryAPI.listAgenda, request, metadata: metadata, timeout: .seconds(30))
        case .verify:
            guard let number = state.randomNumber(using: &generator) else { throw BenchError("no numbers to verify yet") }
            let response = try await client.call(RegistryAPI.verifyReceipt, RegistryAPI.VerifyReceiptRequest(number: number),
                                                 metadata: metadata, timeout: .seconds(30))
            guard response.valid else { throw BenchError("receipt of \(number) did not verify: \(response.detail)") }
        }
    }

    func prepareLetters(_ total: Int, signer: BenchSigner, runTag: String) async throws -> [RegistryAPI.RegisterRequest] {
        guard total > 0 else { return [] }
        let parts = 4
        let classification = classification, unit = unit
        return try await withThrowingTaskGroup(of: [RegistryAPI.RegisterRequest].self) { group in
            for part in 0..<parts {
                let share = total / parts + (part < total % parts ? 1 : 0)
                group.addTask {
                    try (0..<share).map { index in
                        try signer.registration(classification: classification, unit: unit,
                                                subject: "Undangan rapat koordinasi \(runTag) \(part)-\(index)")
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    // MARK: Integrity

    func integrityCheck(state: RunState, client: RPCClient, metadata: Metadata) async throws -> IntegrityResult {
        let acknowledged = state.allAcknowledged()
        var problems: [String] = []
        var ackNumbers: [String: String] = [:]
        for ack in acknowledged {
            if let other = ackNumbers[ack.number], other != ack.letterID {
                problems.append("number \(ack.number) acknowledged for two letters (\(other), \(ack.letterID))")
            }
            ackNumbers[ack.number] = ack.letterID
        }
        // Read back every scope this run touched, in full.
        let scopes = Set(acknowledged.map(\.scope))
        var stored: [String: String] = [:]  // letter id -> number
        var sequences: [String: [Int64]] = [:]
        var request = RegistryAPI.ListAgendaRequest()
        request.pageSize = 1000
        var pages = 0
        repeat {
            let page = try await client.call(RegistryAPI.listAgenda, request, metadata: metadata, timeout: .seconds(60))
            for entry in page.entries where scopes.contains(entry.scope) {
                if stored[entry.letterID] != nil { problems.append("letter \(entry.letterID) appears twice in the book") }
                stored[entry.letterID] = entry.number
                sequences[entry.scope, default: []].append(entry.sequence)
            }
            request.pageToken = page.nextPageToken
            pages += 1
        } while !request.pageToken.isEmpty
        for (scope, values) in sequences {
            let sorted = values.sorted()
            if sorted != Array(1...Int64(sorted.count)) {
                let duplicates = sorted.count - Set(sorted).count
                problems.append("scope \(scope): \(sorted.count) entries, max sequence \(sorted.last ?? 0), \(duplicates) duplicate(s): not gapless")
            }
        }
        var missing = 0
        for ack in acknowledged where stored[ack.letterID] != ack.number {
            missing += 1
            if missing <= 5 { problems.append("acknowledged \(ack.number) for letter \(ack.letterID) is not in the book as such") }
        }
        if missing > 5 { problems.append("… \(missing) acknowledged registrations missing in all") }
        return IntegrityResult(passed: problems.isEmpty, acknowledged: acknowledged.count, storedInScopes: stored.count,
                               scopes: scopes.sorted(), problems: problems)
    }
}

// MARK: - State shared by the callers

enum Operation: String, CaseIterable, Sendable { case register, get, list, verify }

struct Acknowledged: Sendable {
    var letterID: String
    var number: String
    var scope: String
    var sequence: Int64
}

struct WorkerStats {
    var histograms: [Operation: Histogram<UInt64>] = [:]
    var errors: [Operation: Int] = [:]
    var firstErrors: [Operation: String] = [:]
    var acknowledged: [Acknowledged] = []

    mutating func record(_ op: Operation, microseconds: UInt64) {
        if histograms[op] == nil { histograms[op] = Histogram(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three) }
        _ = histograms[op]!.record(max(1, microseconds))
    }

    mutating func fail(_ op: Operation, error: any Error) {
        errors[op, default: 0] += 1
        if firstErrors[op] == nil { firstErrors[op] = "\(error)" }
    }
}

final class RunState: Sendable {
    let completed = Atomic<Int>(0)
    let errors = Atomic<Int>(0)
    let issued = Atomic<Int>(0)
    private let poolIndex = Atomic<Int>(0)
    private let pool: [RegistryAPI.RegisterRequest]
    private let numbers = Mutex<[String]>([])
    private let stats = Mutex<(histograms: [Operation: Histogram<UInt64>], errors: [Operation: Int], firstErrors: [Operation: String])>(([:], [:], [:]))
    private let acknowledged = Mutex<[Acknowledged]>([])

    init(pool: [RegistryAPI.RegisterRequest]) { self.pool = pool }

    func resetPhase() {
        completed.store(0, ordering: .relaxed)
        errors.store(0, ordering: .relaxed)
        issued.store(0, ordering: .relaxed)
    }

    func nextLetter() -> RegistryAPI.RegisterRequest? {
        let index = poolIndex.add(1, ordering: .relaxed).oldValue
        return index < pool.count ? pool[index] : nil
    }

    func addNumber(_ number: String) { numbers.withLock { $0.append(number) } }

    func randomNumber(using generator: inout SystemRandomNumberGenerator) -> String? {
        numbers.withLock { $0.isEmpty ? nil : $0[Int.random(in: 0..<$0.count, using: &generator)] }
    }

    func merge(_ local: WorkerStats, record: Bool) {
        acknowledged.withLock { $0 += local.acknowledged }
        guard record else { return }
        stats.withLock { stats in
            for (op, histogram) in local.histograms {
                if stats.histograms[op] == nil { stats.histograms[op] = histogram } else { stats.histograms[op]!.add(histogram) }
            }
            for (op, count) in local.errors { stats.errors[op, default: 0] += count }
            for (op, text) in local.firstErrors where stats.firstErrors[op] == nil { stats.firstErrors[op] = text }
        }
    }

    func merged(_ op: Operation) -> (histogram: Histogram<UInt64>?, count: Int, errors: Int, firstError: String?) {
        stats.withLock { stats in
            let histogram = stats.histograms[op]
            return (histogram, Int(histogram?.totalCount ?? 0), stats.errors[op] ?? 0, stats.firstErrors[op])
        }
    }

    func allAcknowledged() -> [Acknowledged] { acknowledged.withLock { $0 } }
}

// MARK: - Results

struct OperationResult: Codable {
    var count: Int
    var errors: Int
    var firstError: String?
    var perSecond: Double
    var meanMs: Double
    var p50Ms: Double
    var p90Ms: Double
    var p99Ms: Double
    var p999Ms: Double
    var maxMs: Double

    init(_ merged: (histogram: Histogram<UInt64>?, count: Int, errors: Int, firstError: String?), seconds: Double) {
        count = merged.count
        errors = merged.errors
        firstError = merged.firstError
        perSecond = Double(merged.count) / seconds
        func ms(_ value: UInt64) -> Double { Double(value) / 1000 }
        let h = merged.histogram
        meanMs = (h?.mean ?? 0) / 1000
        p50Ms = ms(h?.valueAtPercentile(50) ?? 0)
        p90Ms = ms(h?.valueAtPercentile(90) ?? 0)
        p99Ms = ms(h?.valueAtPercentile(99) ?? 0)
        p999Ms = ms(h?.valueAtPercentile(99.9) ?? 0)
        maxMs = ms(h?.max ?? 0)
    }
}

struct IntegrityResult: Codable {
    var passed: Bool
    var acknowledged: Int
    var storedInScopes: Int
    var scopes: [String]
    var problems: [String]
}

struct BenchResult: Codable {
    var target: String
    var concurrency: Int
    var connections: Int
    var mix: String
    var rate: Double
    var seconds: Double
    var operations: [String: OperationResult]
    var integrity: IntegrityResult?

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    var text: String {
        var lines = [String(format: "surat-bench registry  target %@  callers %d  connections %d  mix %@  %@  %.1f s",
                            target, concurrency, connections, mix, rate > 0 ? "rate \(Int(rate))/s" : "closed loop", seconds)]
        lines.append("op        count     ops/s    errors   mean ms   p50 ms   p90 ms   p99 ms  p99.9 ms   max ms")
        for (name, op) in operations.sorted(by: { $0.key < $1.key }) {
            lines.append(String(format: "%-8@ %7d %9.0f %9d %9.2f %8.2f %8.2f %8.2f %9.2f %8.2f", name, op.count, op.perSecond, op.errors,
                                op.meanMs, op.p50Ms, op.p90Ms, op.p99Ms, op.p999Ms, op.maxMs))
            if let first = op.firstError { lines.append("         first error: \(first)") }
        }
        if let integrity {
            lines.append("integrity: \(integrity.passed ? "PASSED" : "FAILED") — \(integrity.acknowledged) acknowledged registrations, \(integrity.storedInScopes) entries in scope(s) \(integrity.scopes.joined(separator: ", ")): no duplicates, no gaps, all present"
                .replacingOccurrences(of: ": no duplicates, no gaps, all present", with: integrity.passed ? ": no duplicates, no gaps, all present" : ""))
            for problem in integrity.problems { lines.append("  - \(problem)") }
        }
        return lines.joined(separator: "\n")
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    var microseconds: UInt64 {
        let (seconds, attoseconds) = components
        return UInt64(max(0, seconds)) * 1_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000_000)
    }
}

func log(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

func parseEndpoint(_ text: String) throws -> (String, Int) {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
        throw ValidationError("--target must be host:port")
    }
    return (String(text[..<colon]), port)
}

func parseMix(_ text: String) throws -> [Operation: Int] {
    var weights: [Operation: Int] = [:]
    for part in text.split(separator: ",") {
        let pieces = part.split(separator: "=")
        guard let name = pieces.first, let op = Operation(rawValue: String(name)) else {
            throw ValidationError("--mix: unknown operation in \(part) (register, get, list, verify)")
        }
        let weight = pieces.count > 1 ? Int(pieces[1]) : 1
        guard let weight, weight >= 0 else { throw ValidationError("--mix: weight of \(name) must be a whole number") }
        weights[op] = weight
    }
    guard weights.values.reduce(0, +) > 0 else { throw ValidationError("--mix needs a positive weight") }
    return weights.filter { $0.value > 0 }
}
