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
    /// The reply budget of one connection: bytes it may have queued for the peer (responses its
    /// flow-control window does not take yet, request messages a streaming call has not consumed
    /// yet, and an estimate of the responses of the calls running). A connection over it starts
    /// no new call and acknowledges no more request DATA (its peer's windows close) until the
    /// peer reads; a streaming reply waits. A unary response that would take the queue past
    /// twice the budget plus `maxSendMessageSize` fails with RESOURCE_EXHAUSTED. Bounds the
    /// memory a client that stops reading can pin.
    public var maxPendingOutboundBytesPerConnection: Int = 8 << 20
    /// SETTINGS_MAX_CONCURRENT_STREAMS advertised to each client.
    public var maxConcurrentStreams: Int = 256
    /// A connection with no open stream for this long is closed with GOAWAY.
    public var idleTimeout: Duration = .seconds(300)
    /// How long a graceful shutdown waits for in-flight calls before closing connections.
    public var shutdownGracePeriod: Duration = .seconds(30)
    /// Stream resets a client may cause: a burst, then a rate per second (CVE-2023-44487). The
    /// same limit applies separately to the resets the server sends because of what the client
    /// did (invalid frames or headers, early answers: "MadeYouReset", CVE-2025-8671). Past
    /// either, the connection gets GOAWAY(ENHANCE_YOUR_CALM).
    public var streamResetBurst: Int = 1000
    public var streamResetRatePerSecond: Int = 33
    /// Frames that carry no work, a burst then a rate per second: DATA without payload or
    /// END_STREAM, and WINDOW_UPDATEs beyond two per DATA frame the server sent. Past it, the
    /// connection gets GOAWAY(ENHANCE_YOUR_CALM).
    public var emptyFrameBurst: Int = 1000
    public var emptyFrameRatePerSecond: Int = 100
    /// Connections open at once; a connection past it is closed as soon as it is accepted.
    /// Keep it under the process's open-file limit (the systemd units set LimitNOFILE=8192).
    public var maxConnections: Int = 4096
    /// Connections open at once from one remote IP address; past it, closed at once.
    public var maxConnectionsPerAddress: Int = 512
    /// Time a new connection has to complete TLS (when configured) and send the HTTP/2 preface
    /// and SETTINGS; a connection that has not is closed.
    public var handshakeTimeout: Duration = .seconds(5)
    /// How long accepting pauses when the process is out of file descriptors (EMFILE/ENFILE),
    /// instead of retrying the failing accept in a tight loop.
    public var acceptBackoff: Duration = .milliseconds(250)
    /// A unary request message this large (bytes, after decompression) or larger runs its handler
    /// off the event loop, like a method registered with `HandlerExecution.offEventLoop`: its
    /// decoding and whatever the handler does per byte (hashing, copying) then cannot stall the
    /// other connections on the loop. Smaller calls stay on the loop (no thread hop).
    public var offLoopRequestSize: Int = 64 << 10
    /// Event-loop threads; 0 means one per core.
    public var eventLoopThreads: Int = 0
    /// Counts connections, bytes, resets/GOAWAYs and unary calls for metrics (`ServerTraffic`);
    /// nil counts nothing.
    public var observer: (any ServerObserver)? = nil

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
