extension Router {
    /// Hands `replay` to the subscriber page by page through `Subscriber.replay(_:)`, each page
    /// merged in id order with the held-back live notifications it overtakes (duplicates dropped).
    /// Live notifications after the page stay held back.
    /// - Returns: the last id handed over (0 when nothing was).
    func deliverReplay(_ replay: [Notification], to entry: SubscriberEntry) async -> UInt64 {
        var lastID: UInt64 = 0
        var start = 0
        let pageSize = max(1, configuration.replayPageSize)
        while start < replay.count {
            let page = replay[start..<min(start + pageSize, replay.count)]
            start = page.endIndex
            let upTo = page.last!.id
            let overtaken: [EncodedNotification]? = state.withLock { _ in
                if entry.closed { return nil }
                let taken = entry.buffer.filter { $0.id <= upTo }
                entry.buffer.removeAll { $0.id <= upTo }
                return taken
            }
            guard let overtaken else { return lastID }
            var merged: [EncodedNotification] = []
            merged.reserveCapacity(page.count + overtaken.count)
            var live = overtaken.sorted { $0.id < $1.id }[...]
            for notification in page {
                while let next = live.first, next.id <= notification.id {
                    live.removeFirst()
                    if next.id > lastID && next.id < notification.id { merged.append(next); lastID = next.id }
                }
                if notification.id > lastID {
                    merged.append(EncodedNotification(notification))
                    lastID = notification.id
                }
            }
            if merged.isEmpty { continue }
            await entry.subscriber.replay(merged)
            metrics.delivered(merged.count)
        }
        return lastID
    }
}
