import NIOCore

/// Lets Swift tasks run on a NIO event loop. Handlers start with this as their executor
/// preference, so a handler that never blocks runs start to finish on the loop that owns its
/// connection: no thread hop in, none out (measured as the main cost of Swift gRPC servers).
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
