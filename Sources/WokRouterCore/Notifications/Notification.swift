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
    /// `data`'s compact JSON text, when the store already has it (it serialized it to store it,
    /// or read it back as text): the frame reuses it instead of serializing `data` again. `nil`
    /// when nobody has it yet.
    public let serializedData: [UInt8]?

    /// Makes a notification; stores call this when they assign an id.
    /// - Parameter serializedData: `data.serialized()`, if the caller already has it.
    public init(id: UInt64, topic: Topic, time: NotificationTime, data: JSON, epoch: String,
                serializedData: [UInt8]? = nil) {
        precondition(id > 0, "notification ids are positive")
        self.id = id
        self.topic = topic
        self.time = time
        self.data = data
        self.epoch = epoch
        self.serializedData = serializedData
    }
}

/// A notification accepted by the router but not stored yet: what a `HistoryStore` appends.
public struct PendingNotification: Sendable {
    /// The topic (already looked up and validated).
    public var topic: Topic
    /// The data (already validated).
    public let data: JSON
    /// When the router accepted it.
    public var time: NotificationTime
    /// `data`'s compact JSON text, serialized once here: the store keeps it and the frame that
    /// subscribers receive reuses it (``Notification/serializedData``).
    public let serializedData: [UInt8]

    public init(topic: Topic, data: JSON, time: NotificationTime) {
        self.topic = topic
        self.data = data
        self.time = time
        self.serializedData = data.serialized()
    }
}

/// `Notification` under a name that does not clash with Foundation's `Notification` in files
/// that import both modules.
public typealias WokNotification = Notification
