import NIOCore

// Streaming calls (health Watch, reflection): request messages handed over as they arrive,
// replies queued as the handler writes them, with backpressure both ways.
extension ServerConnectionHandler {
    func startStreamingCall(
        _ stream: ServerStream, route: ServerRouter.Route,
        handler: @escaping @Sendable (RequestMessages, ResponseWriter, ServerContext) async throws -> Void
    ) {
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let eventLoop = self.eventLoop
        let id = stream.id
        let (messages, continuation) = RequestMessages.make { count in
            eventLoop.execute { loopBound.value.requestConsumed(streamID: id, count: count) }
        }
        submitted(session?.submitResponse(streamID: stream.id, headers: [(":status", "200"), ("content-type", GRPCProtocol.contentType)],
                                          body: [], finished: false), stream)
        let writer = ResponseWriter { message in
            await withCheckedContinuation { (written: CheckedContinuation<Void, Never>) in
                eventLoop.execute { loopBound.value.appendStreamMessage(streamID: id, message: message, written: written) }
            }
        }
        let context = makeContext(stream, route: route)
        let task = Task(executorPreference: executor) {
            let status: RPCError?
            do {
                try await handler(messages, writer, context)
                status = nil
            } catch {
                status = RPCError.from(handlerError: error)
            }
            eventLoop.execute { loopBound.value.finishStreamingCall(streamID: id, status: status) }
        }
        stream.stream(task, messages: continuation)
    }

    /// Hands the complete request messages received so far to the streaming handler.
    func takeStreamingMessages(_ stream: ServerStream, _ continuation: RequestMessages.Stream.Continuation) {
        do {
            for message in try GRPCProtocol.takeMessages(from: &stream.body, maxSize: router.configuration.maxReceiveMessageSize,
                                                         encoding: stream.messageEncoding) {
                stream.queuedRequestBytes += message.count
                queuedRequestBytes += message.count
                continuation.yield(message)
            }
        } catch {
            continuation.finish(throwing: deframeError(error))
        }
    }

    /// Queues a streaming reply; the writer resumes now, or once the peer has read enough
    /// (or the stream is gone).
    private func appendStreamMessage(streamID: Int32, message: [UInt8], written: CheckedContinuation<Void, Never>) {
        guard let stream = streams[streamID], let session else {
            written.resume()
            return
        }
        session.appendBody(streamID: streamID, bytes: GRPCProtocol.frame(message))
        scheduleFlush()
        if writerMustWait(stream) {
            stream.writeWaiters.append(written)
            waitingWriters += 1
        } else {
            written.resume()
        }
    }

    private func finishStreamingCall(streamID: Int32, status: RPCError?) {
        guard let stream = streams[streamID], stream.isStreaming else { return }
        stream.deadlineTimer?.cancel()
        stream.answer(resetAfterSend: .noError)
        session?.finishBody(streamID: streamID, trailers: GRPCProtocol.statusFields(status))
        scheduleFlush()
    }
}
