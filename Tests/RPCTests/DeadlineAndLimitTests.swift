import EchoService
import Foundation
@testable import RPC
import Testing

@Suite("Deadlines, cancellation and size limits", .timeLimit(.minutes(10)))
struct DeadlineAndLimitTests {
    /// A service whose handler waits until cancelled and records that it was.
    static func waitingService(started: Flag, cancelled: Flag) -> (ServiceDescriptor, RPCMethod<EchoRequest, EchoResponse>) {
        let method = RPCMethod<EchoRequest, EchoResponse>(service: "test.Waiting", name: "Wait")
        var service = ServiceDescriptor(name: "test.Waiting")
        service.unary(method) { _, _ in
            await started.set()
            do {
                try await Task.sleep(for: .seconds(30))
            } catch {
                await cancelled.set()
                throw error
            }
            return EchoResponse(text: "finished")
        }
        return (service, method)
    }

    @Test func deadlineExceededReachesClientAndCancelsHandler() async throws {
        let started = Flag(), cancelled = Flag()
        let (service, method) = Self.waitingService(started: started, cancelled: cancelled)
        try await withServer(services: [service, EchoAPI.service()]) { _, client in
            // Connect first, so the deadline is spent in the handler and not on a busy machine's connect.
            _ = try await client.call(EchoAPI.echo, EchoRequest(text: "warm up"))
            let error = await rpcError { _ = try await client.call(method, EchoRequest(), timeout: .milliseconds(300)) }
            #expect(error?.code == .deadlineExceeded)
            #expect(await started.wait(), "the call reached the handler")
            #expect(await cancelled.wait(), "the server cancelled the handler when the deadline passed")
        }
    }

    @Test func clientCancellationCancelsTheHandler() async throws {
        let started = Flag(), cancelled = Flag()
        let (service, method) = Self.waitingService(started: started, cancelled: cancelled)
        try await withServer(services: [service, EchoAPI.service()]) { _, client in
            let call = Task { try await client.call(method, EchoRequest()) }
            #expect(await started.wait())
            call.cancel()
            let error = await rpcError { _ = try await call.value }
            #expect(error?.code == .cancelled)
            #expect(await cancelled.wait(), "RST_STREAM(CANCEL) reached the server and cancelled the handler")
            // The connection is still good for other calls.
            let value1 = try await client.call(EchoAPI.echo, EchoRequest(text: "after"))
            #expect(value1.text == "after")
        }
    }

    @Test func messagesNearTheLimitPassAndOverItAreRejected() async throws {
        var configuration = ServerConfiguration()
        configuration.maxReceiveMessageSize = 1 << 20
        try await withServer(configuration: configuration) { _, client in
            // The encoded request is the payload plus a 4-byte field header.
            let fits = Data(repeating: 7, count: (1 << 20) - 4)
            let response = try await client.call(EchoAPI.echo, EchoRequest(payload: fits))
            #expect(response.payload == fits)
            let tooLarge = Data(repeating: 7, count: 1 << 20)
            let error = await rpcError { _ = try await client.call(EchoAPI.echo, EchoRequest(payload: tooLarge)) }
            #expect(error?.code == .resourceExhausted)
            // And the connection survives it.
            let value2 = try await client.call(EchoAPI.echo, EchoRequest(text: "ok"))
            #expect(value2.text == "ok")
        }
    }

    @Test func responsesOverTheClientLimitAreRejected() async throws {
        try await withServer { server, _ in
            let client = try RPCClient(host: "127.0.0.1", port: server.localPort, maxReceiveMessageSize: 1000)
            defer { Task { await client.close() } }
            let small = try await client.call(EchoAPI.echo, EchoRequest(responseSize: 900))
            #expect(small.payload.count == 900)
            let error = await rpcError { _ = try await client.call(EchoAPI.echo, EchoRequest(responseSize: 5000)) }
            #expect(error?.code == .resourceExhausted)
        }
    }

    @Test func timeoutHeaderFormatsAndParsesEveryUnit() throws {
        #expect(GRPCProtocol.parseTimeout("1H") == .seconds(3600))
        #expect(GRPCProtocol.parseTimeout("2M") == .seconds(120))
        #expect(GRPCProtocol.parseTimeout("3S") == .seconds(3))
        #expect(GRPCProtocol.parseTimeout("40m") == .milliseconds(40))
        #expect(GRPCProtocol.parseTimeout("50u") == .microseconds(50))
        #expect(GRPCProtocol.parseTimeout("60n") == .nanoseconds(60))
        #expect(GRPCProtocol.parseTimeout("12345678S") == .seconds(12_345_678))
        #expect(GRPCProtocol.parseTimeout("123456789S") == nil, "more than 8 digits")
        #expect(GRPCProtocol.parseTimeout("S") == nil)
        #expect(GRPCProtocol.parseTimeout("10x") == nil)
        #expect(GRPCProtocol.parseTimeout("-1S") == nil)
        for duration: Duration in [.nanoseconds(1), .milliseconds(250), .seconds(90), .seconds(86_400 * 400)] {
            let text = GRPCProtocol.formatTimeout(duration)
            #expect(text.count <= 9)
            let parsed = try #require(GRPCProtocol.parseTimeout(text))
            #expect(parsed >= duration, "never shorter than asked")
        }
    }
}
