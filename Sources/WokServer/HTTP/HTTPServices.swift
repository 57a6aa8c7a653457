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
    /// - Throws: 401 when a token is needed and missing or refused, 400 for two different tokens;
    ///   each with the `WWW-Authenticate` challenge RFC 6750 section 3 names.
    func grant(_ request: Request, trusted: Bool) async throws -> AccessGrant {
        switch await push.grants.grant(uri: request.uri.description, authorization: request.headers[values: .authorization], trusted: trusted) {
        case .success(let grant): return grant
        case .failure(.missing):
            throw RouteError(.unauthorized, "unauthorized", "a token is required (Authorization: Bearer or ?token=)",
                             headers: [.wwwAuthenticate: #"Bearer realm="wok-router""#])
        case .failure(.invalid):
            throw RouteError(.unauthorized, "unauthorized", "the token was refused (bad signature, expired, not yet valid, not HS256 or malformed)",
                             headers: [.wwwAuthenticate: #"Bearer realm="wok-router", error="invalid_token""#])
        case .failure(.ambiguous):
            throw RouteError(.badRequest, "bad_request", "two different tokens: give one, in Authorization: Bearer or in ?token=",
                             headers: [.wwwAuthenticate: #"Bearer realm="wok-router", error="invalid_request""#])
        }
    }

    /// Parses a `topics=` list into filters, checking each against the grant and the registry.
    /// - Throws: 400 (missing, an empty item, malformed, more than `max_filters`), 403 (not
    ///   granted), 404 `unknown_topic`.
    func filters(_ request: Request, grant: AccessGrant) throws -> [TopicFilter] {
        guard let list = try Self.query(request, "topics"), !list.isEmpty else {
            throw RouteError(.badRequest, "bad_request", "topics= is required: a comma-separated list of topic filters")
        }
        let items = list.split(separator: ",", omittingEmptySubsequences: false)
        let max = configuration.maxFilters
        if items.count > max {
            throw Self.overLimit("topics= holds \(items.count) filters; at most \(max) (max_filters)", limit: "max_filters", max: max)
        }
        var filters: [TopicFilter] = []
        for text in items {
            if text.isEmpty { throw RouteError(.badRequest, "bad_request", "topics= has an empty item: \"\(list)\"") }
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

    /// A 400 for a request past one of the limits (`limit` names the setting, `max` its value).
    static func overLimit(_ message: String, limit: String, max: some BinaryInteger) -> RouteError {
        overLimit(message, limit: limit, max: .int(Int64(max)))
    }

    static func overLimit(_ message: String, limit: String, max: JSON) -> RouteError {
        RouteError(.badRequest, "bad_request", message, extra: [("limit", .string(limit)), ("max", max)])
    }

    static func unknownTopic(_ topic: String, suggestions: [String]) -> RouteError {
        RouteError(.notFound, "unknown_topic", "unknown topic \"\(topic)\"",
                   extra: [("topic", .string(topic)), ("suggestions", .array(suggestions.map { .string($0) }))])
    }

    /// The query item `name`, or nil.
    /// - Throws: 400 when it is given more than once (which one counts is not guessed).
    static func query(_ request: Request, _ name: String) throws -> String? {
        let values = request.uri.queryParameters.getAll(name)
        guard values.count <= 1 else { throw RouteError(.badRequest, "bad_request", "\(name)= is given \(values.count) times; give it once") }
        return values.first
    }

    /// Reads a non-negative integer query item (decimal digits only).
    /// - Throws: 400 when it is not one (a sign, a fraction, past 2^64 - 1).
    static func integer(_ request: Request, _ name: String) throws -> UInt64? {
        guard let text = try query(request, name) else { return nil }
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let value = UInt64(text) else {
            throw RouteError(.badRequest, "bad_request", "\(name)= must be a non-negative integer, at most \(UInt64.max)")
        }
        return value
    }

    /// Reads a non-negative decimal number query item (`25`, `0.5`).
    /// - Throws: 400 when it is not one (a sign, an exponent, hex, `inf`, `nan`).
    static func number(_ request: Request, _ name: String) throws -> Double? {
        guard let text = try query(request, name) else { return nil }
        let parts = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard !text.isEmpty, parts.count <= 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { (0x30...0x39).contains($0) } }),
              let value = Double(text), value.isFinite else {
            throw RouteError(.badRequest, "bad_request", "\(name)= must be a non-negative number of seconds (25, 0.5)")
        }
        return value
    }
}
