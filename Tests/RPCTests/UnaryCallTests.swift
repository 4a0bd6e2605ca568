import EchoService
import Foundation
import Logging
import RPC
import Testing

@Suite("Unary calls between our server and our client", .timeLimit(.minutes(10)))
struct UnaryCallTests {
    @Test func echoRoundTrip() async throws {
        try await withServer { _, client in
            let request = EchoRequest(text: "Surat keluar nomor 065/87/416-313/2025 ✉️", payload: Data([0, 1, 2, 255]))
            let response = try await client.call(EchoAPI.echo, request)
            #expect(response.text == request.text)
            #expect(response.payload == request.payload)
        }
    }

    @Test("every non-OK status code reaches the client with its message", arguments: 1...16)
    func statusCodes(code: Int) async throws {
        try await withServer { _, client in
            let message = "gagal: kode \(code) — 100% ✗"
            let error = await rpcError {
                _ = try await client.call(EchoAPI.echo, EchoRequest(failCode: Int32(code), failMessage: message))
            }
            #expect(error?.code == RPCError.Code(rawValue: code))
            #expect(error?.message == message)
        }
    }

    @Test func errorsThatAreNotRPCErrorsBecomeUnknownWithoutDetails() async throws {
        struct SecretFailure: Error { let path = "/var/lib/secret.db" }
        struct Converted: RPCErrorConvertible {
            var rpcError: RPCError { RPCError(.failedPrecondition, "letter is not approved yet") }
        }
        let leaky = RPCMethod<EchoRequest, EchoResponse>(service: "test.Errors", name: "Leaky")
        let domain = RPCMethod<EchoRequest, EchoResponse>(service: "test.Errors", name: "Domain")
        var service = ServiceDescriptor(name: "test.Errors")
        service.unary(leaky) { _, _ in throw SecretFailure() }
        service.unary(domain) { _, _ in throw Converted() }
        try await withServer(services: [service]) { _, client in
            let unknown = await rpcError { _ = try await client.call(leaky, EchoRequest()) }
            #expect(unknown?.code == .unknown)
            #expect(unknown?.message.contains("secret") == false)
            let converted = await rpcError { _ = try await client.call(domain, EchoRequest()) }
            #expect(converted?.code == .failedPrecondition)
            #expect(converted?.message == "letter is not approved yet")
        }
    }

    @Test func unknownMethodIsUnimplemented() async throws {
        try await withServer { _, client in
            let missing = RPCMethod<EchoRequest, EchoResponse>(service: EchoAPI.serviceName, name: "NoSuchMethod")
            let error = await rpcError { _ = try await client.call(missing, EchoRequest()) }
            #expect(error?.code == .unimplemented)
            #expect(error?.message.contains("NoSuchMethod") == true)
        }
    }

    @Test func metadataTravelsBothWaysIncludingBinary() async throws {
        try await withServer { _, client in
            var metadata = Metadata()
            metadata.add("x-echo-request-id", "req-42")
            metadata.addBinary("x-echo-signature-bin", [0, 255, 128, 7])
            let response = try await client.callWithMetadata(EchoAPI.echo, EchoRequest(text: "hi"), metadata: metadata)
            #expect(response.headers["x-echo-request-id"] == "req-42")
            #expect(response.headers.binary("x-echo-signature-bin") == [0, 255, 128, 7])
            #expect(response.trailers["x-echo-trailer"] == "done")
        }
    }

    @Test func errorMetadataArrivesAsTrailers() async throws {
        let method = RPCMethod<EchoRequest, EchoResponse>(service: "test.Trailers", name: "Fail")
        var service = ServiceDescriptor(name: "test.Trailers")
        service.unary(method) { _, _ in
            var metadata = Metadata()
            metadata.add("x-field", "subject")
            throw RPCError(.invalidArgument, "subject is empty", metadata: metadata)
        }
        try await withServer(services: [service]) { _, client in
            let error = await rpcError { _ = try await client.call(method, EchoRequest()) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.metadata["x-field"] == "subject")
        }
    }

    @Test func manyConcurrentCallsShareOneConnection() async throws {
        try await withServer { _, client in
            let count = 2000
            let texts = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<count {
                    group.addTask { try await client.call(EchoAPI.echo, EchoRequest(text: "call \(index)")).text }
                }
                var texts: Set<String> = []
                for try await text in group { texts.insert(text) }
                return texts
            }
            #expect(texts.count == count)
            #expect(texts.contains("call 1999"))
        }
    }

    @Test func interceptorsRunAroundCallsInOrder() async throws {
        struct Tagging: ServerInterceptor {
            let tag: String
            let log: Log
            func intercept<Response: Sendable>(context: ServerContext, next: @Sendable (ServerContext) async throws -> Response) async throws -> Response {
                await log.append("\(tag) before")
                let response = try await next(context)
                await log.append("\(tag) after")
                return response
            }
        }
        let log = Log()
        try await withServer(interceptors: [Tagging(tag: "outer", log: log), Tagging(tag: "inner", log: log)]) { _, client in
            _ = try await client.call(EchoAPI.echo, EchoRequest(text: "x"))
        }
        #expect(await log.entries == ["outer before", "inner before", "inner after", "outer after"])
    }
}

actor Log {
    private(set) var entries: [String] = []
    func append(_ entry: String) { entries.append(entry) }
}
