/// The router's record of one subscriber: its filters and, while a subscribe is replaying,
/// the live notifications held back so that nothing overtakes the replay.
///
/// Mutated only under the router's lock.
final class SubscriberEntry: SubscriptionIndexable, @unchecked Sendable {
    let subscriber: any Subscriber
    /// `subscriber.deliveryGroup`, read once.
    let group: (any DeliveryGroup)?
    var filters: Set<TopicFilter> = []
    var indexMark: UInt64 = 0
    /// Subscribes in progress; live deliveries are buffered while it is above zero.
    var pendingSubscribes = 0
    var buffer: [EncodedNotification] = []
    var closed = false

    init(_ subscriber: any Subscriber) {
        self.subscriber = subscriber
        self.group = subscriber.deliveryGroup
    }

    /// Delivers now (or adds the subscriber to its group's share of `grouped`), or holds back
    /// while a subscribe is in progress.
    /// - Returns: whether it was delivered (or added to `grouped`) now.
    func offer(_ notification: EncodedNotification, grouped: inout GroupedDeliveries) -> Bool {
        if closed { return false }
        if pendingSubscribes > 0 {
            buffer.append(notification)
            return false
        }
        if let group {
            grouped.add(subscriber, to: group)
        } else {
            subscriber.deliver(notification)
        }
        return true
    }
}
