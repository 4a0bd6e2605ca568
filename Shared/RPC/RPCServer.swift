#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A gRPC-compatible server: SwiftNIO sockets, one nghttp2 session per connection, handlers
/// as Swift tasks. Every server also answers `grpc.health.v1.Health/Check` and server
/// reflection (v1 and v1alpha) from the descriptor files it is given.
public final class RPCServer: Sendable {
    private enum State {
        case idle
        case running(listener: any Channel)
        case stopping
        case stopped
    }

    public let configuration: ServerConfiguration
    public let health = HealthStatus()
    private let router: ServerRouter
    private let logger: Logger
    private let group: any EventLoopGroup
    private let ownsGroup: Bool
    private let state = NIOLockedValueBox<State>(.idle)
    private let connections = NIOLockedValueBox(ConnectionTable())
    private let boundPort = NIOLockedValueBox<Int>(0)
    private let stopped: EventLoopPromise<Void>

    /// - Parameters:
    ///   - services: the application services; health and reflection are added.
    ///   - authenticator: consulted before every call except health and reflection.
    ///   - interceptors: run around every call, after authentication, in order.
    ///   - descriptorFiles: serialized `FileDescriptorProto`s served by reflection.
    public init(configuration: ServerConfiguration, services: [ServiceDescriptor],
                authenticator: (any Authenticator)? = nil, interceptors: [any ServerInterceptor] = [],
                descriptorFiles: [[UInt8]] = [], logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        if configuration.eventLoopThreads > 0 {
            group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads)
            ownsGroup = true
        } else {
            group = MultiThreadedEventLoopGroup.singleton
            ownsGroup = false
        }
        stopped = group.next().makePromise()

        let index = try DescriptorIndex(files: descriptorFiles)
        let health = self.health
        var all = services
        all.append(StandardServices.health(health))
        let names = (all.map(\.name) + [StandardServices.reflectionV1, StandardServices.reflectionV1Alpha])
        all.append(contentsOf: ReflectionService.descriptors(index: index, serviceNames: { names }))
        for service in services { health.set(service: service.name, .serving) }

