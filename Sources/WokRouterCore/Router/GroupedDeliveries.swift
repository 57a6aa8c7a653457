/// The grouped part of one notification's fan-out: the matching subscribers of each delivery
/// group, collected while the index is visited and handed to each group in one call.
struct GroupedDeliveries {
    /// Few entries (one per event loop in the push server): found by a linear scan.
    private var shares: [(group: any DeliveryGroup, subscribers: [any Subscriber])] = []

    /// Adds `subscriber` to `group`'s share.
    mutating func add(_ subscriber: any Subscriber, to group: any DeliveryGroup) {
        for index in shares.indices where shares[index].group === group {
            shares[index].subscribers.append(subscriber)
            return
        }
        shares.append((group, [subscriber]))
    }

    /// Hands `notification` to each group with its share.
    func deliver(_ notification: EncodedNotification) {
        for share in shares { share.group.deliver(notification, to: share.subscribers) }
    }
}
