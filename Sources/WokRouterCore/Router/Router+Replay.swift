extension Router {
    /// Hands `replay` (ids up to the subscribe's head, all below any held-back live notification)
    /// to the subscriber page by page through `Subscriber.replay(_:)`, awaiting each page; stops
    /// if the subscriber is removed meanwhile.
    func deliverReplay(_ replay: [Notification], to entry: SubscriberEntry) async {
        let pageSize = max(1, configuration.replayPageSize)
        var start = 0
        while start < replay.count {
            let page = replay[start..<min(start + pageSize, replay.count)]
            start = page.endIndex
            if state.withLock({ _ in entry.closed }) { return }
            await entry.subscriber.replay(page.map(EncodedNotification.init))
            metrics.delivered(page.count)
        }
    }
}
