import NIOCore

// A connection's life: the handshake and idle timers, graceful shutdown (GOAWAY twice), and
// tearing down the calls left when the channel goes.
extension ServerConnectionHandler {
    /// A connection that has not completed TLS and sent its preface and SETTINGS in time is
    /// closed: otherwise silent sockets would hold file descriptors for the idle timeout.
    func armHandshakeTimer() {
        guard handshakeTimer == nil else { return }
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let timeout = router.configuration.handshakeTimeout
        handshakeTimer = eventLoop.scheduleTask(in: .nanoseconds(timeout.nanosecondsClamped)) {
            let handler = loopBound.value
            guard handler.handshakeTimer != nil else { return }
            handler.handshakeTimer = nil
            handler.logger.debug("closing a connection that did not complete its handshake in time")
            handler.context?.close(promise: nil)
        }
    }

    func armIdleTimer() {
        idleTimer?.cancel()
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let timeout = router.configuration.idleTimeout
        idleTimer = eventLoop.scheduleTask(in: .nanoseconds(timeout.nanosecondsClamped)) {
            let handler = loopBound.value
            guard handler.streams.isEmpty else { return }
            handler.logger.debug("closing idle connection")
            if handler.session?.submitGoAway() == false {
                handler.logger.warning("cannot submit GOAWAY to an idle connection; closing it without")
            }
            handler.draining = true
            handler.flush()
            handler.context?.close(promise: nil)
        }
    }

    /// GOAWAY: first a notice (no new streams), then the final GOAWAY with the last stream we
    /// will process; in-flight calls finish and the connection closes when none is left.
    func beginGracefulShutdown() {
        guard !draining else { return }
        draining = true
        if session?.submitShutdownNotice() == false {
            logger.warning("cannot submit the shutdown notice (GOAWAY); in-flight calls still finish")
        }
        flush()
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.scheduleTask(in: .milliseconds(100)) {
            let handler = loopBound.value
            if handler.session?.submitGoAway() == false {
                handler.logger.warning("cannot submit GOAWAY; in-flight calls still finish")
            }
            handler.flush()
            if handler.streams.isEmpty { handler.closeWhenFlushed() }
        }
    }

    func closeWhenFlushed() {
        guard let context else { return }
        flush()
        context.close(promise: nil)
    }

    func tearDown() {
        idleTimer?.cancel()
        idleTimer = nil
        handshakeTimer?.cancel()
        handshakeTimer = nil
        for stream in streams.values {
            stream.deadlineTimer?.cancel()
            let held = stream.close()
            observeEnd(stream, since: held.observedSince, .cancelled)
            held.task?.cancel()
            held.messages?.continuation.finish(throwing: RPCError(.unavailable, "connection closed"))
            resumeWriters(of: stream)
        }
        streams.removeAll()
        admissionQueue.removeAll()
    }

    static func describe(_ address: SocketAddress) -> String {
        if let ip = address.ipAddress, let port = address.port { return "\(ip):\(port)" }
        return "\(address)"
    }
}

/// Sent down a connection's pipeline to start a graceful shutdown.
struct GracefulShutdownEvent: Sendable {}

extension Duration {
    /// Nanoseconds, clamped to Int64 (timers take Int64 nanoseconds).
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        if seconds > Int64.max / 1_000_000_000 { return .max }
        if seconds < 0 { return 0 }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
