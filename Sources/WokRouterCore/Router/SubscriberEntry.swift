/// The router's record of one subscriber: its filters and, while a subscribe is replaying,
/// the live notifications held back so that nothing overtakes the replay.
///
/// Mutated only under the router's lock.
final class SubscriberEntry: SubscriptionIndexable, @unchecked Sendable {
    let subscriber: any Subscriber
    var filters: Set<TopicFilter> = []
    var indexMark: UInt64 = 0
    /// Subscribes in progress; live deliveries are buffered while it is above zero.
    var pendingSubscribes = 0
    var buffer: [EncodedNotification] = []
    var closed = false

    init(_ subscriber: any Subscriber) { self.subscriber = subscriber }

    /// Delivers now, or holds back while a subscribe is in progress.
    func offer(_ notification: EncodedNotification) {
        if closed { return }
        if pendingSubscribes > 0 { buffer.append(notification) } else { subscriber.deliver(notification) }
    }
}
