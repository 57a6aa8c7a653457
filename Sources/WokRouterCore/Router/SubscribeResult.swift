/// What a subscribe answers (the `subscribed` frame, PROTOCOL section 4).
public struct SubscribeResult: Sendable, Hashable {
    /// The id of the last notification handed to subscribers when the subscription took effect
    /// (0: none yet): the replay covers ids up to it, every later one is delivered live. It may
    /// be below a `since` that another router of a shared store committed and this router's
    /// fan-out had not reached within the resume wait: every id above `since` is then delivered
    /// live, none at or below it.
    public var head: UInt64
    /// The history the ids count in.
    public var epoch: String
    /// False when `since` was given but the missed notifications cannot all be replayed
    /// (the epoch differs, history was trimmed past `since`, or the store never committed
    /// `since`); nothing is replayed then. True when `since` was not given.
    public var recovered: Bool

    public init(head: UInt64, epoch: String, recovered: Bool) {
        self.head = head
        self.epoch = epoch
        self.recovered = recovered
    }
}

/// A page of history for `GET /notifications`.
public struct HistoryPage: Sendable {
    /// The notifications with id > since matching the filters, in id order, at most `limit`.
    public var notifications: [Notification]
    /// The id of the last notification stored.
    public var head: UInt64
    /// The history the ids count in.
    public var epoch: String
    /// False when notifications matching the filters after `since` were trimmed or the epoch
    /// differs; true when `since` was not given.
    public var recovered: Bool

    public init(notifications: [Notification], head: UInt64, epoch: String, recovered: Bool) {
        self.notifications = notifications
        self.head = head
        self.epoch = epoch
        self.recovered = recovered
    }
}
