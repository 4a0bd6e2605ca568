import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// A server's traffic as counts: connections, bytes, RST_STREAM and GOAWAY frames sent, and per
/// unary method and status the calls with a latency histogram. Counted per event loop: every
/// connection writes only its own loop's shard (an uncontended lock on memory no other core
/// touches, instead of shared counters whose cache lines travel between cores on every call),
/// and `snapshot()` adds the shards up when someone asks (a metrics scrape).
public final class ServerTraffic: Sendable {
    /// Upper bounds of the latency histogram's buckets (a last bucket takes everything above).
    public let durationBuckets: [Duration]
    private let bucketBounds: [Int64]
    private let shards = NIOLockedValueBox<[ObjectIdentifier: TrafficShard]>([:])

    public init(durationBuckets: [Duration]) {
        self.durationBuckets = durationBuckets.sorted()
        self.bucketBounds = self.durationBuckets.map(\.nanosecondsClamped)
    }

    /// Everything counted so far, summed over the event loops.
    public func snapshot() -> TrafficSnapshot {
        var total = TrafficSnapshot()
        for shard in shards.withLockedValue({ Array($0.values) }) {
            total.add(shard.snapshot())
        }
        return total
    }

    /// The shard of `eventLoop`; taken once per connection, then used only on that loop.
    func shard(for eventLoop: any EventLoop) -> TrafficShard {
        let key = ObjectIdentifier(eventLoop)
        return shards.withLockedValue { shards in
            if let shard = shards[key] { return shard }
            let shard = TrafficShard(bucketBounds: bucketBounds)
            shards[key] = shard
            return shard
        }
    }
}

/// Counts of a server's traffic (see `ServerTraffic`).
public struct TrafficSnapshot: Sendable {
    public var connectionsOpened = 0
    public var connectionsClosed = 0
    /// Bytes read from / written to sockets (TLS records included).
    public var bytesReceived = 0
    public var bytesSent = 0
    public var streamResetsSent = 0
    public var goAwaysSent = 0
    /// Unary calls started (before authentication: refused calls count too) and finished
    /// (answered, or abandoned by their client as CANCELLED). Streaming calls are not counted.
    public var callsStarted = 0
    public var callsFinished = 0
    /// Finished unary calls per method (`package.Service/Method`) and status code.
    public var calls: [CallKey: CallFigures] = [:]

    public var connectionsOpen: Int { connectionsOpened - connectionsClosed }
    public var callsInFlight: Int { callsStarted - callsFinished }

    public struct CallKey: Hashable, Sendable {
        public var method: String
        public var code: RPCError.Code
    }

    /// How many calls, their total duration, and how many fell in each histogram bucket
    /// (`bucketCounts[i]`: at most `durationBuckets[i]` and more than the bound before; the
    /// last entry counts the calls above every bound). Not cumulative.
    public struct CallFigures: Sendable {
        public var count = 0
        public var totalNanoseconds: Int64 = 0
        public var bucketCounts: [Int]
    }

    mutating func add(_ other: TrafficSnapshot) {
        connectionsOpened += other.connectionsOpened
        connectionsClosed += other.connectionsClosed
        bytesReceived += other.bytesReceived
        bytesSent += other.bytesSent
        streamResetsSent += other.streamResetsSent
        goAwaysSent += other.goAwaysSent
        callsStarted += other.callsStarted
        callsFinished += other.callsFinished
        for (key, figures) in other.calls {
            if var mine = calls[key] {
                mine.count += figures.count
                mine.totalNanoseconds += figures.totalNanoseconds
                for index in mine.bucketCounts.indices { mine.bucketCounts[index] += figures.bucketCounts[index] }
                calls[key] = mine
            } else {
                calls[key] = figures
            }
        }
    }
}

/// What one connection counted since it last handed its figures to its loop's shard: plain
/// integers, touched only on the connection's loop.
struct ConnectionTraffic {
    var bytesReceived = 0
    var bytesSent = 0
    var streamResetsSent = 0
    var goAwaysSent = 0

