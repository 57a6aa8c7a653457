import CoreMetrics
import Logging
import PostgresNIO
import WokJSON
import WokRouterCore

/// What the writer task works on.
struct WriterState: Sendable {
    enum Job: Sendable {
        case append([PendingNotification], @Sendable (Result<[WokNotification], HistoryError>) -> Void)
        case close(CheckedContinuation<Bool, Never>)
    }

    var jobs: [Job] = []
    var running = false
    var closed = false
    /// Statements that stored appends (group commits).
    var commits = 0
}

extension PostgresHistoryStore {
    /// Queues `items` for the writer; appends queued while a commit is in flight are stored
    /// together in the next one. `completion` runs after the rows were handed to the commit
    /// handler, or with the `HistoryError` that stored nothing (see the type's documentation for
    /// a connection lost mid-commit).
    public func append(_ items: [PendingNotification],
                       completion: @escaping @Sendable (Result<[WokNotification], HistoryError>) -> Void) {
        if items.isEmpty { return completion(.success([])) }
        if !enqueue(.append(items, completion)) { completion(.failure(.closed)) }
    }

    /// Hands a job to the writer task (starting it when idle); false when the store is closed.
    func enqueue(_ job: WriterState.Job) -> Bool {
        let (accepted, start, depth) = writerState.withLock { state -> (Bool, Bool, Int) in
            if state.closed { return (false, false, 0) }
            if case .close = job { state.closed = true }
            state.jobs.append(job)
            let start = !state.running
            state.running = true
            return (true, start, state.jobs.count)
        }
        if accepted { queueDepth.record(depth) }
        if start { Task { await runWriter() } }
        return accepted
    }

    /// The writer task: takes every job queued while the previous commit ran and stores all of
    /// their appends in one statement (group commit); stops when the queue is empty.
    private func runWriter() async {
        while true {
            let jobs = writerState.withLock { state -> [WriterState.Job] in
                let jobs = state.jobs
                state.jobs = []
                if jobs.isEmpty { state.running = false }
                return jobs
            }
            if jobs.isEmpty { return }
            queueDepth.record(0)
            var group: [([PendingNotification], @Sendable (Result<[WokNotification], HistoryError>) -> Void)] = []
            var groupSize = 0
            for job in jobs {
                switch job {
                case .append(let items, let completion):
                    if groupSize + items.count > configuration.maxBatch, !group.isEmpty {
                        await commit(group)
                        group = []
                        groupSize = 0
                    }
                    group.append((items, completion))
                    groupSize += items.count
                case .close(let continuation):
                    if !group.isEmpty { await commit(group) }
                    group = []
                    continuation.resume(returning: true)
                }
            }
            if !group.isEmpty { await commit(group) }
        }
    }

    /// Stores a group of appends in one statement and gives the result to the dispatcher. When
    /// the server refuses the group because of its data, retries each append alone so that one
    /// bad append fails only its own publisher; otherwise (connection lost: the statement may have
    /// committed; statement timeout: each retry would wait as long) fails them all.
    private func commit(_ group: [([PendingNotification], @Sendable (Result<[WokNotification], HistoryError>) -> Void)]) async {
        let items = group.flatMap(\.0)
        do {
            let head = try await write(items)
            let first = head - UInt64(items.count) + 1
            var notifications: [WokNotification] = []
            notifications.reserveCapacity(items.count)
            for (offset, item) in items.enumerated() {
                notifications.append(WokNotification(id: first + UInt64(offset), topic: item.topic, time: item.time, data: item.data, epoch: epoch))
            }
            writerState.withLock { $0.commits += 1 }
            commitsTotal.increment()
            dispatcher.committed(.init(notifications: notifications, completions: group.map { ($0.0.count, $0.1) }))
        } catch {
            if group.count > 1, error.refusedByServer {
                for member in group { await commit([member]) }
                return
            }
            logger.error("append failed", metadata: ["error": "\(error.history)"])
            for (_, completion) in group { completion(.failure(error.history)) }
        }
    }

    /// Why a commit failed, and whether the connection went with it.
    struct CommitFailure: Error {
        var history: HistoryError
        /// The server refused the statement for its data (SQLSTATE class 22 data exception, 23
        /// integrity constraint, 54 program limit): another grouping may succeed.
        var refusedByServer: Bool
    }

    /// The commit statement: raises the head (taking the meta row's lock until commit), inserts
    /// the rows under the freed ids, announces the new head. Returns the new head.
    private func write(_ items: [PendingNotification]) async throws(CommitFailure) -> UInt64 {
        let count = Int64(items.count)
        let topics = items.map(\.topic.name)
        let times = items.map(\.time.millisecondsSince1970)
        let data = items.map { $0.data.serializedString() }
        let channel = configuration.channel
        let logger = logger
        let refused = Locked(false)
        do {
            return try await writerConnection.run("storing \(items.count) notification(s)") { connection in
                do {
                    let rows = try await connection.query("""
                        WITH head AS (
                            UPDATE wok_history_meta SET head = head + \(count) RETURNING head
                        ), stored AS (
                            INSERT INTO wok_notifications(id, topic, time_ms, data)
                            SELECT head.head - \(count) + item.n, item.topic, item.time_ms, item.data
                            FROM head, unnest(\(topics)::text[], \(times)::bigint[], \(data)::text[])
                                WITH ORDINALITY AS item(topic, time_ms, data, n)
                        )
                        SELECT head, pg_notify(\(channel), head::text)::text FROM head
                        """, logger: logger)
                    var head: Int64?
                    for try await (value, _) in rows.decode((Int64, String?).self) { head = value }
                    guard let head, head >= count else { throw HistoryError.corrupt("PostgreSQL: wok_history_meta holds no row") }
                    return UInt64(head)
                } catch {
                    refused.withLock { $0 = PostgresFailure.isDataRefusal(error) }
                    throw error
                }
            }
        } catch {
            throw CommitFailure(history: error, refusedByServer: refused.current)
        }
    }
}
