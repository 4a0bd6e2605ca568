import EchoService
import Foundation
@testable import RPC
import Testing

/// The server's traffic counts (`ServerObserver.traffic`): kept per event loop, added up by
/// `snapshot()`.
@Suite("Server traffic counts", .timeLimit(.minutes(2)))
struct ServerTrafficTests {
    struct Counting: ServerObserver {
        let traffic = ServerTraffic(durationBuckets: [.milliseconds(1), .seconds(1)])
    }

    @Test func callsBytesAndConnectionsAreCountedAcrossLoops() async throws {
        let observer = Counting()
        var configuration = ServerConfiguration()
        configuration.observer = observer
        configuration.eventLoopThreads = 2
        try await withServer(configuration: configuration) { server, client in
            let second = try RPCClient(host: "127.0.0.1", port: server.localPort)
            for index in 0..<5 {
                _ = try await client.call(EchoAPI.echo, EchoRequest(text: "\(index)"))
                _ = try await second.call(EchoAPI.echo, EchoRequest(text: "\(index)"))
            }
            let refused = await rpcError { _ = try await client.call(EchoAPI.echo, EchoRequest(failCode: 5, failMessage: "nope")) }
            #expect(refused?.code == .notFound)
            let snapshot = observer.traffic.snapshot()
            let ok = snapshot.calls[.init(method: "surat.echo.v1.Echo/Echo", code: .ok)]
            let notFound = snapshot.calls[.init(method: "surat.echo.v1.Echo/Echo", code: .notFound)]
            #expect(ok?.count == 10)
            #expect(notFound?.count == 1)
            #expect(ok?.bucketCounts.count == 3)
            #expect(ok?.bucketCounts.reduce(0, +) == 10)
            #expect((ok?.totalNanoseconds ?? 0) > 0)
            #expect(snapshot.callsStarted == 11 && snapshot.callsFinished == 11 && snapshot.callsInFlight == 0)
            #expect(snapshot.connectionsOpened == 2 && snapshot.connectionsOpen == 2)
            #expect(snapshot.bytesReceived > 0 && snapshot.bytesSent > 0)
            await second.close()
        }
        // After the server stopped, every connection is closed and handed its counts over.
        let final = observer.traffic.snapshot()
        #expect(final.connectionsOpened == 2 && final.connectionsClosed == 2)
    }

    @Test func durationsFallInTheirBuckets() {
        let shard = TrafficShard(bucketBounds: [1_000_000, 1_000_000_000])
        var pending = ConnectionTraffic(bytesReceived: 7)
        let slot = shard.slot(for: "m")
        #expect(shard.slot(for: "other") != slot && shard.slot(for: "m") == slot)
        for duration in [Duration.microseconds(10), .milliseconds(1), .milliseconds(5), .seconds(3)] {
            shard.callStarted(&pending)
            shard.callFinished(slot: slot, code: .ok, duration: duration, &pending)
        }
        let counts = shard.snapshot()
        #expect(counts.calls[.init(method: "m", code: .ok)]?.bucketCounts == [2, 1, 1])
        #expect(counts.calls[.init(method: "m", code: .ok)]?.totalNanoseconds == 3_006_010_000)
        #expect(counts.bytesReceived == 7 && pending.bytesReceived == 0)
    }
}
