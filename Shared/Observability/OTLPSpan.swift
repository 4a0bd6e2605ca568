import RPC

/// One finished span as OpenTelemetry exports it: a server span per RPC call a service handled,
/// a client span per backend call the gateway made. Ids are the W3C trace context's (hex).
public struct OTLPSpan: Sendable, Hashable {
    public enum Kind: UInt64, Sendable {
        case server = 2
        case client = 3
    }

    public var traceID: String
    public var spanID: String
    /// The caller's span; nil for a root span (the caller sent no `traceparent`).
    public var parentSpanID: String?
    /// `package.Service/Method`.
    public var name: String
    public var kind: Kind
    public var startUnixNanos: UInt64
    public var endUnixNanos: UInt64
    /// The gRPC status code name (`OK`, `NOT_FOUND`…); anything but OK marks the span an error.
    public var statusCode: String
    public var statusMessage: String

    public init(trace: TraceContext, parentSpanID: String?, name: String, kind: Kind,
                startUnixNanos: UInt64, endUnixNanos: UInt64, statusCode: String, statusMessage: String = "") {
        self.traceID = trace.traceID
        self.spanID = trace.spanID
        self.parentSpanID = parentSpanID
        self.name = name
        self.kind = kind
        self.startUnixNanos = startUnixNanos
        self.endUnixNanos = endUnixNanos
        self.statusCode = statusCode
        self.statusMessage = statusMessage
    }
}

/// `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest` in protobuf, the body of an
/// OTLP/HTTP POST to `/v1/traces`. Written by hand (a few fields of a stable protocol) because the
/// start and end times are `fixed64`, which Shared/Wire does not produce.
enum OTLPTraceEncoding {
    static func exportRequest(service: String, version: String, spans: [OTLPSpan]) -> [UInt8] {
        var resource = ProtobufWriter()
        resource.message(1) { attribute(&$0, "service.name", service) }
        resource.message(1) { attribute(&$0, "service.version", version) }
        var scopeSpans = ProtobufWriter()
        scopeSpans.message(1) { scope in
            scope.string(1, "surat-keluar")
            scope.string(2, version)
        }
        for span in spans {
            scopeSpans.message(2) { encode(span, into: &$0) }
        }
        var resourceSpans = ProtobufWriter()
        resourceSpans.bytes(1, resource.bytes)
        resourceSpans.bytes(2, scopeSpans.bytes)
        var request = ProtobufWriter()
        request.bytes(1, resourceSpans.bytes)
        return request.bytes
    }

    private static func encode(_ span: OTLPSpan, into writer: inout ProtobufWriter) {
        writer.bytes(1, hexBytes(span.traceID))
        writer.bytes(2, hexBytes(span.spanID))
        if let parent = span.parentSpanID { writer.bytes(4, hexBytes(parent)) }
        writer.string(5, span.name)
        writer.varint(6, span.kind.rawValue)
        writer.fixed64(7, span.startUnixNanos)
        writer.fixed64(8, span.endUnixNanos)
        let parts = span.name.split(separator: "/", maxSplits: 1)
        writer.message(9) { attribute(&$0, "rpc.system", "grpc") }
        if parts.count == 2 {
            writer.message(9) { attribute(&$0, "rpc.service", String(parts[0])) }
            writer.message(9) { attribute(&$0, "rpc.method", String(parts[1])) }
        }
        writer.message(9) { attribute(&$0, "rpc.grpc.status_code", span.statusCode) }
        writer.message(15) { status in
            status.string(2, span.statusCode == "OK" ? "" : span.statusMessage)
            status.varint(3, span.statusCode == "OK" ? 1 : 2)   // STATUS_CODE_OK, STATUS_CODE_ERROR
        }
    }

    /// A `KeyValue` with a string `AnyValue`.
    private static func attribute(_ writer: inout ProtobufWriter, _ key: String, _ value: String) {
        writer.string(1, key)
        writer.message(2) { $0.string(1, value) }
    }

    static func hexBytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var high: UInt8?
        for character in hex.utf8 {
            let nibble: UInt8 = switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
            default: 0
            }
            if let first = high {
                bytes.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }
}

/// The protobuf records OTLP needs: varint, fixed64 and length-delimited fields.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ field: UInt64, _ value: UInt64) {
        tag(field, wireType: 0)
        appendVarint(value)
    }

    mutating func fixed64(_ field: UInt64, _ value: UInt64) {
        tag(field, wireType: 1)
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func bytes(_ field: UInt64, _ value: [UInt8]) {
        tag(field, wireType: 2)
        appendVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ field: UInt64, _ value: String) {
        if !value.isEmpty { bytes(field, Array(value.utf8)) }
    }

    mutating func message(_ field: UInt64, _ build: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter()
        build(&nested)
        bytes(field, nested.bytes)
    }

    private mutating func tag(_ field: UInt64, wireType: UInt64) {
        appendVarint(field << 3 | wireType)
    }

    private mutating func appendVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7f) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }
}
