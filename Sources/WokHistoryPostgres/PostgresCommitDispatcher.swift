import Logging
import WokRouterCore

/// Hands every committed notification, this router's and the other routers', to the commit
/// handler exactly once, in id order, from one task at a time.
///
/// It knows two things: the highest id handed over (`delivered`, the store's head) and the
/// highest id known to be committed (`target`, raised by NOTIFY payloads, by the head read after
/// each (re)connection of the listener, and by local commits). Ids are gapless and commit in id
/// order (see `PostgresHistoryStore`), so every id up to `target` is committed or was trimmed
/// away for good. While `delivered < target`, one drain task hands over, in order: the rows of a
/// local commit that starts right after `delivered` straight from memory, or else the rows up to
/// the next local commit (or `target`) read from the table. A local append completes only after
/// its rows were handed over. A local commit whose rows were already read from the table (its
/// own NOTIFY can arrive before the writer hears back) completes without being handed over twice.
///
/// Gaps: ids are gapless, so an id up to the read's end that the read did not return was deleted
/// by retention before this router read it (it lagged behind the other routers by more than
/// retention keeps). Such ids are reported to the gap handler (a `HistoryGap`, with the topics
/// they may have had), between the rows before and after them, logged and counted.
final class PostgresCommitDispatcher: Sendable {
    /// What the writer committed: contiguous ids, and the appends (completions) they belong to.
    struct LocalCommit: Sendable {
        var notifications: [WokNotification]
        var completions: [(count: Int, completion: @Sendable (Result<[WokNotification], HistoryError>) -> Void)]
        var first: UInt64 { notifications.first?.id ?? 0 }
        var last: UInt64 { notifications.last?.id ?? 0 }

        /// Resumes each append with its own notifications.
        func complete() {
            var start = 0
            for (count, completion) in completions {
                completion(.success(Array(notifications[start..<start + count])))
                start += count
            }
        }
    }

    private struct State {
        var delivered: UInt64
        var target: UInt64
        var local: [LocalCommit] = []
        var running = false
        var handler: (@Sendable ([WokNotification]) -> Void)?
        var gapHandler: (@Sendable (HistoryGap) -> Void)?
        var idle: [CheckedContinuation<Void, Never>] = []
        /// Set by `close()`: a read that fails is not retried (its rows are skipped).
        var closing = false
    }

    private enum Step {
        case hand([WokNotification], LocalCommit)
        case read(after: UInt64, through: UInt64)
        case stop
    }

    /// Reads the rows with id in (after, through], in id order, at most a page.
    typealias RowReader = @Sendable (_ after: UInt64, _ through: UInt64) async throws(HistoryError) -> [WokNotification]
    /// The topics of which a row with id > after was trimmed.
    typealias TrimmedTopicsReader = @Sendable (_ after: UInt64) async throws(HistoryError) -> Set<String>

    private let state: Locked<State>
    private let readRows: RowReader
    private let readTrimmedTopics: TrimmedTopicsReader
    private let logger: Logger
    private let retryDelay: Duration
    private let page: Int
    /// Rows of other routers handed over (`wok_router_store_remote_notifications_total`).
    private let onRemote: @Sendable (Int) -> Void
    /// Ids found trimmed before they were handed over (`wok_router_store_skipped_notifications_total`).
    private let onSkipped: @Sendable (Int) -> Void

    /// - Parameters:
    ///   - head: the highest id already in the store when the router starts (not handed over).
    ///   - retryDelay: the first wait after a failed read (doubled at each failure, up to 5 s).
    ///   - page: the most rows `readRows` returns at once.
    init(head: UInt64, page: Int, retryDelay: Duration, logger: Logger,
         onRemote: @escaping @Sendable (Int) -> Void, onSkipped: @escaping @Sendable (Int) -> Void = { _ in },
         readRows: @escaping RowReader, readTrimmedTopics: @escaping TrimmedTopicsReader) {
        state = Locked(State(delivered: head, target: head))
        self.page = page
        self.retryDelay = retryDelay
        self.logger = logger
        self.onRemote = onRemote
        self.onSkipped = onSkipped
        self.readRows = readRows
        self.readTrimmedTopics = readTrimmedTopics
    }

    /// The highest id handed over.
    var delivered: UInt64 { state.withLock { $0.delivered } }

    func setHandler(_ handler: @escaping @Sendable ([WokNotification]) -> Void) {
        state.withLock { $0.handler = handler }
    }

    func setGapHandler(_ handler: @escaping @Sendable (HistoryGap) -> Void) {
        state.withLock { $0.gapHandler = handler }
    }

    /// Some router committed ids up to `id`.
    func announce(_ id: UInt64) {
        let start = state.withLock { state -> Bool in
            state.target = max(state.target, id)
            return claim(&state)
        }
        if start { spawn() }
    }

    /// This router committed `commit`; its appends complete once its rows were handed over.
    func committed(_ commit: LocalCommit) {
        let start = state.withLock { state -> Bool in
            state.local.append(commit)
            state.local.sort { $0.first < $1.first }
            state.target = max(state.target, commit.last)
            return claim(&state)
        }
        if start { spawn() }
    }

    /// The store is closing: stop retrying reads that fail.
    func close() {
        state.withLock { $0.closing = true }
    }

