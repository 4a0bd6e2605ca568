import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One sample of the Prometheus text format: `name{label="value",...} number`.
struct MetricSample: Sendable {
    var name: String
    var labels: [String: String]
    var value: Double
}

/// Reads a service's `/metrics` (plain HTTP/1.1 on its metrics port) for `surat doctor`.
enum MetricsScrape {
    /// GETs `http://HOST:PORT/metrics` and parses it; throws with a readable reason.
    static func fetch(host: String, port: Int, timeout: TimeAmount = .seconds(3)) async throws -> [MetricSample] {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeout)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        let timer = channel.channel.eventLoop.scheduleTask(in: timeout) { channel.channel.close(promise: nil) }
        defer { timer.cancel() }
        let (status, body) = try await channel.executeThenClose { inbound, outbound in
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: "\(host):\(port)")
            headers.add(name: "Connection", value: "close")
            try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/metrics", headers: headers)))
            try await outbound.write(.end(nil))
            var status: HTTPResponseStatus = .internalServerError
            var body = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let head): status = head.status
                case .body(var chunk): body.writeBuffer(&chunk)
                case .end: return (status, body)
                }
            }
            return (status, body)
        }
        guard status == .ok else { throw DoctorFailure("metrics endpoint answered HTTP \(status.code)") }
        return parse(String(buffer: body))
    }

    /// Parses the text exposition format (0.0.4): comments skipped, label values unescaped.
    static func parse(_ text: String) -> [MetricSample] {
        var samples: [MetricSample] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            var name = "", labels: [String: String] = [:]
            var rest = Substring(line)
            if let brace = rest.firstIndex(of: "{") {
                name = String(rest[..<brace])
                rest = rest[rest.index(after: brace)...]
                // key="value" pairs up to the closing brace; values may contain escaped quotes.
                while let equals = rest.firstIndex(of: "=") {
                    let key = rest[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: ", "))
                    rest = rest[rest.index(after: equals)...]
                    guard rest.first == "\"" else { break }
                    rest = rest.dropFirst()
                    var value = ""
                    var escaped = false
                    while let character = rest.first {
                        rest = rest.dropFirst()
                        if escaped {
                            value.append(character == "n" ? "\n" : character)
                            escaped = false
                        } else if character == "\\" {
                            escaped = true
                        } else if character == "\"" {
                            break
                        } else {
                            value.append(character)
                        }
                    }
                    labels[key] = value
                    if rest.first == "," { rest = rest.dropFirst() }
                    if rest.first == "}" { break }
                }
                guard let close = rest.firstIndex(of: "}") else { continue }
                rest = rest[rest.index(after: close)...]
            } else if let space = rest.firstIndex(of: " ") {
                name = String(rest[..<space])
                rest = rest[space...]
            } else {
                continue
            }
            let fields = rest.split(separator: " ")
            guard let first = fields.first, let value = Double(first) else { continue }
            samples.append(MetricSample(name: name, labels: labels, value: value))
        }
        return samples
    }
}
