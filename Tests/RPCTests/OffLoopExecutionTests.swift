import EchoService
import Foundation
@testable import RPC
import Synchronization
import Testing

/// Heavy handlers run off the event loop (`HandlerExecution`, `ServerConfiguration.offLoopRequestSize`),
/// so one slow call does not stall the other connections on its loop. Every server here has ONE
/// event-loop thread: both connections share it. The assertions are about order, not time: the
/// slow call keeps its thread busy until it is cancelled, so if it held the loop, the small calls
/// on the other connection could not complete before it ended. Serialized: each busy loop holds
/// one of the few threads of Swift's global executor.
@Suite("Heavy handlers off the event loop", .serialized, .timeLimit(.minutes(3)))
struct OffLoopExecutionTests {
    /// Records, on the server, when the call marked `x-test-slow` has started and finished.
    final class SlowCallProbe: ServerInterceptor {
        let started = Atomic<Bool>(false)
        let finished = Atomic<Bool>(false)

        func intercept<Response: Sendable>(
            context: ServerContext, next: @Sendable (ServerContext) async throws -> Response
        ) async throws -> Response {
            guard context.metadata["x-test-slow"] != nil else { return try await next(context) }
            // Set without a suspension point before the handler's busy loop starts.
            started.store(true, ordering: .sequentiallyConsistent)
            defer { finished.store(true, ordering: .sequentiallyConsistent) }
            return try await next(context)
        }

        func waitUntilStarted() async throws {
            while !started.load(ordering: .sequentiallyConsistent) { try await Task.sleep(for: .milliseconds(5)) }
        }

        func waitUntilFinished() async throws {
            while !finished.load(ordering: .sequentiallyConsistent) { try await Task.sleep(for: .milliseconds(5)) }
        }
    }

    static let burnMethod = RPCMethod<EchoRequest, EchoResponse>(service: "test.Burn", name: "Burn")

    /// A busy loop (until cancelled) behind a method registered to run off the loop.
    static func burnService() -> ServiceDescriptor {
        var service = ServiceDescriptor(name: "test.Burn")
        service.unary(burnMethod, execution: .offEventLoop) { request, _ in
            let end = ContinuousClock.now + .milliseconds(request.burnMs)
            var state: UInt64 = 1
            while ContinuousClock.now < end, !Task.isCancelled {
                for _ in 0..<10_000 { state = state &* 6_364_136_223_846_793_005 &+ 1 }
            }
            return EchoResponse(text: "\(state)")
        }
        return service
    }

    /// Starts the slow call on `client`, waits until its handler runs, then makes small calls on
    /// a second connection and returns whether the slow handler had finished when they were done.
    /// The slow call is cancelled afterwards (its busy loop ends on cancellation).
    static func smallCallsFinishFirst(
        slow: @escaping @Sendable (RPCClient) async throws -> Void,
        configuration: ServerConfiguration = Self.oneLoop(), services: [ServiceDescriptor] = [EchoAPI.service()]
    ) async throws -> Bool {
        let probe = SlowCallProbe()
        return try await withServer(configuration: configuration, services: services, interceptors: [probe]) { server, client in
            let other = try RPCClient(host: "127.0.0.1", port: server.localPort)
            // Both connections are open and have called once before the slow call starts.
            _ = try await client.call(EchoAPI.echo, EchoRequest(text: "warm up"))
            _ = try await other.call(EchoAPI.echo, EchoRequest(text: "warm up"))
            let slowCall = Task { try await slow(client) }
            try await probe.waitUntilStarted()
            for index in 0..<20 {
                let reply = try await other.call(EchoAPI.echo, EchoRequest(text: "small \(index)"))
                #expect(reply.text == "small \(index)")
            }
            let slowHadFinished = probe.finished.load(ordering: .sequentiallyConsistent)
            slowCall.cancel()
            _ = await slowCall.result
            try await probe.waitUntilFinished()
            // The server is still sound afterwards.
            let after = try await other.call(EchoAPI.echo, EchoRequest(text: "after"))
            #expect(after.text == "after")
            await other.close()
            return !slowHadFinished
        }
    }

    static func oneLoop() -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.eventLoopThreads = 1
        return configuration
    }

    static let slowMetadata: Metadata = ["x-test-slow": "1"]

    @Test func aLargeRequestRunsOffTheLoop() async throws {
        // A request of offLoopRequestSize bytes or more runs off the loop without being asked to.
        let payload = Data(repeating: 1, count: 64 << 10)
        let smallFirst = try await Self.smallCallsFinishFirst(slow: { client in
            _ = try await client.call(EchoAPI.echo, EchoRequest(payload: payload, burnMs: 30_000),
                                                  metadata: Self.slowMetadata)
        })
        #expect(smallFirst, "the small calls on the other connection completed while the large one was still running")
    }

    @Test func aMethodRegisteredOffTheLoopRunsThere() async throws {
        let smallFirst = try await Self.smallCallsFinishFirst(slow: { client in
            _ = try await client.call(Self.burnMethod, EchoRequest(burnMs: 30_000), metadata: Self.slowMetadata)
        }, services: [EchoAPI.service(), Self.burnService()])
        #expect(smallFirst, "the small calls on the other connection completed while the slow one was still running")
    }

    /// The control: a small call of an ordinary method runs on the loop, so its busy loop does
    /// hold up the other connection (what the two tests above would see without the feature).
    @Test func aSmallCallOfAnOrdinaryMethodRunsOnTheLoop() async throws {
        let smallFirst = try await Self.smallCallsFinishFirst(slow: { client in
            _ = try await client.call(EchoAPI.echo, EchoRequest(burnMs: 500), metadata: Self.slowMetadata)
        })
        #expect(!smallFirst, "the busy loop on the event loop held up the other connection until it ended")
    }

    @Test func theSizeThresholdIsConfigurable() async throws {
        var configuration = Self.oneLoop()
        configuration.offLoopRequestSize = 16
        let smallFirst = try await Self.smallCallsFinishFirst(slow: { client in
            _ = try await client.call(EchoAPI.echo, EchoRequest(payload: Data(count: 32), burnMs: 30_000),
                                                  metadata: Self.slowMetadata)
        }, configuration: configuration)
        #expect(smallFirst)
    }
}