    var isEmpty: Bool { bytesReceived == 0 && bytesSent == 0 && streamResetsSent == 0 && goAwaysSent == 0 }
}

/// One event loop's counts. Written only from that loop, so its lock is never contended but by
/// a scrape. A call's figures are found by a slot number the connection keeps per route (no
/// string is hashed or retained on a call: a method name's storage is shared by every loop, and
/// its reference count would travel between cores like a shared counter).
final class TrafficShard: Sendable {
    struct Counts {
        var totals = TrafficSnapshot()
        var methods: [MethodCalls] = []
        var slots: [String: Int] = [:]
    }

    struct MethodCalls {
        let method: String
        var byCode: [Int: TrafficSnapshot.CallFigures] = [:]
    }

    let counts = Mutex(Counts())
    private let bucketBounds: [Int64]

    init(bucketBounds: [Int64]) {
        self.bucketBounds = bucketBounds
    }

    /// This shard's counts in the public form.
    func snapshot() -> TrafficSnapshot {
        counts.withLock { counts in
            var snapshot = counts.totals
            for method in counts.methods {
                for (code, figures) in method.byCode {
                    snapshot.calls[.init(method: method.method, code: RPCError.Code(rawValue: code))] = figures
                }
            }
            return snapshot
        }
    }

    /// The slot of `method`'s calls; connections take it once per route and keep it.
    func slot(for method: String) -> Int {
        counts.withLock { counts in
            if let slot = counts.slots[method] { return slot }
            counts.methods.append(MethodCalls(method: method))
            counts.slots[method] = counts.methods.count - 1
            return counts.methods.count - 1
        }
    }

    func connectionOpened() {
        counts.withLock { $0.totals.connectionsOpened += 1 }
    }

    func connectionClosed(_ pending: inout ConnectionTraffic) {
        let connection = pending
        pending = ConnectionTraffic()
        counts.withLock {
            $0.totals.connectionsClosed += 1
            Self.fold(connection, into: &$0.totals)
        }
    }

    /// Hands over a connection's byte and frame counts.
    func fold(_ pending: inout ConnectionTraffic) {
        guard !pending.isEmpty else { return }
        let connection = pending
        pending = ConnectionTraffic()
        counts.withLock { Self.fold(connection, into: &$0.totals) }
    }

    func callStarted(_ pending: inout ConnectionTraffic) {
        let connection = pending
        pending = ConnectionTraffic()
        counts.withLock {
            $0.totals.callsStarted += 1
            Self.fold(connection, into: &$0.totals)
        }
    }

    func callFinished(slot: Int, code: RPCError.Code, duration: Duration, _ pending: inout ConnectionTraffic) {
        let connection = pending
        pending = ConnectionTraffic()
        let nanoseconds = duration.nanosecondsClamped
        var bucket = bucketBounds.count
        for (index, bound) in bucketBounds.enumerated() where nanoseconds <= bound {
            bucket = index
            break
        }
        let bucketCount = bucketBounds.count + 1
        counts.withLock { counts in
            counts.totals.callsFinished += 1
            Self.fold(connection, into: &counts.totals)
            counts.methods[slot].byCode[code.rawValue, default: TrafficSnapshot.CallFigures(bucketCounts: Array(repeating: 0, count: bucketCount))]
                .record(nanoseconds: nanoseconds, bucket: bucket)
        }
    }

    private static func fold(_ connection: ConnectionTraffic, into counts: inout TrafficSnapshot) {
        counts.bytesReceived += connection.bytesReceived
        counts.bytesSent += connection.bytesSent
        counts.streamResetsSent += connection.streamResetsSent
        counts.goAwaysSent += connection.goAwaysSent
    }
}

extension TrafficSnapshot.CallFigures {
    mutating func record(nanoseconds: Int64, bucket: Int) {
        count += 1
        totalNanoseconds += nanoseconds
        bucketCounts[bucket] += 1
    }
}
