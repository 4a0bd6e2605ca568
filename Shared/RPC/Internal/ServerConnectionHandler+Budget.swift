import NIOCore

// The reply budget (`ServerConfiguration.maxPendingOutboundBytesPerConnection`, proto-notes/rpc.md):
// what a connection may hold for a peer that does not read, and what happens when it is spent.
extension ServerConnectionHandler {
    /// Everything that counts against the connection's reply budget.
    var queuedBytes: Int {
        (session?.outboundPendingBytes ?? 0) + queuedRequestBytes + reservedBytes
    }

    func estimate(_ route: ServerRouter.Route) -> Int {
        responseEstimates[route.fullName] ?? min(router.configuration.maxSendMessageSize + 5, max(1, budget / 4))
    }

    /// A call starts when its estimated response fits in the budget, or when nothing else is
    /// running and the queue is within the budget (so one call always makes progress).
    func mayStart(_ route: ServerRouter.Route) -> Bool {
        let queued = queuedBytes
        return queued + estimate(route) <= budget || (runningUnaryCalls == 0 && queued <= budget)
    }

    /// Returns a finished (or abandoned) unary call's reservation.
    func release(_ held: ServerStream.Held) {
        guard held.wasRunning else { return }
        runningUnaryCalls -= 1
        reservedBytes -= held.reservedBytes
    }

    /// Acknowledges received request DATA at once while the connection is within its budget;
    /// over it, holds the acknowledgement back so the peer's flow-control windows close.
    func acknowledge(streamID: Int32, count: Int) {
        if unacknowledged.isEmpty, queuedBytes <= budget {
            consume(streamID: streamID, count: count)
        } else {
            unacknowledged[streamID, default: 0] += count
        }
    }

    func consume(streamID: Int32, count: Int) {
        do {
            try session?.consume(streamID: streamID, count: count)
        } catch {
            logger.error("closing the connection: cannot acknowledge request data", metadata: ["error": "\(error)"])
            context?.close(promise: nil)
        }
    }

    /// Something left the queue: start waiting calls, wake waiting writers, acknowledge held
    /// back input, as far as the budget now allows.
    func budgetChanged() {
        if !admissionQueue.isEmpty { admitWaitingCalls() }
        if waitingWriters > 0 {
            for stream in streams.values where !stream.writeWaiters.isEmpty && !writerMustWait(stream) {
                resumeWriters(of: stream)
            }
        }
        if !unacknowledged.isEmpty, queuedBytes <= budget, let session {
            for (id, count) in unacknowledged { consume(streamID: id, count: count) }
            unacknowledged.removeAll()
            if session.wantsWrite { scheduleFlush() }
        }
    }

    /// Starts calls that waited for the peer to read, while the budget allows.
    func admitWaitingCalls() {
        while let id = admissionQueue.first {
            guard let stream = streams[id], let message = stream.admissionMessage,
                  let route = stream.route, case .unary(let handler) = route.handler else {
                admissionQueue.removeFirst()
                continue
            }
            guard mayStart(route) else { return }
            admissionQueue.removeFirst()
            dispatchUnary(stream, route: route, handler: handler, message: message)
        }
    }

    func writerMustWait(_ stream: ServerStream) -> Bool {
        guard let session else { return false }
        return session.pendingBytes(streamID: stream.id) > streamQueueLimit || session.outboundPendingBytes > budget
    }

    func resumeWriters(of stream: ServerStream) {
        guard !stream.writeWaiters.isEmpty else { return }
        let waiters = stream.writeWaiters
        stream.writeWaiters = []
        waitingWriters -= waiters.count
        for waiter in waiters { waiter.resume() }
    }

    /// A streaming handler took a request message off its queue.
    func requestConsumed(streamID: Int32, count: Int) {
        guard let stream = streams[streamID] else { return }
        stream.queuedRequestBytes -= count
        queuedRequestBytes -= count
        budgetChanged()
    }
}
