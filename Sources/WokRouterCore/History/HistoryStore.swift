/// Where notifications are numbered and kept: the memory store, SQLite, later PostgreSQL.
///
/// Every engine passes the shared contract suite (`Tests/WokHistorySQLiteTests/HistoryStoreContract.swift`).
///
/// Contract:
/// - Ids are positive and strictly increasing in commit order; `epoch` names the history they
///   count in and changes only when that history is lost (a new memory store, a new database).
/// - `append` is atomic and durable when it returns (for persistent engines): all of the batch
///   or none. Appends issued while a commit is in flight are grouped into the next commit.
/// - Every committed notification, local or appended by another router sharing the store, is
///   passed to the commit handler exactly once, in id order, from one thread at a time, before
///   the `append` that stored it returns. The handler must not block.
///
/// Engines shared by several routers (PostgreSQL, `WokHistoryPostgres`) fit the same shape:
/// `append` takes ids from the shared counter inside its transaction, whose lock makes ids commit
/// in id order without gaps; the engine learns of every commit, its own and the other routers'
/// (LISTEN/NOTIFY carrying the ids), reads the rows in id order and hands them to the same commit
/// handler, so the router's fan-out sees one ordered stream whoever published. `head` is then the
/// highest id handed over; `read`'s head may be ahead of it (what the database has committed).
public protocol HistoryStore: AnyObject, Sendable {
    /// The history the ids count in (stable for the life of the stored data).
    var epoch: String { get }

    /// The id of the last committed notification; 0 when none ever was.
    var head: UInt64 { get }

    /// Sets the function every committed notification is passed to (see the contract). Set it
    /// once, before the first append.
    func setCommitHandler(_ handler: @escaping @Sendable ([Notification]) -> Void)

    /// Sets the function told when committed notifications could not be handed to the commit
    /// handler (a `HistoryGap`: only shared stores, when another router's commits were trimmed
    /// before this router read them). It is called in order with the commit handler: after the
    /// notifications before the gap, before those after it. Default: stores that never skip
    /// ignore it.
    func setGapHandler(_ handler: @escaping @Sendable (HistoryGap) -> Void)

    /// Numbers and stores `items` in order, as one atomic commit, then calls `completion` once,
    /// from any thread, possibly before this returns (the memory store completes inline): with
    /// the stored notifications, in the order of `items`, with increasing ids; or with the
    /// `HistoryError` that stored nothing (full disk, read-only file, closed store).
    ///
    /// This callback form lets a transport that runs on an event loop publish without a hop
    /// through the Swift concurrency pool; `append(_:) async` is built on it.
    func append(_ items: [PendingNotification], completion: @escaping @Sendable (Result<[Notification], HistoryError>) -> Void)

    /// Reads the notifications with id > `since` whose topic matches any of `filters`, in id order,
    /// at most `limit`.
    /// - Returns: them, the head, and whether nothing matching the filters with id > `since` was
    ///   trimmed away (`complete`).
    func read(filters: [TopicFilter], since: UInt64, limit: Int) async throws(HistoryError) -> HistoryRead

    /// Deletes what `rules` no longer keep, and remembers, per topic, the highest id deleted.
    /// - Returns: how many notifications were deleted.
    func trim(_ rules: RetentionRules, now: NotificationTime) async throws(HistoryError) -> Int

    /// Finishes pending commits and releases the store. Later calls throw `HistoryError.closed`.
    func close() async
}

extension HistoryStore {
    /// Stores that hand over every commit (one router per store) never report a gap.
    public func setGapHandler(_ handler: @escaping @Sendable (HistoryGap) -> Void) {}

    /// Numbers and stores `items` in order, as one atomic commit (see `append(_:completion:)`).
    /// - Returns: the stored notifications, in the order of `items`, with increasing ids.
    /// - Throws: `HistoryError` when nothing was stored (full disk, read-only file, closed store).
    public func append(_ items: [PendingNotification]) async throws(HistoryError) -> [Notification] {
        let result = await withCheckedContinuation { continuation in
            append(items) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }
}

/// The result of `HistoryStore.read`.
public struct HistoryRead: Sendable {
    /// The matching notifications, in id order.
    public var notifications: [Notification]
    /// The store's head when read.
    public var head: UInt64
    /// False when a notification matching the filters with id > since was trimmed: the reader
    /// cannot recover everything it missed.
    public var complete: Bool

    public init(notifications: [Notification], head: UInt64, complete: Bool) {
        self.notifications = notifications
        self.head = head
        self.complete = complete
    }
}
