/// Keeps history in memory: a new epoch at every start, nothing survives the process.
public final class MemoryHistoryStore: HistoryStore {
    private struct State {
        var notifications: [Notification] = []
        var head: UInt64 = 0
        /// Per topic, the highest id deleted by `trim`.
        var trimmedThrough: [String: UInt64] = [:]
        var handler: (@Sendable ([Notification]) -> Void)?
        var closed = false
    }

    public let epoch: String
    private let state = Locked(State())

    /// A new, empty history with a new random epoch.
    public init(epoch: String = Epoch.random()) { self.epoch = epoch }

    public var head: UInt64 { state.withLock { $0.head } }

    public func setCommitHandler(_ handler: @escaping @Sendable ([Notification]) -> Void) {
        state.withLock { $0.handler = handler }
    }

    public func append(_ items: [PendingNotification],
                       completion: @escaping @Sendable (Result<[Notification], HistoryError>) -> Void) {
        // The handler runs under the lock, so commits reach it one at a time in id order.
        let result: Result<[Notification], HistoryError> = state.withLock { state in
            if state.closed { return .failure(.closed) }
            var stored: [Notification] = []
            stored.reserveCapacity(items.count)
            for item in items {
                state.head += 1
                stored.append(Notification(id: state.head, topic: item.topic, time: item.time, data: item.data, epoch: epoch))
            }
            state.notifications.append(contentsOf: stored)
            if !stored.isEmpty { state.handler?(stored) }
            return .success(stored)
        }
        completion(result)
    }

    public func read(filters: [TopicFilter], since: UInt64, limit: Int) async throws(HistoryError) -> HistoryRead {
        let result: Result<HistoryRead, HistoryError> = state.withLock { state in
            if state.closed { return .failure(.closed) }
            let complete = !state.trimmedThrough.contains { topic, last in
                last > since && filters.contains { $0.matches(topicName: topic) }
            }
            var found: [Notification] = []
            var index = state.notifications.partitionPoint { $0.id <= since }
            while index < state.notifications.count, found.count < limit {
                let notification = state.notifications[index]
                if filters.contains(where: { $0.matches(notification.topic) }) { found.append(notification) }
                index += 1
            }
            return .success(HistoryRead(notifications: found, head: state.head, complete: complete))
        }
        return try result.get()
    }

    public func trim(_ rules: RetentionRules, now: NotificationTime) async throws(HistoryError) -> Int {
        let result: Result<Int, HistoryError> = state.withLock { state in
            if state.closed { return .failure(.closed) }
            var kept: [String: Int] = [:]
            var keep = [Bool](repeating: true, count: state.notifications.count)
            // Newest first, so that the count bound keeps the newest.
            for index in state.notifications.indices.reversed() {
                let notification = state.notifications[index]
                let retention = rules.retention(for: notification.topic.name)
                let seen = kept[notification.topic.name, default: 0]
                var drop = false
                if let count = retention.count, seen >= count { drop = true }
                if let age = retention.maxAgeSeconds,
                   notification.time.millisecondsSince1970 < now.millisecondsSince1970 - age * 1000 { drop = true }
                if drop {
                    keep[index] = false
                    state.trimmedThrough[notification.topic.name] = max(state.trimmedThrough[notification.topic.name] ?? 0, notification.id)
                } else {
                    kept[notification.topic.name] = seen + 1
                }
            }
            let before = state.notifications.count
            var index = 0
            state.notifications.removeAll { _ in defer { index += 1 }; return !keep[index] }
            return .success(before - state.notifications.count)
        }
        return try result.get()
    }

    public func close() async {
        state.withLock { $0.closed = true }
    }
}

extension Array {
    /// The first index whose element does not satisfy `belongs` (elements satisfying it come first).
    func partitionPoint(_ belongs: (Element) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if belongs(self[mid]) { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
