import Logging

/// Middleware around every unary call: sees and may change the context before the handler,
/// sees the outcome after. Interceptors run in the order given to the server.
public protocol ServerInterceptor: Sendable {
    func intercept<Response: Sendable>(
        context: ServerContext,
        next: @Sendable (ServerContext) async throws -> Response
    ) async throws -> Response
}

/// Runs the server's `Authenticator` and puts the resulting `Principal` into the context.
/// Health and reflection calls skip it.
struct AuthenticationInterceptor: ServerInterceptor {
    let authenticator: any Authenticator

    func intercept<Response: Sendable>(
        context: ServerContext,
        next: @Sendable (ServerContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        do {
            context.principal = try await authenticator.authenticate(method: context.method, metadata: context.metadata)
        } catch let error as RPCError {
            throw error
        } catch let error as any RPCErrorConvertible {
            throw error.rpcError
        } catch {
            throw RPCError(.unauthenticated, "authentication failed", cause: error)
        }
        if let principal = context.principal {
            context.logger[metadataKey: "rpc.caller"] = "\(principal.subject)"
        }
        return try await next(context)
    }
}

/// Logs every call when it ends: `rpc.method`, `rpc.peer`, `rpc.status`, `rpc.duration_ms`.
/// Successful calls at `successLevel` (debug by default: a busy registry would drown its log),
/// client errors at info, server-side failures (UNKNOWN, INTERNAL, DATA_LOSS) at error.
public struct LoggingInterceptor: ServerInterceptor {
    public var successLevel: Logger.Level

    public init(successLevel: Logger.Level = .debug) {
        self.successLevel = successLevel
    }

    public func intercept<Response: Sendable>(
        context: ServerContext,
        next: @Sendable (ServerContext) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(context)
            log(context, status: .ok, message: nil, start: start, level: successLevel)
            return response
        } catch {
            let status = RPCError.from(handlerError: error)
            let serverSide: Set<RPCError.Code> = [.unknown, .internalError, .dataLoss]
            var message = status.message
            if let cause = status.cause, serverSide.contains(status.code) { message += " (cause: \(cause))" }
            log(context, status: status.code, message: message, start: start,
                level: serverSide.contains(status.code) ? .error : .info)
            throw error
        }
    }

    private func log(_ context: ServerContext, status: RPCError.Code, message: String?,
                     start: ContinuousClock.Instant, level: Logger.Level) {
        let elapsed = ContinuousClock.now - start
        var metadata: Logger.Metadata = [
            "rpc.status": "\(status)",
            "rpc.duration_ms": "\(Double(elapsed.nanosecondsClamped) / 1e6)",
        ]
        if let message { metadata["rpc.error"] = "\(message)" }
        context.logger.log(level: level, "call finished", metadata: metadata)
    }
}
