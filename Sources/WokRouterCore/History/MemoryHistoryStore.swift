/// Keeps history in memory: a new epoch at every start, nothing survives the process.
///
/// Each topic's notifications are kept apart (``MemoryTopicLog``), so retention's count bound is
/// applied as notifications arrive, once the store has been given the rules (by the first
/// `trim`, which the router runs when it starts): memory stays bounded by the rules between
/// retention passes however fast notifications come, and a pass costs what it deletes.
public final class MemoryHistoryStore: HistoryStore {
    private struct State {
        var logs: [String: MemoryTopicLog] = [:]
        var head: UInt64 = 0
        /// The rules of the last `trim`: their count bounds apply to every append.
        var rules: RetentionRules?
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
            let rules = state.rules
            for item in items {
                state.head += 1
                let notification = Notification(id: state.head, topic: item.topic, time: item.time, data: item.data, epoch: epoch)
                stored.append(notification)
                state.logs[item.topic.name, default: MemoryTopicLog(topic: item.topic, countBound: rules?.retention(for: item.topic.name).count)]
                    .append(notification)
            }
            if !stored.isEmpty { state.handler?(stored) }
            return .success(stored)
        }
        completion(result)
    }

    public func read(filters: [TopicFilter], since: UInt64, limit: Int) async throws(HistoryError) -> HistoryRead {
        let result: Result<HistoryRead, HistoryError> = state.withLock { state in
            if state.closed { return .failure(.closed) }
            var complete = true
            var found: [Notification] = []
            for (name, log) in state.logs where filters.contains(where: { $0.matches(topicName: name) }) {
                if log.trimmedThrough > since { complete = false }
                found.append(contentsOf: log.notifications(after: since, limit: limit, epoch: epoch))
            }
            // Each topic's part is in id order; the first `limit` of their union is what is asked.
            found.sort { $0.id < $1.id }
            if found.count > limit { found.removeSubrange(max(0, limit)...) }
            return .success(HistoryRead(notifications: found, head: state.head, complete: complete))
        }
        return try result.get()
    }

    public func trim(_ rules: RetentionRules, now: NotificationTime) async throws(HistoryError) -> Int {
        let result: Result<Int, HistoryError> = state.withLock { state in
            if state.closed { return .failure(.closed) }
            state.rules = rules
            var deleted = 0
            for name in Array(state.logs.keys) {
                deleted += state.logs[name]!.apply(rules.retention(for: name), now: now)
            }
            return .success(deleted)
        }
        return try result.get()
    }

    public func close() async {
        state.withLock { $0.closed = true }
    }
}
