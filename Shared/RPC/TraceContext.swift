/// A W3C Trace Context (`traceparent`, https://www.w3.org/TR/trace-context/) carried as gRPC
/// metadata: version `00`, a 16-byte trace id, the 8-byte id of the calling span, and flags.
/// The server side binds the call's context to the task (`TraceContext.current`); `RPCClient`
/// then sends every outgoing call with the same trace id and a new span id, so one letter's
/// journey can be followed across every process by its `trace.id` log metadata.
public struct TraceContext: Sendable, Hashable, CustomStringConvertible {
    /// 32 lower-case hex digits, never all zero.
    public var traceID: String
    /// 16 lower-case hex digits, never all zero: the span this context names (the sender's).
    public var spanID: String
    /// `01` when the trace is sampled.
    public var flags: String

    /// The metadata name (lower case, as HTTP/2 requires).
    public static let metadataName = "traceparent"

    /// The context of the call this task is handling, if any.
    @TaskLocal public static var current: TraceContext?

    public init(traceID: String, spanID: String, flags: String = "01") {
        self.traceID = traceID
        self.spanID = spanID
        self.flags = flags
    }

    /// Parses a `traceparent` value; nil when it is not a valid version-00 (or later-version,
    /// read as 00) header, as the spec says a receiver must then start a new trace.
    public init?(traceparent: String) {
        let parts = traceparent.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4 else { return nil }
        let version = parts[0], trace = parts[1], span = parts[2], flags = parts[3]
        guard version.utf8.count == 2, version != "ff", Self.isHex(version),
              trace.utf8.count == 32, Self.isHex(trace), trace.contains(where: { $0 != "0" }),
              span.utf8.count == 16, Self.isHex(span), span.contains(where: { $0 != "0" }),
              flags.utf8.count == 2, Self.isHex(flags) else { return nil }
        // Version 00 has exactly four fields; a later version may append more.
        if version == "00" && parts.count != 4 { return nil }
        self.init(traceID: String(trace), spanID: String(span), flags: String(flags))
    }

    /// A new trace (a caller that sent none).
    public static func makeNew() -> TraceContext {
        TraceContext(traceID: randomHex(bytes: 16), spanID: randomHex(bytes: 8))
    }

    /// A child span of this trace: what an outgoing call sends as its `traceparent`.
    public func child() -> TraceContext {
        TraceContext(traceID: traceID, spanID: Self.randomHex(bytes: 8), flags: flags)
    }

    /// The `traceparent` header value.
    public var traceparent: String { "00-\(traceID)-\(spanID)-\(flags)" }
    public var description: String { traceparent }

    /// The context an incoming call carries, or a new trace when it carries none (or a bad one).
    public static func incoming(_ metadata: Metadata) -> TraceContext {
        metadata[metadataName].flatMap(TraceContext.init(traceparent:)) ?? makeNew()
    }

    private static func isHex(_ text: Substring) -> Bool {
        text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    private static func randomHex(bytes: Int) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var generator = SystemRandomNumberGenerator()
        while true {
            var out = [UInt8]()
            out.reserveCapacity(bytes * 2)
            var nonZero = false
            for _ in 0..<bytes {
                let byte = UInt8.random(in: 0...255, using: &generator)
                nonZero = nonZero || byte != 0
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0x0f)])
            }
            if nonZero { return String(decoding: out, as: UTF8.self) }
        }
    }
}
