import Dispatch
import Foundation
import Synchronization

/// Log output written by a thread of its own, so logging never blocks its caller: a handler
/// running on an event loop must not wait for a slow or stalled standard error (a pipe nobody
/// drains, a journal under load). Lines keep their order. At most `limit` bytes wait; past it
/// lines are dropped and counted, and the next line written says how many were lost. The
/// process's `exit` waits for what is queued (see `ServiceLogging.bootstrap`).
package final class QueuedLogStream: TextOutputStream, Sendable {
    /// Standard error, the services' log.
    package static let standardError = QueuedLogStream(fileDescriptor: 2)

    private let output: FileHandle
    private let limit: Int
    private let queue = DispatchQueue(label: "surat.log")
    private let pendingBytes = Atomic<Int>(0)
    private let droppedLines = Atomic<Int>(0)

    package init(fileDescriptor: Int32, limit: Int = 4 << 20) {
        self.output = FileHandle(fileDescriptor: fileDescriptor, closeOnDealloc: false)
        self.limit = limit
    }

    /// Queues `string` (one formatted line); drops it when `limit` bytes are already waiting.
    package func write(_ string: String) {
        let size = string.utf8.count
        guard pendingBytes.add(size, ordering: .relaxed).newValue <= limit else {
            pendingBytes.subtract(size, ordering: .relaxed)
            droppedLines.add(1, ordering: .relaxed)
            return
        }
        queue.async { [self] in
            let dropped = droppedLines.exchange(0, ordering: .relaxed)
            if dropped > 0 {
                writeAll("\(dropped) log line(s) dropped: the log output was not keeping up\n")
            }
            writeAll(string)
            pendingBytes.subtract(size, ordering: .relaxed)
        }
    }

    /// Waits until everything queued so far is written.
    package func flush() {
        queue.sync {}
    }

    /// Lines dropped and not yet reported in the output.
    package var droppedLineCount: Int { droppedLines.load(ordering: .relaxed) }

    private func writeAll(_ string: String) {
        // A closed or broken output loses the line; there is nowhere else to report it.
        try? output.write(contentsOf: Data(string.utf8))
    }
}
