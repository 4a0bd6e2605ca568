import EchoService
import Foundation
@testable import RPC
import Testing

/// An answer nghttp2 cannot send (here: a header block over its 64 KiB send limit) resets the
/// stream with INTERNAL_ERROR, so the client learns at once instead of waiting for its deadline.
@Suite("Answers that cannot be sent", .timeLimit(.minutes(2)))
struct SendFailureTests {
    static let method = RPCMethod<EchoRequest, EchoResponse>(service: "test.Oversized", name: "Answer")

    /// Answers with a 70,000-byte response header or trailer when the request's text asks for one.
    static func service() -> ServiceDescriptor {
        var service = ServiceDescriptor(name: "test.Oversized")
        service.unaryWithMetadata(method) { request, _ in
            let big = String(repeating: "v", count: 70_000)
            switch request.text {
            case "trailer": return ServerResponse(EchoResponse(text: "answer"), trailers: ["x-big": big])
            case "header": return ServerResponse(EchoResponse(text: "answer"), headers: ["x-big": big])
            default: return ServerResponse(EchoResponse(text: "answer"))
            }
        }
        return service
    }

    @Test(arguments: ["trailer", "header"])
    func anAnswerTooLargeToSendResetsTheStream(part: String) async throws {
        try await withServer(services: [Self.service(), EchoAPI.service()]) { _, client in
            // A deadline far beyond the test's time limit: only the reset can end the call in time.
            let error = await rpcError {
                _ = try await client.call(Self.method, EchoRequest(text: part), timeout: .seconds(600))
            }
            #expect(error?.code == .internalError, "got \(String(describing: error))")
            // The connection is still good for other calls.
            let small = try await client.call(Self.method, EchoRequest(text: "small"))
            #expect(small.text == "answer")
            let after = try await client.call(EchoAPI.echo, EchoRequest(text: "after"))
            #expect(after.text == "after")
        }
    }
}
