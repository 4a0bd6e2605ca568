import Foundation
import RPC

/// The example echo service (proto-notes/surat/echo/v1/echo.proto): the transport tests and
/// the h2load benchmark run against it.
public enum EchoAPI {
    public static let serviceName = "surat.echo.v1.Echo"
    public static let echo = RPCMethod<EchoRequest, EchoResponse>(service: serviceName, name: "Echo")
}

public struct EchoRequest: Codable, Sendable, Equatable {
    public var text = ""
    public var payload = Data()
    public var failCode: Int32 = 0
    public var failMessage = ""
    public var delayMs: Int64 = 0
    public var responseSize: UInt32 = 0
    /// Milliseconds of CPU-bound work without an `await` (ends early when the call is
    /// cancelled): a stand-in for a handler that hashes or renders a lot.
    public var burnMs: Int64 = 0

    enum CodingKeys: Int, CodingKey {
        case text = 1, payload = 2, failCode = 3, failMessage = 4, delayMs = 5, responseSize = 6, burnMs = 7
    }

    public init(text: String = "", payload: Data = Data(), failCode: Int32 = 0, failMessage: String = "",
                delayMs: Int64 = 0, responseSize: UInt32 = 0, burnMs: Int64 = 0) {
        self.text = text
        self.payload = payload
        self.failCode = failCode
        self.failMessage = failMessage
        self.delayMs = delayMs
        self.responseSize = responseSize
        self.burnMs = burnMs
    }
}

public struct EchoResponse: Codable, Sendable, Equatable {
    public var text = ""
    public var payload = Data()

    enum CodingKeys: Int, CodingKey { case text = 1, payload = 2 }

    public init(text: String = "", payload: Data = Data()) {
        self.text = text
        self.payload = payload
    }
}

extension EchoAPI {
    /// The service with its handler.
    public static func service() -> ServiceDescriptor {
        var descriptor = ServiceDescriptor(name: serviceName)
        descriptor.unaryWithMetadata(echo) { request, context in
            if request.delayMs > 0 {
                try await Task.sleep(for: .milliseconds(request.delayMs))
            }
            if request.burnMs > 0 {
                burnCPU(until: .now + .milliseconds(request.burnMs))
                try Task.checkCancellation()
            }
            if request.failCode != 0 {
                throw RPCError(RPCError.Code(rawValue: Int(request.failCode)), request.failMessage)
            }
            var headers = Metadata()
            for entry in context.metadata where entry.name.hasPrefix("x-echo-") {
                switch entry.value {
                case .text(let text): headers.add(entry.name, text)
                case .binary(let bytes): headers.addBinary(entry.name, bytes)
                }
            }
            let payload = request.responseSize > 0 ? Data(count: Int(request.responseSize)) : request.payload
            return ServerResponse(EchoResponse(text: request.text, payload: payload), headers: headers,
                                  trailers: ["x-echo-trailer": "done"])
        }
        return descriptor
    }
}

/// Keeps the calling thread busy until `end` or until the current task is cancelled.
private func burnCPU(until end: ContinuousClock.Instant) {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    while ContinuousClock.now < end, !Task.isCancelled {
        for _ in 0..<10_000 { state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 }
    }
    // Keeps the loop from being optimised away.
    if state == 0 { print("", terminator: "") }
}
