/// How a server listens and what it tolerates. Every field has a default that is safe on a
/// public network; services expose these through their own config files.
public struct ServerConfiguration: Sendable {
    /// Address to bind; `0.0.0.0` for every interface.
    public var host: String = "127.0.0.1"
    /// Port to bind; 0 picks a free port (read it back from `RPCServer.localPort`).
    public var port: Int = 0
    /// TLS for this listener; nil serves plaintext HTTP/2 (h2c), the default on loopback.
    public var tls: ServerTLSConfiguration? = nil
    /// Largest request message accepted; larger ones get RESOURCE_EXHAUSTED.
    public var maxReceiveMessageSize: Int = 4 << 20
    /// Largest response message sent; larger ones become RESOURCE_EXHAUSTED.
    public var maxSendMessageSize: Int = 4 << 20
    /// Cap on the decoded size of one request's headers (names + values + 32 per field, as
    /// HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE counts). A stream over it is reset.
    public var maxHeaderListSize: Int = 16 << 10
    /// Response bytes a connection may have waiting for the peer (whose flow-control window is
    /// closed) before the server stops starting that connection's new calls; they wait until
    /// the peer reads. Bounds the memory a client that stops reading can pin.
    public var maxPendingOutboundBytesPerConnection: Int = 8 << 20
    /// SETTINGS_MAX_CONCURRENT_STREAMS advertised to each client.
    public var maxConcurrentStreams: Int = 256
    /// A connection with no open stream for this long is closed with GOAWAY.
    public var idleTimeout: Duration = .seconds(300)
    /// How long a graceful shutdown waits for in-flight calls before closing connections.
    public var shutdownGracePeriod: Duration = .seconds(30)
    /// Stream resets a client may cause: a burst, then a rate per second (CVE-2023-44487).
    public var streamResetBurst: Int = 1000
    public var streamResetRatePerSecond: Int = 33
    /// Event-loop threads; 0 means one per core.
    public var eventLoopThreads: Int = 0

    public init() {}

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

/// PEM files for a TLS listener; with `clientCAPath`, clients must present a certificate signed
/// by that CA (mutual TLS).
public struct ServerTLSConfiguration: Sendable {
    public var certificateChainPath: String
    public var privateKeyPath: String
    public var clientCAPath: String?

    public init(certificateChainPath: String, privateKeyPath: String, clientCAPath: String? = nil) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
        self.clientCAPath = clientCAPath
    }
}

/// TLS for a client: trust roots (PEM; nil = the system's), optional client certificate for
/// mutual TLS, and the server name to verify.
public struct ClientTLSConfiguration: Sendable {
    public var trustRootsPath: String?
    public var certificateChainPath: String?
    public var privateKeyPath: String?
    public var serverHostname: String?

    public init(trustRootsPath: String? = nil, certificateChainPath: String? = nil,
                privateKeyPath: String? = nil, serverHostname: String? = nil) {
        self.trustRootsPath = trustRootsPath
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
        self.serverHostname = serverHostname
    }
}
