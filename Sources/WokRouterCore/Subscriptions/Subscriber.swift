/// Something notifications are delivered to: the push server adapts each socket, SSE stream or
/// long-poll request to it. The core never sees the network.
public protocol Subscriber: AnyObject, Sendable {
    /// Hands over one notification matching at least one of this subscriber's filters.
    ///
    /// Contract: called exactly once per notification even when several filters match, in
    /// increasing `id` order per subscriber, never concurrently for one subscriber. It must not
    /// block and must not call back into the router synchronously: enqueue and return.
    func deliver(_ notification: EncodedNotification)

    /// Hands over notifications replayed for a resuming subscribe, in increasing `id` order,
    /// before any later live notification. The router awaits each call (live notifications are
    /// held back meanwhile), so a transport may wait here for room in its outbound queue instead
    /// of overflowing it with a large replay. Pages hold at most
    /// `RouterConfiguration.replayPageSize` notifications (plus held-back live ones they overtake).
    /// Default: `deliver` for each.
    func replay(_ notifications: [EncodedNotification]) async

    /// Asks the transport to close this subscriber (the router is shutting down). After this
    /// call the router delivers nothing more to it. Must not block.
    func close(reason: SubscriberCloseReason)

    /// The group this subscriber's live notifications are handed to (one call per notification
    /// for all matching members), or nil to get them through `deliver` one by one. Read once,
    /// when the router first registers the subscriber: it must not change afterwards.
    /// Default: nil.
    var deliveryGroup: (any DeliveryGroup)? { get }
}

extension Subscriber {
    public var deliveryGroup: (any DeliveryGroup)? { nil }

    public func replay(_ notifications: [EncodedNotification]) async {
        for notification in notifications { deliver(notification) }
    }
}

/// Why the router asks a subscriber to close.
public struct SubscriberCloseReason: Hashable, Sendable, CustomStringConvertible {
    private let code: String
    /// The router is shutting down (WebSocket close 1001).
    public static let shutdown = SubscriberCloseReason(code: "shutdown")
    /// Notifications this subscriber may match were skipped (a `HistoryGap`): the client must
    /// reconnect and resume, which answers `recovered: false` (WebSocket close 1013).
    public static let historyGap = SubscriberCloseReason(code: "history_gap")
    public var description: String { code }
}
