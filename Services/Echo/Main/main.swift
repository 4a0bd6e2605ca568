// surat-echo: the example service on its own, for tests and the h2load benchmark.
// Logs `listening on HOST:PORT` once it accepts calls; SIGTERM/SIGINT shut it down gracefully.
import Dispatch
import EchoService
import Foundation
import Logging
import Observability
import ProtoDescriptors
import RPC

let level = ProcessInfo.processInfo.environment["SURAT_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardOutput(label: label)
    handler.logLevel = level
    return handler
}
let logger = Logger(label: "surat.echo")

BuildInfo.handleVersionFlag(executable: "surat-echo")
var options: EchoOptions
do {
    options = try EchoOptions.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("surat-echo: \(error)\n\(EchoOptions.usage)\n".utf8))
    exit(2)
}

do {
    // Metrics on: the same observer and Prometheus backend the services use, so deploy/bench-rpc
    // measures what metrics cost the transport (on and off in one run).
    var metricsEndpoint: MetricsEndpoint?
    if let port = options.metricsPort {
        let metrics = ServiceMetrics.bootstrap()
        metrics.registerProcessMetrics(service: "surat-echo")
        let endpoint = try await MetricsEndpoint.bind(host: "127.0.0.1", port: port, metrics: metrics, logger: logger)
        options.configuration.observer = RPCMetrics()
        logger.info("metrics on 127.0.0.1:\(endpoint.localPort)")
        metricsEndpoint = endpoint
        Task { try await endpoint.run() }
    }
    let server = try RPCServer(configuration: options.configuration, services: [EchoAPI.service()],
                               authenticator: options.token.map(EchoTokenAuthenticator.init(token:)),
                               descriptorFiles: ProtoDescriptors.all, logger: logger)
    let signalSources = onTerminationSignals { Task { await server.shutdownGracefully() } }
    try await server.run()
    metricsEndpoint?.close()
    signalSources.forEach { $0.cancel() }
} catch {
    logger.critical("surat-echo failed: \(error)")
    exit(1)
}
