import WokJSON

/// A plugin was loaded, changed, refused or removed: the data of a `wok.router.plugins` notification.
public struct PluginEvent: Sendable, Hashable {
    /// The topic these events are published on.
    public static let topic = "wok.router.plugins"

    /// What happened.
    public enum Kind: String, Sendable, Hashable {
        case loaded, changed, refused, removed
    }

    /// The plugin: its folder name under `plugins/` (`wok` for the core schemas). A `refused` or
    /// `removed` event may name a folder whose name is not a valid plugin name (refused for that
    /// reason); the topic's schema allows any non-empty name for those two events only. A folder
    /// `plugins/wok` (refused: the name is the core's) is named `plugins/wok`, never `wok`, so
    /// that its events are not taken for the core's.
    public var plugin: String
    /// What happened.
    public var kind: Kind
    /// The plugin's topics now (before removal, for `removed`).
    public var topics: [String]
    /// Why, for `refused` only.
    public var reason: String?

    public init(plugin: String, kind: Kind, topics: [String], reason: String? = nil) {
        self.plugin = plugin
        self.kind = kind
        self.topics = topics
        self.reason = reason
    }

    /// `{"plugin": "kimchi", "event": "refused", "topics": [...], "reason": "..."}`.
    public var data: JSON {
        var members: [(String, JSON)] = [
            ("plugin", .string(plugin)), ("event", .string(kind.rawValue)), ("topics", .array(topics.map(JSON.string))),
        ]
        if kind == .refused { members.append(("reason", .string(reason ?? "refused"))) }
        return .object(members)
    }
}
