import Logging
import NIOCore
import NIOHTTP1
import WokRouterCore

/// What every push connection shares: the router, the configuration, the grant resolver, the
/// client-frame validator, the per-loop queues and the connection gauge.
final class PushServices: Sendable {
    let router: WokRouterCore.Router
    let configuration: WokServerConfiguration
    let connections: ConnectionGauge
    let logger: Logger
    /// Decides grants, remembering verified tokens (shared with the HTTP routes).
    let grants: GrantResolver
    private let loops: [ObjectIdentifier: PushLoop]

    init(router: WokRouterCore.Router, configuration: WokServerConfiguration, verifier: TokenVerifier,
         connections: ConnectionGauge, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.router = router
        self.configuration = configuration
        self.grants = GrantResolver(verifier: verifier)
        self.connections = connections
        self.logger = logger
        var loops: [ObjectIdentifier: PushLoop] = [:]
        for loop in eventLoopGroup.makeIterator() {
            loops[ObjectIdentifier(loop)] = PushLoop(eventLoop: loop)
        }
        self.loops = loops
    }

    /// The push state of `eventLoop` (made on demand for a loop outside the group).
    func loop(for eventLoop: any EventLoop) -> PushLoop {
        loops[ObjectIdentifier(eventLoop)] ?? PushLoop(eventLoop: eventLoop)
    }

    var allLoops: [PushLoop] { Array(loops.values) }

    /// Pending frames in all fan-out queues.
    var queueDepth: Int { loops.values.reduce(0) { $0 + $1.depth } }

    /// Starts server pings on every loop.
    func start() {
        let interval = TimeAmount.nanoseconds(Int64(configuration.pingInterval * 1e9))
        for loop in loops.values { loop.startPinging(every: interval) }
    }

    /// Closes every push socket with 1001.
    func shutdown() async {
        for loop in loops.values {
            try? await loop.closeAll(code: CloseCode.goingAway, reason: "router shutting down").get()
        }
    }

    /// Checks origin, connection count and token of an upgrade request.
    ///
    /// Awaits only when a token must be verified (jwt-kit's key collection is an actor); the
    /// upgrade handler first tries ``admitWithoutVerifying(head:trusted:)``.
    func admit(head: HTTPRequestHead, trusted: Bool) async -> PushAdmission {
        if let decided = admitWithoutVerifying(head: head, trusted: trusted) { return decided }
        switch await grants.grant(uri: head.uri, authorization: head.headers["authorization"], trusted: trusted) {
        case .success(let grant): return acquire(grant)
        case .failure(.missing): return .refused(code: CloseCode.policy, reason: "token required", disconnect: "auth_refused")
        case .failure(.invalid): return .refused(code: CloseCode.policy, reason: "token refused", disconnect: "auth_refused")
        case .failure(.ambiguous): return .refused(code: CloseCode.policy, reason: "two different tokens", disconnect: "auth_refused")
        }
    }

    /// The admission of an upgrade request when it can be decided without verifying a token: a
    /// refused origin, a request on the trusted listener or to a router without `auth_secret`, or
    /// a token verified recently and not expired (then the connection count decides). Nil when a
    /// token must be verified (``admit(head:trusted:)``).
    func admitWithoutVerifying(head: HTTPRequestHead, trusted: Bool) -> PushAdmission? {
        if !configuration.allowedOrigins.isEmpty {
            // Every Origin value must be allowed (a request carrying two is refused if either is not).
            let origins = head.headers["origin"]
            if origins.isEmpty || origins.contains(where: { !configuration.allowedOrigins.contains($0) }) {
                return .refused(code: CloseCode.policy, reason: "origin not allowed", disconnect: "origin_refused")
            }
        }
        guard let grant = grants.grantWithoutVerifying(uri: head.uri, authorization: head.headers["authorization"],
                                                       trusted: trusted) else { return nil }
        return acquire(grant)
    }

    private func acquire(_ grant: AccessGrant) -> PushAdmission {
        guard connections.acquire(.websocket) else {
            return .refused(code: CloseCode.tryAgainLater, reason: "too many connections", disconnect: "max_connections")
        }
        return .accepted(grant)
    }
}
