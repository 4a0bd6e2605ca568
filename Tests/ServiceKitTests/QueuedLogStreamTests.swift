import Foundation
import ServiceKit
import Testing

@Suite("Logging never blocks its caller", .timeLimit(.minutes(2)))
struct QueuedLogStreamTests {
    @Test func writingToAStalledOutputReturnsAndCountsWhatItDropped() async throws {
        // A pipe nobody reads holds 64 KiB: a blocking write of the lines below would hang here.
        let pipe = Pipe()
        let stream = QueuedLogStream(fileDescriptor: pipe.fileHandleForWriting.fileDescriptor, limit: 16 << 10)
        let total = 5_000
        for index in 0..<total {
            stream.write("line \(index) " + String(repeating: "x", count: 100) + "\n")
        }
        let droppedBeforeReading = stream.droppedLineCount
        #expect(droppedBeforeReading > 0, "with the output stalled, lines past the limit were dropped")

        // Read and write on threads of their own: `flush` blocks until the reader drained the pipe.
        let data = await withCheckedContinuation { (continuation: CheckedContinuation<Data, Never>) in
            DispatchQueue.global().async { continuation.resume(returning: pipe.fileHandleForReading.readDataToEndOfFile()) }
            DispatchQueue.global().async {
                stream.write("last line\n")
                stream.flush()
                try? pipe.fileHandleForWriting.close()
            }
        }
        let output = String(decoding: data, as: UTF8.self)
        let lines = output.split(separator: "\n")

        // Every line is either written, in order, or counted in a "dropped" notice.
        let written = lines.filter { $0.hasPrefix("line ") }.compactMap { Int($0.split(separator: " ")[1]) }
        #expect(written == written.sorted())
        let notices = lines.filter { $0.hasSuffix("log line(s) dropped: the log output was not keeping up") }
        let reportedDropped = notices.compactMap { Int($0.split(separator: " ")[0]) }.reduce(0, +)
        #expect(!notices.isEmpty)
        #expect(written.count + reportedDropped == total)
        #expect(lines.last == "last line")
        #expect(stream.droppedLineCount == 0)
    }
}
