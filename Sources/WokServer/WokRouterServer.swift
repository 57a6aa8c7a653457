import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals
import WokRouterCore
import WokSchema

/// `wok-router serve`: the router, its store, the listeners (the HTTP API on Hummingbird's request
/// loop, the lean `/push` path on the event loops), wired from a ``WokServerConfiguration``.
public struct WokRouterServer: Sendable {
    /// The `Server` header of every HTTP answer.
    static let serverName = "wok-router"
    /// The configuration in force.
    public let configuration: WokServerConfiguration
    let router: WokRouterCore.Router
    let push: PushServices
    let http: HTTPServices
    let logger: Logger
    let eventLoopGroup: MultiThreadedEventLoopGroup
    /// Connections the TCP listener may have accepted and not closed (``AcceptGate``).
    let acceptBound: Int

    /// Opens the store, loads the schemas and prepares the listeners.
    /// - Throws: when the root, the store or the configuration cannot be used.
    public init(configuration: WokServerConfiguration, logger: Logger) async throws {
        // Bootstrap swift-metrics BEFORE the store, the router and the gauges create their metrics:
        // a metric created earlier stays on the no-op handler and never reaches /metrics.
        _ = ServerMetrics.shared
        self.configuration = configuration
        self.logger = logger
        // Bootstrap swift-metrics before the router and gauges create their metrics.
        let metrics = ServerMetrics.shared
        let registry = try SchemaRegistry(root: configuration.root, logger: logger)
        let store = try await StoreFactory.open(configuration.effectiveStore, root: configuration.root, logger: logger)
        var routerConfiguration = RouterConfiguration()
        routerConfiguration.maxHistoryLimit = configuration.maxHistoryLimit
        routerConfiguration.resumeWaitSeconds = configuration.resumeWait
        routerConfiguration.retentionIntervalSeconds = configuration.retentionInterval
        let router = WokRouterCore.Router(registry: registry, store: store, configuration: routerConfiguration, logger: logger)
        self.router = router
        let threads = configuration.eventLoops > 0 ? configuration.eventLoops : System.coreCount
        eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let verifier = await TokenVerifier(secret: configuration.authSecret)
        // The last descriptors of the limit are never given to connections (see DescriptorBudget).
        let budget = try DescriptorLimit.budget(for: configuration, logger: logger)
        let connections = ConnectionGauge(max: budget.maxConnections, maxRefusals: budget.maxRefusals)
        acceptBound = budget.acceptBound
        push = PushServices(router: router, configuration: configuration, verifier: verifier,
                            connections: connections, eventLoopGroup: eventLoopGroup, logger: logger)
        http = HTTPServices(router: router, configuration: configuration, connections: connections,
                            metrics: metrics, publicFiles: PublicFiles(configured: configuration.publicDir), logger: logger, push: push)
        if verifier.isOpen {
            logger.warning("""
                ******************************************************************
                * NO AUTH: no auth_secret is configured. Anyone who can reach    *
                * this router may subscribe to every topic and publish.          *
                * Set WOK_ROUTER_AUTH_SECRET (or auth_secret) before production. *
                ******************************************************************
                """)
        }
        if configuration.allowedOrigins.contains("null") {
            // RFC 6454 section 7.3: `null` is what an opaque origin sends, whatever site it is on.
            logger.warning("""
                allowed_origins lists "null": sandboxed iframes, data: and file: pages of ANY site send \
                Origin: null, so /push and /events admit them (tokens still apply)
                """)
        }
        if http.publicFiles.directory == nil {
            logger.warning("no Public/ folder found: /wok-push.js and /demo/ will answer 404 (set public_dir)")
        }
    }

    /// One listener (``WokListener``): the HTTP API on Hummingbird's request loop, `/push` on the
    /// event loops.
    /// - Parameters:
    ///   - address: where it listens.
    ///   - trusted: the UNIX socket listener (publishers need no token).
    ///   - onServerRunning: called with the listening channel once it is bound.
    public func listener(address: ListenAddress, trusted: Bool,
                         onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some Service {
        WokListener(
            address: address, trusted: trusted, push: push,
            responder: HTTPResponder.make(router: Routes.make(http, trusted: trusted), serverName: Self.serverName, logger: logger),
            eventLoopGroup: eventLoopGroup, backlog: 4096, acceptBound: trusted ? nil : acceptBound, logger: logger,
            onServerRunning: onServerRunning)
    }

    /// The service that runs the router and shuts it down (1001 to every push socket).
    public var routerService: some Service { RouterService(router: router, push: push, logger: logger) }

    /// Stops the event loops (after the services stopped).
    public func shutdownEventLoops() async throws {
        try await eventLoopGroup.shutdownGracefully()
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully: push sockets get 1001, SSE streams
    /// end, the store finishes its commits.
    public func run() async throws {
        let configuration = self.configuration
        let logger = self.logger
        var services: [any Service] = [
            listener(address: .hostname(configuration.host, port: configuration.port), trusted: false) { channel in
                logger.info("wok-router listening on http://\(configuration.host):\(channel.localAddress?.port ?? configuration.port)")
            },
        ]
        if let path = configuration.unixSocket {
            // Only a stale socket is removed: a file, a folder or a live socket at that path is refused.
            try UnixSocketFile.prepare(path)
            let mode = configuration.unixSocketMode
            services.append(listener(address: .unixDomainSocket(path: path), trusted: true) { _ in
                // Created owner-only (UnixSocketFile.bindingPrivately), then opened to the mode.
                if let problem = UnixSocketFile.setMode(mode, of: path) {
                    logger.error("UNIX socket \(path): cannot set its mode to \(String(mode, radix: 8)) (\(problem)); it stays owner-only (700)")
                } else {
                    logger.info("publishing also on UNIX socket \(path) (mode \(String(mode, radix: 8)))")
                }
            })
        }
        // Shut down in reverse order: the router service first (sockets 1001, streams end), then
        // the listeners, which then have no long-lived requests left to wait for.
        services.append(routerService)
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) },
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        if let path = configuration.unixSocket { UnixSocketFile.removeIfSocket(path) }
        try await shutdownEventLoops()
    }
}
