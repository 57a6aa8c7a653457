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
        /// Notifications picked (then parsed) by reads so far.
        var parsedForReads = 0
    }

    public let epoch: String
    private let state = Locked(State())

    /// A new, empty history with a new random epoch.
    public init(epoch: String = Epoch.random()) { self.epoch = epoch }

    public var head: UInt64 { state.withLock { $0.head } }

    /// Notifications parsed by reads so far (for tests: a read parses what it returns, no more).
    package var parsedForReads: Int { state.withLock { $0.parsedForReads } }

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
                let notification = Notification(id: state.head, topic: item.topic, time: item.time, data: item.data, epoch: epoch,
                                                serializedData: item.serializedData)
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
        // Under the lock, only ids are compared: the first `limit` notifications of the matching
        // topics, merged in id order, are picked (their bytes are shared, not copied); they are
        // parsed after it. Parsing every topic's first `limit` and keeping `limit` of them cost
        // topics x limit parses, with every append waiting on the lock meanwhile.
        let result: Result<(picked: [(Topic, MemoryTopicLog.Kept)], head: UInt64, complete: Bool), HistoryError> =
            state.withLock { state in
                if state.closed { return .failure(.closed) }
                var complete = true
                var cursors: [(log: MemoryTopicLog, at: Int)] = []
                for (name, log) in state.logs where filters.contains(where: { $0.matches(topicName: name) }) {
                    if log.trimmedThrough > since { complete = false }
                    let at = log.firstIndex(after: since)
                    if at < log.count { cursors.append((log, at)) }
                }
                var picked: [(Topic, MemoryTopicLog.Kept)] = []
                while picked.count < limit {
                    var best = -1
                    var bestID = UInt64.max
                    for (i, cursor) in cursors.enumerated() where cursor.at < cursor.log.count {
                        let id = cursor.log[cursor.at].id
                        if id < bestID { (best, bestID) = (i, id) }
                    }
                    guard best >= 0 else { break }
                    picked.append((cursors[best].log.topic, cursors[best].log[cursors[best].at]))
                    cursors[best].at += 1
                }
                state.parsedForReads += picked.count
                return .success((picked, state.head, complete))
            }
        let (picked, head, complete) = try result.get()
        let notifications = picked.map { MemoryTopicLog.notification($0.1, topic: $0.0, epoch: epoch) }
        return HistoryRead(notifications: notifications, head: head, complete: complete)
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
