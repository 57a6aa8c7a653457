import DequeModule

/// One topic's notifications in the memory store, oldest first, with the topic's count bound
/// applied as they arrive.
///
/// Dropping the oldest is O(1), so a topic never holds more than its bound between retention
/// passes, and a pass costs what it deletes, not what is kept.
struct MemoryTopicLog {
    /// The notifications kept, in id order.
    private(set) var notifications: Deque<Notification> = []
    /// The highest id deleted from this topic; 0 when none was.
    private(set) var trimmedThrough: UInt64 = 0
    /// The most notifications kept (nil: no count bound), from the last retention rules.
    private(set) var countBound: Int?

    init(countBound: Int?) { self.countBound = countBound }

    /// Appends `notification` (its id above every id already here), then drops the oldest past
    /// the count bound.
    /// - Returns: how many were dropped.
    @discardableResult
    mutating func append(_ notification: Notification) -> Int {
        notifications.append(notification)
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

    /// The notifications with id > `since`, in id order, at most `limit`.
    func notifications(after since: UInt64, limit: Int) -> ArraySlice<Notification> {
        var low = 0, high = notifications.count
        while low < high {
            let mid = (low + high) / 2
            if notifications[mid].id <= since { low = mid + 1 } else { high = mid }
        }
        let end = min(notifications.count, low + max(0, limit))
        return ArraySlice(notifications[low..<end])
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
