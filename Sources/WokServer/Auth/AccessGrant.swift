import Foundation
import JWTKit
import WokRouterCore

/// What one connection or request may do, from its token (or from running open).
package struct AccessGrant: Sendable {
    /// Filters it may subscribe to; nil means anything (open router).
    package let subscribeFilters: [TopicFilter]?
    /// Whether it may publish at all.
    package let mayPublish: Bool
    /// Topics it may publish to when ``mayPublish``; nil means any.
    package let publishFilters: [TopicFilter]?
    /// The token's `exp`: a push socket or SSE stream admitted with it is ended then. Nil: never
    /// (open router, trusted listener).
    package let expires: Date?

    /// Everything allowed: the router runs without a secret, or the request came over the UNIX socket.
    package static let open = AccessGrant(subscribeFilters: nil, mayPublish: true, publishFilters: nil)

    /// The grant of verified claims. Claim filters that do not parse grant nothing.
    package init(claims: WokClaims) {
        let filters = (claims.topics ?? []).compactMap { try? TopicFilter($0) }
        self.subscribeFilters = filters
        self.mayPublish = claims.pub == true
        self.publishFilters = claims.topics == nil ? nil : filters
        self.expires = claims.exp.value
    }

    package init(subscribeFilters: [TopicFilter]?, mayPublish: Bool, publishFilters: [TopicFilter]?, expires: Date? = nil) {
        self.subscribeFilters = subscribeFilters
        self.mayPublish = mayPublish
        self.publishFilters = publishFilters
        self.expires = expires
    }

    /// Whether the token it came from has expired at `now` (never for a grant without `exp`).
    package func hasExpired(at now: Date = Date()) -> Bool {
        guard let expires else { return false }
        return now >= expires
    }

    /// Whether subscribing to `filter` is allowed: some granted filter covers every topic it matches.
    package func maySubscribe(_ filter: TopicFilter) -> Bool {
        guard let granted = subscribeFilters else { return true }
        return granted.contains { Self.covers($0.segments[...], filter.segments[...]) }
    }

    /// Whether publishing to `topic` is allowed.
    package func mayPublish(to topic: String) -> Bool {
        guard mayPublish else { return false }
        guard let granted = publishFilters else { return true }
        return granted.contains { $0.matches(topicName: topic) }
    }

    /// Whether every topic matched by `f` is matched by `g`.
    static func covers(_ g: ArraySlice<TopicFilter.Segment>, _ f: ArraySlice<TopicFilter.Segment>) -> Bool {
        guard let gFirst = g.first else { return f.isEmpty }
        if gFirst == .rest { return !f.isEmpty }
        guard let fFirst = f.first else { return false }
        switch (gFirst, fFirst) {
        case (_, .rest): return false
        case (.any, _): return covers(g.dropFirst(), f.dropFirst())
        case (.literal(let a), .literal(let b)) where a == b: return covers(g.dropFirst(), f.dropFirst())
        default: return false
        }
    }
}
