import DequeModule
import WokJSON

/// One topic's notifications in the memory store, oldest first, with the topic's count bound
/// applied as they arrive.
///
/// Dropping the oldest is O(1), so a topic never holds more than its bound between retention
/// passes, and a pass costs what it deletes, not what is kept.
///
/// Each notification is kept as its serialized data (one allocation), as the SQLite store keeps
/// it, and parsed again when read: a parsed tree is a dozen allocations, and releasing them long
/// after they were made, cold, cost more per notification than serializing it once.
struct MemoryTopicLog {
    /// One kept notification.
    struct Kept {
        let id: UInt64
        let time: NotificationTime
        /// `data`, serialized.
        let data: [UInt8]
    }

    /// The topic.
    let topic: Topic
    /// The notifications kept, in id order.
    private(set) var notifications: Deque<Kept> = []
    /// The highest id deleted from this topic; 0 when none was.
    private(set) var trimmedThrough: UInt64 = 0
    /// The most notifications kept (nil: no count bound), from the last retention rules.
    private(set) var countBound: Int?

    init(topic: Topic, countBound: Int?) {
        self.topic = topic
        self.countBound = countBound
    }

    /// Appends `notification` (its id above every id already here), then drops the oldest past
    /// the count bound.
    /// - Returns: how many were dropped.
    @discardableResult
    mutating func append(_ notification: Notification) -> Int {
        notifications.append(Kept(id: notification.id, time: notification.time,
                                  data: notification.serializedData ?? notification.data.serialized()))
        return enforceCountBound()
    }

    /// Applies `retention` at `now`: drops the notifications older than its age bound, then the
    /// oldest past its count bound, which then holds for every later append.
    ///
    /// Ids and times rise together (the router stamps a notification when it accepts it), so
    /// the age bound stops at the first notification young enough; one stamped out of order (a
    /// wall-clock step) waits for a later pass.
    /// - Returns: how many were dropped.
    mutating func apply(_ retention: Retention, now: NotificationTime) -> Int {
        var dropped = 0
        if let age = retention.maxAgeSeconds {
            let cutoff = now.millisecondsSince1970 - age * 1000
            while let first = notifications.first, first.time.millisecondsSince1970 < cutoff {
                dropFirst()
                dropped += 1
            }
        }
        countBound = retention.count
        return dropped + enforceCountBound()
    }

    /// How many notifications are kept.
    var count: Int { notifications.count }

    /// The kept notification at `index` (0: the oldest).
    subscript(index: Int) -> Kept { notifications[index] }

    /// The index of the first notification with id > `since` (`count` when none is).
    func firstIndex(after since: UInt64) -> Int {
        var low = 0, high = notifications.count
        while low < high {
            let mid = (low + high) / 2
            if notifications[mid].id <= since { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// `kept`, a notification of this topic, in history `epoch` (its data parsed again).
    static func notification(_ kept: Kept, topic: Topic, epoch: String) -> Notification {
        // The bytes were serialized from a JSON value by `append`: they parse.
        guard let data = try? JSON.parse(kept.data) else { preconditionFailure("kept notification \(kept.id) does not parse") }
        return Notification(id: kept.id, topic: topic, time: kept.time, data: data, epoch: epoch, serializedData: kept.data)
    }

    private mutating func enforceCountBound() -> Int {
        guard let bound = countBound else { return 0 }
        var dropped = 0
        while notifications.count > max(0, bound) {
            dropFirst()
            dropped += 1
        }
        return dropped
    }

    private mutating func dropFirst() {
        let removed = notifications.removeFirst()
        trimmedThrough = max(trimmedThrough, removed.id)
    }
}
