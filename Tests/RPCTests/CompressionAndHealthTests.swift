@testable import RPC
import Testing

@Suite("Compressed requests and health watches", .timeLimit(.minutes(10)))
struct CompressionAndHealthTests {
    /// `surat keluar ` eight times (104 bytes), as Python's gzip.compress(mtime=0) and
    /// zlib.compress write it.
    static let text = Array(String(repeating: "surat keluar ", count: 8).utf8)
    static let gzipped: [UInt8] = [31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 43, 46, 45, 74, 44, 81, 200, 78, 205, 41, 77, 44,
                                   82, 40, 166, 29, 7, 0, 233, 165, 238, 216, 104, 0, 0, 0]
    static let deflated: [UInt8] = [120, 156, 43, 46, 45, 74, 44, 81, 200, 78, 205, 41, 77, 44, 82, 40, 166, 29, 7, 0,
                                    46, 44, 39, 153]

    static func compressedFrame(_ bytes: [UInt8]) -> [UInt8] {
        var framed = GRPCProtocol.frame(bytes)
        framed[0] = 1
        return framed
    }

    @Test func gzipAndDeflateMessagesInflate() throws {
        var gzip = Self.compressedFrame(Self.gzipped)
        #expect(try GRPCProtocol.takeMessages(from: &gzip, maxSize: 1000, encoding: .gzip) == [Self.text])
        var deflate = Self.compressedFrame(Self.deflated)
        #expect(try GRPCProtocol.takeMessages(from: &deflate, maxSize: 1000, encoding: .deflate) == [Self.text])
    }

    @Test func inflatingStopsAtTheLimit() {
        var message = Self.compressedFrame(Self.gzipped)
        let error = #expect(throws: GRPCProtocol.DeframeError.self) {
            try GRPCProtocol.takeMessages(from: &message, maxSize: 103, encoding: .gzip)
        }
        guard case .decompressedTooLarge(let limit)? = error else {
            Issue.record("expected decompressedTooLarge, got \(String(describing: error))")
            return
        }
        #expect(limit == 103)
    }

    @Test(arguments: [Array(gzipped.prefix(20)), [1, 2, 3, 4], deflated])
    func truncatedOrForeignDataIsCorrupt(bytes: [UInt8]) {
        var message = Self.compressedFrame(bytes)
        let error = #expect(throws: GRPCProtocol.DeframeError.self) {
            try GRPCProtocol.takeMessages(from: &message, maxSize: 1000, encoding: .gzip)
        }
        guard case .corrupt? = error else {
            Issue.record("expected corrupt, got \(String(describing: error))")
            return
        }
    }

    @Test func watchSendsTheCurrentStatusThenChangesThenEnds() async {
        let health = HealthStatus()
        health.set(service: "a", .serving)
        var updates = health.watch(service: "a").makeAsyncIterator()
        var unknown = health.watch(service: "b").makeAsyncIterator()
        #expect(await updates.next() == .serving)
        #expect(await unknown.next() == .serviceUnknown)
        health.set(service: "a", .serving)  // no change: nothing sent
        health.set(service: "a", .notServing)
        #expect(await updates.next() == .notServing)
        health.set(service: "b", .serving)
        #expect(await unknown.next() == .serving)
        health.setAllNotServing()
        health.endWatches()
        #expect(await updates.next() == .notServing)
        #expect(await updates.next() == nil)
        var late = health.watch(service: "a").makeAsyncIterator()
        #expect(await late.next() == .notServing)
        #expect(await late.next() == nil)
    }
}
