import WokJSON
import WokSchema

/// Whether a topic's latest schema file is in force.
public enum TopicStatus: String, Sendable, Hashable {
    /// The latest file compiled and is in force.
    case ok
    /// The latest file was refused; `reason` says why. The previous version, if any, stays in force.
    case refused
}

/// What `GET /topics` and `wok-router topics` show about one topic.
public struct TopicInfo: Sendable, Hashable {
    /// The topic name.
    public var topic: String
    /// The owning plugin (`wok` for core topics).
    public var plugin: String
    /// The draft of the schema in force (or of the refused file when none is in force), as
    /// json-schema.org names it: `draft-03`, `draft-04`, `draft-06`, `draft-07`, `2019-09`, `2020-12`.
    public var draft: String?
    /// The schema's `$id`, if any.
    public var id: String?
    /// The schema's `description` (or `title`), if any.
    public var description: String?
    /// `ok` or `refused`.
    public var status: TopicStatus
    /// Why the latest file was refused.
    public var reason: String?
    /// The schema file, relative to the root.
    public var file: String
    /// Whether a schema is in force (false when the only version was refused).
    public var inForce: Bool

    /// The `GET /topics` object: `topic`, `plugin`, `draft`, `$id`, `description`, `status`,
    /// `reason` (only when refused).
    public var json: JSON {
        var members: [(String, JSON)] = [("topic", .string(topic)), ("plugin", .string(plugin))]
        members.append(("draft", draft.map(JSON.string) ?? .null))
        members.append(("$id", id.map(JSON.string) ?? .null))
        members.append(("description", description.map(JSON.string) ?? .null))
        members.append(("status", .string(status.rawValue)))
        if let reason { members.append(("reason", .string(reason))) }
        return .object(members)
    }
}

/// One topic in a registry snapshot: its info, its schema and its compiled validator.
public final class TopicEntry: Sendable {
    /// The topic.
    public let topic: Topic
    /// What is shown about it.
    public let info: TopicInfo
    /// The schema in force, as loaded (nil when the only version was refused).
    public let schema: JSON?
    /// The compiled schema in force (nil when the only version was refused).
    public let validator: Validator?
    /// Its retention (the plugin manifest's override, else nil for the router's default).
    public let retention: Retention?
    /// The file's content fingerprint, to tell changed files from unchanged ones.
    let fingerprint: UInt64

    init(topic: Topic, info: TopicInfo, schema: JSON?, validator: Validator?, retention: Retention?, fingerprint: UInt64) {
        self.topic = topic
        self.info = info
        self.schema = schema
        self.validator = validator
        self.retention = retention
        self.fingerprint = fingerprint
    }
}
