/// The router's record of one subscriber: its filters, their floors (see `floors`) and, while a
/// subscribe is replaying, the live notifications held back so that nothing overtakes the replay.
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
    /// Per filter added by a resume that this router's fan-out had not reached yet (a store
    /// shared by several routers): the `since` it resumed from. The client already has every
    /// notification up to it, so one at or below it is not delivered unless another filter of
    /// this subscriber, with a lower floor or none, matches it.
    var floors: [TopicFilter: UInt64] = [:]
    /// The highest of `floors` (0: none); the floors are dropped once the fan-out passes it.
    var highestFloor: UInt64 = 0

    init(_ subscriber: any Subscriber) {
        self.subscriber = subscriber
        self.group = subscriber.deliveryGroup
    }

    /// Delivers now (or adds the subscriber to its group's share of `grouped`), or holds back
    /// while a subscribe is in progress.
    /// - Returns: whether it was delivered (or added to `grouped`) now.
    func offer(_ notification: EncodedNotification, grouped: inout GroupedDeliveries) -> Bool {
        if closed { return false }
        if highestFloor > 0 {
            if notification.id > highestFloor {
                floors = [:]  // ids come in order: no later one is at or below a floor
                highestFloor = 0
            } else if !isAboveFloor(notification) {
                return false
            }
        }
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

    /// Whether some filter of this subscriber matches `notification` and is not floored at or
    /// above its id.
    func isAboveFloor(_ notification: EncodedNotification) -> Bool {
        let topic = notification.notification.topic
        return filters.contains { filter in
            notification.id > floors[filter, default: 0] && filter.matches(topic)
        }
    }

    /// Sets the floor of `added` (filters a resume just registered) to `since`.
    func floor(_ added: [TopicFilter], at since: UInt64) {
        guard !added.isEmpty else { return }
        for filter in added { floors[filter] = since }
        highestFloor = max(highestFloor, since)
    }
}
