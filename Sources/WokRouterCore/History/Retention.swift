/// How long a topic's notifications are kept: at most `count` of them and none older than
/// `maxAgeSeconds`. Either bound may be absent (nil: no bound of that kind).
///
/// Plugins override the defaults for their topics in `plugin.json`:
/// `"retention": {"count": 10000, "maxAgeSeconds": 604800}` applies to every topic of the plugin,
/// and `"topics": {"kimchi.vms": {"retention": {"count": 100}}}` to one topic.
public struct Retention: Hashable, Sendable, CustomStringConvertible {
    /// The most notifications kept per topic.
    public var count: Int?
    /// The oldest notification kept, in seconds before now.
    public var maxAgeSeconds: Int64?

    public init(count: Int? = nil, maxAgeSeconds: Int64? = nil) {
        self.count = count
        self.maxAgeSeconds = maxAgeSeconds
    }

    /// The router's default: 10,000 notifications or 7 days per topic, whichever is reached first.
    public static let standard = Retention(count: 10_000, maxAgeSeconds: 7 * 24 * 3600)

    public var description: String {
        "count \(count.map(String.init) ?? "unbounded"), max age \(maxAgeSeconds.map { "\($0) s" } ?? "unbounded")"
    }
}

/// Retention for every topic: a default and per-topic overrides.
public struct RetentionRules: Sendable, Hashable {
    /// Applies to topics without an override.
    public var defaultRetention: Retention
    /// Overrides by topic name.
    public var perTopic: [String: Retention]

    public init(defaultRetention: Retention = .standard, perTopic: [String: Retention] = [:]) {
        self.defaultRetention = defaultRetention
        self.perTopic = perTopic
    }

    /// The retention of `topic`.
    public func retention(for topic: String) -> Retention { perTopic[topic] ?? defaultRetention }
}
