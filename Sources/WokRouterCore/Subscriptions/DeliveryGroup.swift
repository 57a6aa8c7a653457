/// Subscribers that take their live notifications together. The push server makes one per event
/// loop, so a notification crosses to a loop once (one lock, one frame, one wake-up) however
/// many of that loop's sockets it matches.
///
/// A subscriber joins a group by returning it from ``Subscriber/deliveryGroup``; the router then
/// hands that subscriber's live notifications to the group instead of calling its `deliver`.
public protocol DeliveryGroup: AnyObject, Sendable {
    /// Hands `notification` to each of `subscribers`: members of this group whose filters match
    /// it, each listed once.
    ///
    /// Contract: for each listed subscriber this stands for one ``Subscriber/deliver(_:)`` call,
    /// with the same guarantees and duties (exactly once per notification, increasing `id` order,
    /// must not block, must not call back into the router synchronously). The router calls it and
    /// the members' own `deliver` (held-back notifications after a replay) one at a time, in
    /// order, so a group must keep both in one order per subscriber (one queue for both).
    func deliver(_ notification: EncodedNotification, to subscribers: [any Subscriber])
}