    /// Returns once everything known committed was handed over.
    func drained() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                if !state.running && state.delivered >= state.target && state.local.isEmpty { return true }
                state.idle.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Under the lock: whether the caller must start the drain task.
    private func claim(_ state: inout State) -> Bool {
        guard !state.running, state.delivered < state.target || !state.local.isEmpty else { return false }
        state.running = true
        return true
    }

    private func spawn() {
        Task { await drain() }
    }

    /// The one drain task: hands over rows until `delivered` reaches `target`.
    private func drain() async {
        var delay = retryDelay
        while true {
            var finished: [LocalCommit] = []
            var idle: [CheckedContinuation<Void, Never>] = []
            let (step, handler, gapHandler) = state.withLock { state -> (Step, (@Sendable ([WokNotification]) -> Void)?, (@Sendable (HistoryGap) -> Void)?) in
                // Commits whose rows were all handed over already (read from the table).
                while let first = state.local.first, first.last <= state.delivered {
                    finished.append(state.local.removeFirst())
                }
                if let first = state.local.first, first.first <= state.delivered + 1 {
                    let commit = state.local.removeFirst()
                    let fresh = commit.notifications.filter { $0.id > state.delivered }
                    return (.hand(fresh, commit), state.handler, state.gapHandler)
                }
                if state.delivered < state.target {
                    let through = min(state.target, (state.local.first?.first ?? UInt64.max) - 1)
                    return (.read(after: state.delivered, through: through), state.handler, state.gapHandler)
                }
                state.running = false
                idle = state.idle
                state.idle = []
                return (.stop, nil, nil)
            }
            for commit in finished { commit.complete() }
            switch step {
            case .stop:
                for continuation in idle { continuation.resume() }
                return
            case .hand(let fresh, let commit):
                if !fresh.isEmpty { handler?(fresh) }
                state.withLock { $0.delivered = max($0.delivered, commit.last) }
                commit.complete()
            case .read(let after, let through):
                do {
                    let rows = try await readRows(after, through)
                    // A full page may stop short of `through`; fewer rows means the rest was trimmed.
                    let reached = rows.count >= page ? rows.last!.id : through
                    if let gap = Self.gap(in: rows, after: after, reached: reached) {
                        // Rows before the gap, the gap, the rows after it: in id order.
                        let before = rows.prefix { $0.id <= gap.after }
                        if !before.isEmpty { handler?(Array(before)) }
                        await report(gap, to: gapHandler)
                        let rest = rows.dropFirst(before.count)
                        if !rest.isEmpty { handler?(Array(rest)) }
                    } else if !rows.isEmpty {
                        handler?(rows)
                    }
                    if !rows.isEmpty { onRemote(rows.count) }
                    state.withLock { $0.delivered = max($0.delivered, reached) }
                    delay = retryDelay
                } catch {
                    let closing = state.withLock { state -> Bool in
                        if state.closing { state.delivered = max(state.delivered, through) }
                        return state.closing
                    }
                    if closing {
                        logger.error("closing: notifications \(after + 1)...\(through) of other routers were not handed over", metadata: ["error": "\(error)"])
                    } else {
                        logger.warning("cannot read commits of other routers; retrying",
                                       metadata: ["error": "\(error)", "retryIn": "\(delay)"])
                        try? await Task.sleep(for: delay)
                        delay = min(delay * 2, .seconds(5))
                    }
                }
            }
        }
    }

    /// The ids in (`after`, `reached`] missing from `rows` (ids are gapless: they were trimmed),
    /// as one gap from the first missing id to the last; nil when none is missing.
    static func gap(in rows: [WokNotification], after: UInt64, reached: UInt64) -> HistoryGap? {
        let missing = Int(reached - after) - rows.count
        guard missing > 0 else { return nil }
        var expected = after + 1
        var first: UInt64?
        var last = reached
        for row in rows {
            if row.id != expected {
                if first == nil { first = expected }
                last = row.id - 1
            }
            expected = row.id + 1
        }
        if expected <= reached {
            if first == nil { first = expected }
            last = reached
        }
        guard let first else { return nil }
        return HistoryGap(after: first - 1, through: last, missing: missing, topics: nil)
    }

    /// Logs, counts and hands over `gap`, with the topics it may concern when they can be read.
    private func report(_ gap: HistoryGap, to gapHandler: (@Sendable (HistoryGap) -> Void)?) async {
        var gap = gap
        do {
            let topics = try await readTrimmedTopics(gap.after)
            // No trim recorded above `after`: rows deleted some other way; any topic may be concerned.
            gap.topics = topics.isEmpty ? nil : topics
        } catch {
            logger.warning("cannot read which topics were trimmed; every subscriber is treated as concerned",
                           metadata: ["error": "\(error)"])
        }
        logger.warning(
            "notifications of other routers were trimmed before this router read them (it lagged behind by more than retention keeps); the subscribers they may concern are told",
            metadata: ["after": "\(gap.after)", "through": "\(gap.through)", "missing": "\(gap.missing)",
                       "topics": "\(gap.topics.map { $0.sorted().joined(separator: ",") } ?? "(unknown: all)")"])
        onSkipped(gap.missing)
        gapHandler?(gap)
    }
}
