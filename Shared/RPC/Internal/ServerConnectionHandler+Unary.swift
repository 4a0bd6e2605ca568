import NIOCore

// Unary calls: the request message taken whole, admission against the reply budget, the
// handler run as a task (on the loop, or off it for heavy methods and large requests), and
// its answer.
extension ServerConnectionHandler {
    func unaryRequestEnded(_ stream: ServerStream) {
        guard stream.awaitsAnswer, !stream.isRunningUnary, stream.admissionMessage == nil,
              let route = stream.route, case .unary(let handler) = route.handler else { return }
        let message: [UInt8]
        do {
            let messages = try GRPCProtocol.takeMessages(from: &stream.body, maxSize: router.configuration.maxReceiveMessageSize,
                                                         encoding: stream.messageEncoding)
            guard messages.count == 1, stream.body.isEmpty else {
                respond(stream, error: RPCError(.internalError,
                    "a unary call carries exactly one request message, this one carried \(messages.count)\(stream.body.isEmpty ? "" : " and a partial one")"))
                return
            }
            message = messages[0]
        } catch {
            respond(stream, error: deframeError(error))
            return
        }
        stream.body = []
        if !admissionQueue.isEmpty || !mayStart(route) {
            stream.waitForAdmission(message)
            admissionQueue.append(stream.id)
            return
        }
        dispatchUnary(stream, route: route, handler: handler, message: message)
    }

    func dispatchUnary(_ stream: ServerStream, route: ServerRouter.Route,
                               handler: @escaping @Sendable ([UInt8], ServerContext) async throws -> UnaryResult,
                               message: [UInt8]) {
        let context = makeContext(stream, route: route)
        var observedSince: NIODeadline?
        if let traffic {
            if trafficSlots[route.index] < 0 { trafficSlots[route.index] = traffic.slot(for: route.fullName) }
            stream.trafficSlot = trafficSlots[route.index]
            observedSince = .now()
            traffic.callStarted(&pendingTraffic)
        }
        let reserved = estimate(route)
        runningUnaryCalls += 1
        reservedBytes += reserved
        let interceptors = route.requiresAuthentication ? router.interceptors : router.unauthenticatedInterceptors
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let id = stream.id
        // Small calls of ordinary methods run on this loop; heavy ones on the global executor,
        // so their synchronous work cannot stall the other connections this loop serves.
        let offLoop = route.runsOffLoop || message.count >= router.configuration.offLoopRequestSize
        let executor: any TaskExecutor = offLoop ? globalConcurrentExecutor : self.executor
        let task = Task(executorPreference: executor) { [handler, message, context, interceptors, id, loopBound] in
            await ServerConnectionHandler.execute(handler, message: message, context: context,
                                                  interceptors: interceptors, streamID: id, connection: loopBound)
        }
        stream.run(task, reservedBytes: reserved, observedSince: observedSince)
    }

    /// Runs a unary call and hands its result back to the connection on its loop (directly
    /// when the task already runs there, which is the usual case).
    private static func execute(_ handler: @escaping @Sendable ([UInt8], ServerContext) async throws -> UnaryResult,
                                message: [UInt8], context: ServerContext, interceptors: [any ServerInterceptor],
                                streamID: Int32, connection: NIOLoopBound<ServerConnectionHandler>) async {
        let result: Result<UnaryResult, RPCError>
        do {
            result = .success(try await runUnary(handler, message: message, context: context, interceptors: interceptors))
        } catch {
            result = .failure(RPCError.from(handlerError: error))
        }
        let eventLoop = connection.eventLoop
        if eventLoop.inEventLoop {
            connection.value.finishUnary(streamID: streamID, result: result)
        } else {
            eventLoop.execute { connection.value.finishUnary(streamID: streamID, result: result) }
        }
    }

    private static func runUnary(_ handler: @escaping @Sendable ([UInt8], ServerContext) async throws -> UnaryResult,
                                 message: [UInt8], context: ServerContext,
                                 interceptors: [any ServerInterceptor]) async throws -> UnaryResult {
        if interceptors.isEmpty { return try await handler(message, context) }
        // Interceptors wrap the handler outermost-first; the result travels back through them.
        var next: @Sendable (ServerContext) async throws -> UnaryResult = { context in
            try await handler(message, context)
        }
        for interceptor in interceptors.reversed() {
            let inner = next
            next = { context in try await interceptor.intercept(context: context, next: inner) }
        }
        return try await next(context)
    }

    private func finishUnary(streamID: Int32, result: Result<UnaryResult, RPCError>) {
        guard let stream = streams[streamID], stream.isRunningUnary else { return }
        defer { budgetChanged() }
        switch result {
        case .success(let response):
            guard response.message.count <= router.configuration.maxSendMessageSize else {
                respond(stream, error: RPCError(.resourceExhausted,
                    "response message of \(response.message.count) bytes exceeds the server's send limit"))
                return
            }
            if let route = stream.route {
                let known = responseEstimates[route.fullName] ?? 0
                if response.message.count + 5 > known { responseEstimates[route.fullName] = response.message.count + 5 }
            }
            // The estimate can be wrong (a method whose responses grow with the request): a
            // response that would take the queue past twice the budget and one more largest
            // response is not queued for a peer that is not reading.
            let queued = session?.outboundPendingBytes ?? 0
            if queued > 0, queued + response.message.count > 2 * budget + router.configuration.maxSendMessageSize {
                respond(stream, error: RPCError(.resourceExhausted,
                    "the client is not reading its responses: \(queued) bytes are already waiting on this connection"))
                return
            }
            let held = stream.answer(resetAfterSend: .noError)
            release(held)
            stream.deadlineTimer?.cancel()
            var headers = [(":status", "200"), ("content-type", GRPCProtocol.contentType)]
            headers.append(contentsOf: response.headers.wirePairs)
            var trailers = [("grpc-status", "0")]
            trailers.append(contentsOf: response.trailers.wirePairs)
            submitted(session?.submitResponse(streamID: streamID, headers: headers,
                                              body: GRPCProtocol.frame(response.message), trailers: trailers), stream)
            observeEnd(stream, since: held.observedSince, .ok)
            scheduleFlush()
        case .failure(let error):
            respond(stream, error: error)
        }
    }
}

/// The handler's result and the metadata it wants sent with it.
struct UnaryResult: Sendable {
    var message: [UInt8]
    var headers = Metadata()
    var trailers = Metadata()
}
