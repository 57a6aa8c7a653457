import CoreMetrics
import Foundation
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
    /// bad append fails only its own publisher. When the answer is lost (the connection dropped
    /// or went silent after the statement was sent: it may have committed), looks the commit's
    /// token up (`resolve`) and answers exactly: stored (with its ids) or not. Otherwise
    /// (statement timeout: each retry would wait as long) fails them all.
    private func commit(_ group: [([PendingNotification], @Sendable (Result<[WokNotification], HistoryError>) -> Void)]) async {
        let items = group.flatMap(\.0)
        let token = UUID()
        var head: UInt64
        do {
            head = try await write(items, token: token)
        } catch {
            if group.count > 1, error.refusedByServer {
                for member in group { await commit([member]) }
                return
            }
            guard error.outcomeUnknown else {
                logger.error("append failed", metadata: ["error": "\(error.history)"])
                for (_, completion) in group { completion(.failure(error.history)) }
                return
            }
            switch await resolve(token) {
            case .committed(let last):
                logger.warning("the answer to a commit was lost; the commit was found stored",
                               metadata: ["error": "\(error.history)", "lastID": "\(last)"])
                recoveredCommitsTotal.increment()
                head = last
            case .notCommitted:
                logger.error("append failed (the commit was cut off and was not stored)", metadata: ["error": "\(error.history)"])
                for (_, completion) in group { completion(.failure(error.history)) }
                return
            case .unknown(let lookup):
                logger.error("append cut off mid-commit; whether it was stored could not be checked",
                             metadata: ["error": "\(error.history)", "lookup": "\(lookup)"])
                let failure = HistoryError.unavailable(
                    "\(error.history.message); whether it was stored could not be checked: \(lookup.message)")
                for (_, completion) in group { completion(.failure(failure)) }
                return
            }
        }
        let first = head - UInt64(items.count) + 1
        var notifications: [WokNotification] = []
        notifications.reserveCapacity(items.count)
        for (offset, item) in items.enumerated() {
            notifications.append(WokNotification(id: first + UInt64(offset), topic: item.topic, time: item.time, data: item.data, epoch: epoch,
                                                 serializedData: item.serializedData))
        }
        writerState.withLock { $0.commits += 1 }
        commitsTotal.increment()
        dispatcher.committed(.init(notifications: notifications, completions: group.map { ($0.0.count, $0.1) }))
    }

    /// Why a commit failed, and whether the connection went with it.
    struct CommitFailure: Error {
        var history: HistoryError
        /// The server refused the statement for its data (SQLSTATE class 22 data exception, 23
        /// integrity constraint, 54 program limit): another grouping may succeed.
        var refusedByServer: Bool
        /// The statement was sent and no answer from the server says it failed (the connection was
        /// lost, or gave no answer in time): it may have committed.
        var outcomeUnknown: Bool
    }

    /// What a lookup of a commit token found.
    enum CommitOutcome: Sendable {
        /// The commit is stored; its last id.
        case committed(UInt64)
        /// It is not, and never will be (the token is fenced off).
        case notCommitted
        /// The database could not be asked within the bound.
        case unknown(HistoryError)
    }

    /// Whether the commit tagged `token` happened, asked on a new connection, retried (with the
    /// listener's growing delay) while the statement answer bound (`statementTimeoutSeconds` +
    /// 10 s) has not passed since the failure; an attempt started within it has its own bounds
    /// (`connect_timeout`, the answer bound).
    ///
    /// One statement claims the token: it inserts `(token, NULL)` unless the commit's own row is
    /// there (committed: its `last_id` is returned). An insert wins only when the commit has not
    /// committed; the commit statement, if it still arrives or still runs, then fails on the
    /// token's primary key and stores nothing. So the answer is final either way, even when the
    /// cut-off statement is still on its way to the server. (A commit still running holds its
    /// token row uncommitted: the claim waits for it to end.)
    func resolve(_ token: UUID) async -> CommitOutcome {
        let deadline = ContinuousClock.now + answerTimeout
        var delay = Duration.milliseconds(Int64(configuration.reconnectDelaySeconds * 1000))
        let logger = logger
        while true {
            do {
                let last = try await writerConnection.run("checking whether a cut-off commit was stored") { connection in
                    var last: Int64?
                    for try await value in try await connection.query("""
                        INSERT INTO wok_history_commits(token, last_id) VALUES (\(token), NULL)
                        ON CONFLICT (token) DO UPDATE SET last_id = wok_history_commits.last_id RETURNING last_id
                        """, logger: logger).decode(Int64?.self) {
                        last = value
                    }
                    return last
                }
                return last.map { .committed(UInt64($0)) } ?? .notCommitted
            } catch {
                if error.isClosed || ContinuousClock.now + delay >= deadline { return .unknown(error) }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .milliseconds(Int64(configuration.maxReconnectDelaySeconds * 1000)))
            }
        }
    }

    /// The commit statement: raises the head (taking the meta row's lock until commit), inserts
    /// the rows under the freed ids, records `token` with the new head in `wok_history_commits`,
    /// announces the new head. Returns the new head.
    private func write(_ items: [PendingNotification], token: UUID) async throws(CommitFailure) -> UInt64 {
        let count = Int64(items.count)
        let topics = items.map(\.topic.name)
        let times = items.map(\.time.millisecondsSince1970)
        let data = items.map { String(decoding: $0.serializedData, as: UTF8.self) }
        let channel = configuration.channel
        let logger = logger
        // Set once the server answered the statement with an error of its own (not a lost connection).
        let refused = Locked<(sent: Bool, answered: Bool, data: Bool)>((false, false, false))
        do {
            return try await writerConnection.run("storing \(items.count) notification(s)") { connection in
                refused.withLock { $0.sent = true }
                do {
                    let rows = try await connection.query("""
                        WITH head AS (
                            UPDATE wok_history_meta SET head = head + \(count) RETURNING head
                        ), stored AS (
                            INSERT INTO wok_notifications(id, topic, time_ms, data)
                            SELECT head.head - \(count) + item.n, item.topic, item.time_ms, item.data
                            FROM head, unnest(\(topics)::text[], \(times)::bigint[], \(data)::text[])
                                WITH ORDINALITY AS item(topic, time_ms, data, n)
                        ), recorded AS (
                            INSERT INTO wok_history_commits(token, last_id) SELECT \(token), head.head FROM head
                        )
                        SELECT head, pg_notify(\(channel), head::text)::text FROM head
                        """, logger: logger)
                    var head: Int64?
                    for try await (value, _) in rows.decode((Int64, String?).self) { head = value }
                    guard let head, head >= count else { throw HistoryError.corrupt("PostgreSQL: wok_history_meta holds no row") }
                    return UInt64(head)
                } catch {
                    refused.withLock { state in
                        state.answered = !PostgresFailure.isConnectionLost(error)
                        state.data = PostgresFailure.isDataRefusal(error)
                    }
                    throw error
                }
            }
        } catch {
            let state = refused.current
            throw CommitFailure(history: error, refusedByServer: state.data, outcomeUnknown: state.sent && !state.answered && !error.isClosed)
        }
    }
}
