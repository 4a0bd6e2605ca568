import EchoService
import Foundation
import Logging
import NIOConcurrencyHelpers
import RPC
import Testing

/// Records log entries so a test can read what the server logged.
struct CapturingLogHandler: LogHandler {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    let entries: NIOLockedValueBox<[Entry]>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }.mapValues { "\($0)" }
        entries.withLockedValue { $0.append(Entry(level: event.level, message: "\(event.message)", metadata: merged)) }
    }
}

@Suite("LoggingInterceptor", .timeLimit(.minutes(10)))
struct LoggingInterceptorTests {
    @Test func logsOutcomesAndKeepsFailureCausesInTheLogOnly() async throws {
        struct DiskFull: Error, CustomStringConvertible { var description: String { "disk full at /var/lib/surat" } }
        let broken = RPCMethod<EchoRequest, EchoResponse>(service: "test.Logged", name: "Broken")
        let fine = RPCMethod<EchoRequest, EchoResponse>(service: "test.Logged", name: "Fine")
        var service = ServiceDescriptor(name: "test.Logged")
        service.unary(broken) { _, _ in throw DiskFull() }
        service.unary(fine) { request, _ in EchoResponse(text: request.text) }

        let entries = NIOLockedValueBox<[CapturingLogHandler.Entry]>([])
        let logger = Logger(label: "test.logged") { _ in CapturingLogHandler(entries: entries) }
        let server = try RPCServer(configuration: ServerConfiguration(), services: [service],
                                   interceptors: [LoggingInterceptor()], logger: logger)
        try await server.start()
        let client = try RPCClient(host: "127.0.0.1", port: server.localPort)
        _ = try await client.call(fine, EchoRequest(text: "ok"))
        let error = await rpcError { _ = try await client.call(broken, EchoRequest()) }
        await client.close()
        await server.shutdownGracefully()

        #expect(error?.code == .unknown)
        #expect(error?.message.contains("disk full") == false, "the cause never reaches the client")
        let calls = entries.withLockedValue { $0 }.filter { $0.message == "call finished" }
        let success = try #require(calls.first { $0.metadata["rpc.method"] == "test.Logged/Fine" })
        #expect(success.level == .debug)
        #expect(success.metadata["rpc.status"] == "OK")
        let failure = try #require(calls.first { $0.metadata["rpc.method"] == "test.Logged/Broken" })
        #expect(failure.level == .error)
        #expect(failure.metadata["rpc.status"] == "UNKNOWN")
        #expect(failure.metadata["rpc.error"]?.contains("disk full at /var/lib/surat") == true)
        #expect(failure.metadata["rpc.peer"]?.hasPrefix("127.0.0.1:") == true)
    }
}
