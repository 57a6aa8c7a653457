/// Everything `wok-router serve` can be told, with its documented default.
///
/// Filled in one place, ``ConfigurationLoader``: defaults, then a TOML or JSON file, then
/// `WOK_ROUTER_*` environment variables, then command-line flags. Each key is listed in
/// ``ConfigurationKey/all`` with its help text.
public struct WokServerConfiguration: Sendable, Equatable {
    /// Address the HTTP and WebSocket listener binds. Default `127.0.0.1`.
    public var host = "127.0.0.1"
    /// TCP port. Default 8080; 0 picks a free port.
    public var port = 8080
    /// When set, the same HTTP API is also served on this UNIX socket; its file permissions are
    /// the publisher's credential (publishing over it needs no token).
    public var unixSocket: String?
    /// File mode of the UNIX socket. Default 0o660.
    public var unixSocketMode = 0o660
    /// History store: `memory:`, `sqlite:PATH` or `postgres://...`. Default `sqlite:` + a file
    /// under the root (`wok-router.sqlite`).
    public var store: String?
    /// Folder holding `schemas/` and `plugins/`. Default: the current folder.
    public var root = "."
    /// Folder holding the browser client and demo pages. Default: the copy bundled in the binary.
    public var publicDir: String?

    /// HS256 secret for subscriber and publisher tokens. Without one the router runs open.
    public var authSecret: String?
    /// Allowed `Origin` values on `/push` (and `/events`). Empty: any origin.
    public var allowedOrigins: [String] = []

    /// Log level: trace, debug, info, notice, warning, error, critical. Default info.
    public var logLevel = "info"
    /// TCP_NODELAY on accepted sockets. Default true (lower latency; false batches frames).
    public var tcpNoDelay = true
    /// Number of event loops. Default: one per core.
    public var eventLoops = 0

    /// Largest client WebSocket message in bytes (over it: close 1009). Default 64 KiB.
    public var maxFrameBytes = 64 * 1024
    /// Filters one push connection may hold, and the most in one `topics=` list of `/events` and
    /// `GET /notifications` (400 past it). Default 256.
    public var maxFilters = 256
    /// Client frames per second a push connection may send on average. Default 50.
    public var clientFrameRate = 50.0
    /// Burst of client frames allowed above the rate. Default 100.
    public var clientFrameBurst = 100
    /// Bytes a push connection's outbound queue may hold before it is closed with 1013. Default 1 MiB.
    public var outboundQueueBytes = 1024 * 1024
    /// Frames a push connection's outbound queue may hold before it is closed with 1013. Default 1,024.
    public var outboundQueueFrames = 1024
    /// Connections held at once: every connection accepted on the TCP listener (push, SSE,
    /// long-poll, plain HTTP, not yet decided), and the push, SSE and long-poll connections of
    /// both listeners. Past it a new TCP connection is answered 503 and closed. Default 20,000.
    public var maxConnections = 20_000
    /// TCP connections past `maxConnections` being refused at once (answered 503, each open for
    /// up to twice `lingerTimeout`); past it a new one is closed at once, without an answer, so
    /// that refusals cannot use up the process's file descriptors. Default 1,000.
    public var maxRefusals = 1000
    /// File descriptors below the soft `RLIMIT_NOFILE` that connections may not take (the store,
    /// schema scans, the UNIX socket and the runtime use them): when `maxConnections` +
    /// `maxRefusals` + the descriptors open at start + this exceed the limit, both bounds are
    /// lowered to fit, with a warning at start. Default 64.
    public var descriptorReserve = 64
    /// Largest HTTP request body in bytes (over it: 413). Default 1 MiB.
    public var maxBodyBytes = 1024 * 1024
    /// Seconds a client may take to send a complete request head and body (slowloris guard).
    /// Default 10.
    public var requestTimeout = 10.0
    /// Seconds an idle keep-alive HTTP connection stays open. Default 60.
    public var idleTimeout = 60.0
    /// Seconds a connection answered and closed before its request was read whole (413, 400, 503)
    /// keeps reading and dropping what the client still sends, so that the client reads the
    /// answer instead of a reset; also how long a connection refused past `max_connections` waits
    /// for its first bytes before it is answered anyway. Default 2.
    public var lingerTimeout = 2.0
    /// Bytes such a connection reads and drops at most before it closes. Default 4 MiB.
    public var lingerBytes = 4 * 1024 * 1024
    /// Seconds between server pings on `/push`. Default 20.
    public var pingInterval = 20.0
    /// Seconds without any frame from the client (pong included) after which `/push` closes it.
    /// Default 60.
    public var pingTimeout = 60.0
    /// Seconds a push socket that was sent a close frame (1013, 1008, 1001, ...) may take at most
    /// before the connection is dropped; it is dropped 2 s after the close frame reached the
    /// socket (a slow consumer sees its 1013 only after reading what was already in flight, so
    /// the frame may wait behind a full buffer). Default 30.
    public var closeTimeout = 30.0
    /// Seconds between SSE heartbeat comments. Default 15.
    public var sseHeartbeat = 15.0
    /// Largest `wait=` a long-poll may ask for, in seconds (400 past it). Default 60.
    public var maxWait = 60.0
    /// Largest `limit=` of `GET /notifications` (400 past it), and the page size without one. Default 1,000.
    public var maxHistoryLimit = 1000
    /// Seconds between retention passes (`RouterConfiguration.retentionIntervalSeconds`): each
    /// deletes what the plugins' retention rules no longer keep. Default 60.
    public var retentionInterval = 60.0
    /// Several routers on one PostgreSQL: seconds a resume whose `since` another router committed
    /// waits for this router's fan-out to reach it before answering `recovered: false`
    /// (`RouterConfiguration.resumeWaitSeconds`). Default 2; 0: no wait.
    public var resumeWait = 2.0

    /// The defaults.
    public init() {}

    /// The store URL in force: the configured one, or `sqlite:<root>/wok-router.sqlite`.
    public var effectiveStore: String {
        if let store { return store }
        let root = self.root.hasSuffix("/") ? String(self.root.dropLast()) : self.root
        return "sqlite:\(root)/wok-router.sqlite"
    }
}
