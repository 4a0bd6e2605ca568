import CZlib

// The second (and last) place that touches C: zlib's inflate for compressed request messages.
// Everything else sees `[UInt8]` in and out.

/// The message encodings the server accepts in `grpc-encoding`.
enum MessageEncoding: String, Sendable {
    case gzip
    case deflate

    /// What the server advertises in `grpc-accept-encoding`.
    static let accepted = "identity,gzip,deflate"

    enum InflateError: Error {
        /// The message inflates to more than the limit (a zip bomb, or just too large).
        case tooLarge(limit: Int)
        case corrupt(String)
    }

    /// Inflates one message, failing as soon as the output passes `limit` bytes, so a small
    /// compressed message can never make the server allocate more than the limit.
    func inflate(_ input: ArraySlice<UInt8>, limit: Int) throws(InflateError) -> [UInt8] {
        var stream = z_stream()
        // gzip: window bits 15 + 16 (gzip header); deflate in gRPC is the zlib format: 15.
        let windowBits: Int32 = self == .gzip ? 15 + 16 : 15
        guard inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("cannot start zlib")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        var status = Z_OK
        var overLimit = false
        var input = Array(input)
        input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(source.count)
            while status == Z_OK {
                let produced = chunk.withUnsafeMutableBufferPointer { out -> Int in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                if output.count + produced > limit {
                    overLimit = true
                    return
                }
                output.append(contentsOf: chunk[0..<produced])
            }
        }
        if overLimit { throw .tooLarge(limit: limit) }
        switch status {
        case Z_STREAM_END:
            return output
        case Z_BUF_ERROR:
            throw .corrupt("the compressed message is truncated")
        default:
            let detail = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
            throw .corrupt(detail)
        }
    }
}
