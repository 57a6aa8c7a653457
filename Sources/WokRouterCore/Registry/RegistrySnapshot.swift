import WokJSON
import WokSchema

/// One immutable, consistent set of topics and validators. The registry swaps whole snapshots,
/// so a validation in flight sees the old set or the new one, never a mix.
public final class RegistrySnapshot: Sendable {
    /// Topics by name, refused ones included (their `validator` is the previous version's, or nil).
    public let topics: [String: TopicEntry]
    /// Plugins by name (`PluginInfo.name`), with the names of their topics.
    public let plugins: [String: PluginInfo]
    /// Everything wrong in the tree when this snapshot was loaded.
    public let findings: [RegistryFinding]
    /// The core protocol schemas by name (`client-frame`, `server-frame`, `publish`).
    public let protocolValidators: [String: Validator]

    init(topics: [String: TopicEntry], plugins: [String: PluginInfo], findings: [RegistryFinding],
         protocolValidators: [String: Validator]) {
        self.topics = topics
        self.plugins = plugins
        self.findings = findings
        self.protocolValidators = protocolValidators
    }

    /// An empty snapshot (no topics).
    public static let empty = RegistrySnapshot(topics: [:], plugins: [:], findings: [], protocolValidators: [:])

    /// Every topic's info, sorted by name.
    public var topicInfos: [TopicInfo] { topics.values.map(\.info).sorted { $0.topic < $1.topic } }

    /// The names of topics that can be published to (a schema is in force).
    public var topicNames: [String] { topics.values.filter { $0.validator != nil }.map(\.topic.name).sorted() }

    /// Up to three existing topic names nearest to `name`, best first.
    public func suggestions(for name: String) -> [String] {
        EditDistance.suggestions(for: name, among: topics.values.filter { $0.validator != nil }.map(\.topic.name))
    }

    /// The retention of every topic with an override, on top of `defaultRetention`.
    public func retentionRules(default defaultRetention: Retention) -> RetentionRules {
        var rules = RetentionRules(defaultRetention: defaultRetention)
        for entry in topics.values {
            guard let retention = entry.retention else { continue }
            rules.perTopic[entry.topic.name] = Retention(count: retention.count ?? defaultRetention.count,
                                                         maxAgeSeconds: retention.maxAgeSeconds ?? defaultRetention.maxAgeSeconds)
        }
        return rules
    }
}

/// A plugin as loaded: its manifest and topics.
public struct PluginInfo: Sendable, Hashable {
    /// The plugin name (its folder name; `wok` for the core; `plugins/wok` for a folder of that
    /// name, refused since the name is the core's).
    public var name: String
    /// The manifest's version (nil for the core, or when the manifest was refused).
    public var version: String?
    /// The manifest's description.
    public var description: String?
    /// The plugin's topics, sorted.
    public var topics: [String]
    /// Why the plugin (or one of its files) was refused, if it was.
    public var refusal: String?
    /// A fingerprint of every file of the plugin, to tell "changed" from "unchanged".
    var fingerprint: UInt64
}
