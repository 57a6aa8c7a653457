import WokJSON

/// One accepted notification: what every subscriber of its topic receives (PROTOCOL section 3).
public struct Notification: Sendable {
    /// Positive, strictly increasing across the router (or cluster) in acceptance order.
    public let id: UInt64
    /// The topic it was published on.
    public let topic: Topic
    /// The plugin owning the topic (the topic's first segment).
    public var plugin: String { topic.plugin }
    /// When it was accepted, in milliseconds since 1970-01-01T00:00:00Z.
    public let time: NotificationTime
    /// The data, valid against the topic's schema when it was accepted.
    public let data: JSON
    /// The history `id` counts in.
    public let epoch: String

    /// Makes a notification; stores call this when they assign an id.
    public init(id: UInt64, topic: Topic, time: NotificationTime, data: JSON, epoch: String) {
        precondition(id > 0, "notification ids are positive")
        self.id = id
        self.topic = topic
        self.time = time
        self.data = data
        self.epoch = epoch
    }
}

/// A notification accepted by the router but not stored yet: what a `HistoryStore` appends.
public struct PendingNotification: Sendable {
    /// The topic (already looked up and validated).
    public var topic: Topic
    /// The data (already validated).
    public var data: JSON
    /// When the router accepted it.
    public var time: NotificationTime

    public init(topic: Topic, data: JSON, time: NotificationTime) {
        self.topic = topic
        self.data = data
        self.time = time
    }
}

/// `Notification` under a name that does not clash with Foundation's `Notification` in files
/// that import both modules.
public typealias WokNotification = Notification
