extension Router {
    /// A page of history for `GET /notifications`: the notifications of `filters` with id > `since`
    /// (all stored ones when `since` is nil), in id order, at most `limit` (clamped to
    /// `configuration.maxHistoryLimit`).
    /// - Parameter epoch: the history `since` counts in; when it differs, nothing is returned and
    ///   `recovered` is false.
    /// - Throws: `unknown_topic` for an exact filter naming no topic; `unavailable` when the store fails.
    public func history(filters: [TopicFilter], since: UInt64?, epoch: String? = nil, limit: Int) async throws(RouterError) -> HistoryPage {
        let snapshot = registry.snapshot
        for filter in filters {
            guard let topic = filter.exactTopic else { continue }
            if snapshot.topics[topic.name] == nil {
                throw .unknownTopic(topic.name, suggestions: snapshot.suggestions(for: topic.name))
            }
        }
        if let since, let epoch, epoch != store.epoch {
            _ = since
            return HistoryPage(notifications: [], head: store.head, epoch: store.epoch, recovered: false)
        }
        let limit = max(0, min(limit, configuration.maxHistoryLimit))
        do {
            let read = try await store.read(filters: filters, since: since ?? 0, limit: limit)
            let recovered = since == nil || (read.complete && since! <= read.head)
            return HistoryPage(notifications: read.notifications, head: read.head, epoch: store.epoch, recovered: recovered)
        } catch {
            throw .unavailable(error)
        }
    }
}