        var chain: [any ServerInterceptor] = []
        if let authenticator { chain.append(AuthenticationInterceptor(authenticator: authenticator)) }
        chain.append(contentsOf: interceptors)
        router = ServerRouter(services: all, configuration: configuration, interceptors: chain, logger: logger)
    }

    /// The bound port (useful with port 0); 0 before `start()`.
    public var localPort: Int { boundPort.withLockedValue { $0 } }

    /// Binds and starts accepting connections.
    public func start() async throws {
        guard case .idle = state.withLockedValue({ $0 }) else {
            throw RPCError(.failedPrecondition, "the server was already started or shut down")
        }
        let sslContext = try configuration.tls.map(Self.makeSSLContext)
        let router = self.router
        let connections = self.connections
        let configuration = self.configuration
        let logger = self.logger
        let backoff = TimeAmount.nanoseconds(configuration.acceptBackoff.nanosecondsClamped)
        // One warning per minute at most: the condition lasts, the log should not grow with it.
        let lastWarning = NIOLockedValueBox<NIODeadline?>(nil)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                // Out of file descriptors, accept fails at once every time it is retried: pause
                // accepting for a moment instead of spinning (the handshake timeout and the
                // connection cap free descriptors meanwhile).
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptBackoffHandler(
                        shouldForwardIOErrorCaught: false,
                        backoffProvider: { error in
                            switch error.errnoCode {
                            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                                let now = NIODeadline.now()
                                let warn = lastWarning.withLockedValue { last in
                                    guard last.map({ now - $0 >= .seconds(60) }) ?? true else { return false }
                                    last = now
                                    return true
                                }
                                if warn {
                                    logger.warning("cannot accept connections: \(error); pausing accept", metadata: [
                                        "rpc.connections": "\(connections.withLockedValue { $0.channels.count })",
                                    ])
                                }
                                return backoff
                            default:
                                return nil
                            }
                        }))
                }
            }
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                let id = ObjectIdentifier(channel)
                let address = channel.remoteAddress?.ipAddress ?? ""
                let refusal = connections.withLockedValue { table in
                    table.admit(id, channel: channel, address: address, configuration: configuration)
                }
                if let refusal {
                    logger.debug("refusing a connection: \(refusal)", metadata: ["rpc.peer": "\(address)"])
                    return channel.eventLoop.makeFailedFuture(RPCError(.resourceExhausted, refusal))
                }
                channel.closeFuture.whenComplete { _ in
                    connections.withLockedValue { $0.remove(id, address: address) }
                }
                return channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        ServerConnectionHandler(router: router, eventLoop: channel.eventLoop))
                }
            }
        let listener: any Channel
        do {
            listener = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        } catch {
            let failure = RPCError(.unavailable, "cannot listen on \(configuration.host):\(configuration.port): \(error)", cause: error)
            state.withLockedValue { $0 = .stopped }
            stopped.fail(failure)
            throw failure
        }
        boundPort.withLockedValue { $0 = listener.localAddress?.port ?? 0 }
        let alreadyStopping = state.withLockedValue { state -> Bool in
            if case .idle = state {
                state = .running(listener: listener)
                return false
            }
            return true
        }
        if alreadyStopping {
            try? await listener.close()
            throw RPCError(.unavailable, "the server was shut down before it started")
        }
        logger.info("listening on \(configuration.host):\(localPort)", metadata: [
            "rpc.tls": "\(configuration.tls != nil)",
        ])
    }

    /// Starts (when not started yet) and returns once the server has shut down.
    public func run() async throws {
        if case .idle = state.withLockedValue({ $0 }) { try await start() }
        try await stopped.futureResult.get()
    }

    /// Stops accepting connections, sends GOAWAY on every connection, lets in-flight calls
    /// finish (up to the configured grace period), then closes what is left.
    public func shutdownGracefully() async {
        enum Step { case closeListener(any Channel), finishUnstarted, waitForOther }
        let step = state.withLockedValue { state -> Step in
            switch state {
            case .running(let listener):
                state = .stopping
                return .closeListener(listener)
            case .idle:
                state = .stopped
                return .finishUnstarted
            case .stopping, .stopped:
                return .waitForOther
            }
        }
        let listener: any Channel
        switch step {
        case .closeListener(let channel):
            listener = channel
        case .finishUnstarted:
            stopped.succeed(())
            return
        case .waitForOther:
            _ = try? await stopped.futureResult.get()
            return
        }
        health.setAllNotServing()
        health.endWatches()
        try? await listener.close()
        let open = connections.withLockedValue { Array($0.channels.values) }
        logger.info("shutting down gracefully", metadata: ["rpc.connections": "\(open.count)"])
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(GracefulShutdownEvent())
        }
        let grace = configuration.shutdownGracePeriod
        await withTaskGroup(of: Void.self) { group in
            for channel in open {
                group.addTask {
                    let closed = channel.closeFuture
                    let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(grace.nanosecondsClamped)) {
                        channel.close(promise: nil)
                    }
                    try? await closed.get()
                    timer.cancel()
                }
            }
        }
        state.withLockedValue { $0 = .stopped }
        // Before an owned group stops: the promise belongs to one of its loops.
        stopped.succeed(())
        if ownsGroup { try? await group.shutdownGracefully() }
        logger.info("server stopped")
    }

    private static func makeSSLContext(_ tls: ServerTLSConfiguration) throws -> NIOSSLContext {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificateChainPath)
            let key = try NIOSSLPrivateKey(file: tls.privateKeyPath, format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            configuration.applicationProtocols = ["h2"]
            configuration.minimumTLSVersion = .tlsv12
            if let clientCA = tls.clientCAPath {
                configuration.trustRoots = .file(clientCA)
                configuration.certificateVerification = .noHostnameVerification
            }
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw RPCError(.failedPrecondition, "cannot load the TLS certificate or key: \(error)", cause: error)
        }
    }
}

/// The open connections, in total and per remote address, for the connection caps.
private struct ConnectionTable {
    var channels: [ObjectIdentifier: any Channel] = [:]
    var perAddress: [String: Int] = [:]

    /// Records the connection, or says why it is refused.
    mutating func admit(_ id: ObjectIdentifier, channel: any Channel, address: String,
                        configuration: ServerConfiguration) -> String? {
        if channels.count >= configuration.maxConnections {
            return "\(channels.count) connections are open (maxConnections)"
        }
        let fromAddress = perAddress[address, default: 0]
        if fromAddress >= configuration.maxConnectionsPerAddress {
            return "\(fromAddress) connections are open from this address (maxConnectionsPerAddress)"
        }
        channels[id] = channel
        perAddress[address] = fromAddress + 1
        return nil
    }

    mutating func remove(_ id: ObjectIdentifier, address: String) {
        guard channels.removeValue(forKey: id) != nil else { return }
        let left = perAddress[address, default: 1] - 1
        perAddress[address] = left > 0 ? left : nil
    }
}
