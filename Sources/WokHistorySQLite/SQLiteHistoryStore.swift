import Foundation
import CoreMetrics
import Logging
import Metrics
import WokJSON
import WokRouterCore

/// History in a SQLite file (WAL mode): ids and the epoch persist across restarts, appends are
/// durable when they return, and appends arriving while a commit is in flight are grouped into
/// the next commit (one fsync for the group).
///
/// One writer thread owns the write connection; reads use a second connection on a serial queue
/// (WAL lets them run while the writer commits).
public final class SQLiteHistoryStore: HistoryStore, @unchecked Sendable {
    /// The database file.
    public let path: String
    public let epoch: String
    /// Settings in force.
    public let configuration: SQLiteHistoryConfiguration
    let logger: Logger

    enum Job {
        case append([PendingNotification], @Sendable (Result<[WokNotification], HistoryError>) -> Void)
        case trim(TrimPass)
        case close(CheckedContinuation<Void, Never>)
    }

    struct Shared {
        var jobs: [Job] = []
        var closed = false
        var handler: (@Sendable ([WokNotification]) -> Void)?
        /// Test hook: the writer takes no job while paused.
        var paused = false
        /// Transactions committed with appends (group commits), for tests and metrics.
        var commits = 0
        /// Retention transactions committed (chunks of passes), for tests.
        var trimChunks = 0
        /// Retention plans made (`SELECT DISTINCT topic` runs): one per pass, for tests.
        var trimPlans = 0
    }

    /// `wok_router_store_queue_depth`: appends and other jobs waiting for the writer.
    let queueDepth = Gauge(label: "wok_router_store_queue_depth")
    /// `wok_router_store_commits_total`: group commits (transactions storing appends).
    let commitsTotal = Counter(label: "wok_router_store_commits_total")
    let condition = NSCondition()
    var shared = Shared()  // guarded by `condition`
    private let headValue: Locked<UInt64>
    let writer: SQLiteConnection  // used by the writer thread only
    let reader: SQLiteConnection  // used on `readQueue` only
    let readQueue = DispatchQueue(label: "wok-router.sqlite.read")
    /// Why appends are refused for the life of this store (a read-only file), if they are.
    let writeRefusal: String?

    /// Opens (creating when missing) the history database at `path`.
    /// - Throws: `HistoryError` when the file cannot be opened or is not a history database.
    public init(path: String, configuration: SQLiteHistoryConfiguration = .init(),
                logger: Logger = Logger(label: "wok-router.sqlite")) throws(HistoryError) {
        self.path = path
        self.configuration = configuration
        self.logger = logger
        writer = try SQLiteConnection(path: path, create: true)
        if writer.isReadOnly {
            writeRefusal = "\(path): the database file is read-only; notifications cannot be stored"
            logger.error("\(writeRefusal!)")
        } else {
            writeRefusal = nil
            try SQLiteHistoryStore.prepareSchema(writer, configuration)
        }
        reader = try SQLiteConnection(path: path, create: false)
        try reader.execute("PRAGMA busy_timeout=\(configuration.busyTimeoutMilliseconds);")
        let (epoch, head) = try SQLiteHistoryStore.readMeta(reader)
        self.epoch = epoch
        self.headValue = Locked(head)
        let thread = Thread { [self] in runWriter() }
        thread.name = "wok-router.sqlite.writer"
        thread.start()
    }

    public var head: UInt64 { headValue.current }

    func storeHead(_ value: UInt64) { headValue.withLock { $0 = value } }

    public func setCommitHandler(_ handler: @escaping @Sendable ([WokNotification]) -> Void) {
        condition.lock()
        shared.handler = handler
        condition.unlock()
    }

    public func append(_ items: [PendingNotification],
                       completion: @escaping @Sendable (Result<[WokNotification], HistoryError>) -> Void) {
        if items.isEmpty { return completion(.success([])) }
        if let writeRefusal { return completion(.failure(.unavailable(writeRefusal))) }
        if !enqueue(.append(items, completion)) { completion(.failure(.closed)) }
    }

    public func trim(_ rules: RetentionRules, now: NotificationTime) async throws(HistoryError) -> Int {
        if let writeRefusal { throw .unavailable(writeRefusal) }
        let result = await withCheckedContinuation { continuation in
            if !enqueue(.trim(TrimPass(rules: rules, now: now, continuation: continuation))) {
                continuation.resume(returning: .failure(.closed))
            }
        }
        return try result.get()
    }

    public func close() async {
        await withCheckedContinuation { continuation in
            if !enqueue(.close(continuation)) { continuation.resume() }
        }
    }

    /// Whether `close()` was called.
    var isClosed: Bool { condition.lock(); defer { condition.unlock() }; return shared.closed }

    /// Group commits done so far (transactions that stored appends).
    public var commitCount: Int { condition.lock(); defer { condition.unlock() }; return shared.commits }

    /// Retention transactions committed so far (a pass larger than `trimChunk` is several).
    package var trimChunkCount: Int { condition.lock(); defer { condition.unlock() }; return shared.trimChunks }

    /// Retention plans made so far (the topic list read): one per pass, however many chunks.
    package var trimPlanCount: Int { condition.lock(); defer { condition.unlock() }; return shared.trimPlans }

    /// Jobs waiting for the writer.
    package var queuedJobs: Int { condition.lock(); defer { condition.unlock() }; return shared.jobs.count }

    /// Test hook: holds (true) or releases (false) the writer thread between commits.
    package func setWriterPaused(_ paused: Bool) {
        condition.lock()
        shared.paused = paused
        condition.broadcast()
        condition.unlock()
    }

    /// Puts a retention pass that has more to delete back at the end of the queue, behind the
    /// appends queued while its last chunk ran. When the store is closing, the pass ends instead,
    /// answering what it deleted so far.
    func requeue(_ pass: TrimPass) {
        condition.lock()
        let closing = shared.closed
        if !closing {
            shared.jobs.append(.trim(pass))
            queueDepth.record(shared.jobs.count)
        }
        condition.unlock()
        if closing { pass.continuation.resume(returning: .success(pass.deleted)) }
    }

    /// Hands a job to the writer thread; false when the store is closed.
    private func enqueue(_ job: Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if shared.closed { return false }
        if case .close = job { shared.closed = true }
        shared.jobs.append(job)
        queueDepth.record(shared.jobs.count)
        condition.signal()
        return true
    }
}
