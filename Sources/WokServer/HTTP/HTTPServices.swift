import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import WokJSON
import WokRouterCore
import WokSchema

/// What the HTTP routes share.
final class HTTPServices: Sendable {
    let router: WokRouterCore.Router
    let configuration: WokServerConfiguration
    let connections: ConnectionGauge
    let metrics: ServerMetrics
    let publicFiles: PublicFiles
    let logger: Logger
    let push: PushServices

    init(router: WokRouterCore.Router, configuration: WokServerConfiguration, connections: ConnectionGauge,
         metrics: ServerMetrics, publicFiles: PublicFiles, logger: Logger, push: PushServices) {
        self.router = router
        self.configuration = configuration
        self.connections = connections
        self.metrics = metrics
        self.publicFiles = publicFiles
        self.logger = logger
        self.push = push
    }

    /// The grant of a request: open over the UNIX socket or without a secret, else from its token
    /// (verified once, then remembered until its `exp`: see ``GrantResolver``).
    /// - Throws: 401 when a token is needed and missing or refused.
    func grant(_ request: Request, trusted: Bool) async throws -> AccessGrant {
        switch await push.grants.grant(uri: request.uri.description, authorization: request.headers[.authorization], trusted: trusted) {
        case .success(let grant): return grant
        case .failure(.missing): throw RouteError(.unauthorized, "unauthorized", "a token is required (Authorization: Bearer or ?token=)")
        case .failure(.invalid): throw RouteError(.unauthorized, "unauthorized", "the token was refused (bad signature, expired or malformed)")
        }
    }

    /// Parses a `topics=` list into filters, checking each against the grant and the registry.
    /// - Throws: 400 (missing or malformed), 403 (not granted), 404 `unknown_topic`.
    func filters(_ request: Request, grant: AccessGrant) throws -> [TopicFilter] {
        guard let list = request.uri.queryParameters.get("topics"), !list.isEmpty else {
            throw RouteError(.badRequest, "bad_request", "topics= is required: a comma-separated list of topic filters")
        }
        var filters: [TopicFilter] = []
        for text in list.split(separator: ",") {
            do { filters.append(try TopicFilter(String(text))) } catch {
                throw RouteError(.badRequest, "bad_request", "not a topic filter: \(error.description)")
            }
        }
        let refused = filters.filter { !grant.maySubscribe($0) }
        if !refused.isEmpty {
            throw RouteError(.forbidden, "forbidden", "not granted: " + refused.map(\.text).joined(separator: ", "),
                             extra: [("topics", .array(refused.map { .string($0.text) }))])
        }
        let snapshot = router.registry.snapshot
        for filter in filters {
            if let topic = filter.exactTopic, snapshot.topics[topic.name]?.validator == nil {
                throw Self.unknownTopic(topic.name, suggestions: snapshot.suggestions(for: topic.name))
            }
        }
        return filters
    }

    static func unknownTopic(_ topic: String, suggestions: [String]) -> RouteError {
        RouteError(.notFound, "unknown_topic", "unknown topic \"\(topic)\"",
                   extra: [("topic", .string(topic)), ("suggestions", .array(suggestions.map { .string($0) }))])
    }

    /// Reads a non-negative integer query item.
    static func integer(_ request: Request, _ name: String) throws -> UInt64? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        guard let value = UInt64(text) else { throw RouteError(.badRequest, "bad_request", "\(name)= must be a non-negative integer") }
        return value
    }

    /// Reads a non-negative number query item.
    static func number(_ request: Request, _ name: String) throws -> Double? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        guard let value = Double(text), value >= 0, value.isFinite else {
            throw RouteError(.badRequest, "bad_request", "\(name)= must be a non-negative number")
        }
        return value
    }
}
