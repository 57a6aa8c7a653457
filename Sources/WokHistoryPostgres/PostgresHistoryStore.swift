import CoreMetrics
import Logging
import Metrics
import PostgresNIO
import WokJSON
import WokRouterCore

/// History in a PostgreSQL database that several routers share: one id sequence, one epoch, and
/// every router's subscribers see every notification, whichever router accepted it.
///
/// How ids stay in order across routers: the id counter is the `head` column of the one-row
/// `wok_history_meta` table. Each commit is one statement that raises `head` by the batch size,
/// inserts the batch under the ids it freed, and calls `pg_notify(channel, '<new head>')`. The
/// UPDATE holds the meta row's lock until the commit ends, so commits of all routers are
/// serialized on it: ids commit in id order and without gaps (a failed commit rolls its increment
/// back). A router that sees id N committed (a NOTIFY, or its own commit) therefore knows that
/// every smaller id is committed too, or was trimmed away for good; it never waits on a hole.
/// (This is what `pg_advisory_xact_lock` + `nextval` would give, minus the gaps of rolled-back
/// sequence values; the row lock is held for one short statement.)
///
/// Each router LISTENs on the channel. A `PostgresCommitDispatcher` hands its commit handler
/// every id above its head, in order, once: its own rows straight from memory, other routers'
/// rows read from the table. After the listener (re)connects it reads the committed head, so
/// whatever was committed while it was away is read and handed over too; it reads it again every
/// `heartbeatSeconds`, which finds a connection cut without a word and hands over commits whose
/// NOTIFY never arrived. A local `append`
/// completes after its rows were handed over. A router that lagged behind by more than retention
/// keeps finds ids it can no longer read (ids are gapless) and reports them to its gap handler
/// (`HistoryGap`) in order with the rest, so that the router can tell the subscribers concerned.
///
/// Connections: one for the writer (appends, grouped: appends arriving while a commit is in
/// flight go into the next commit), one for reads and trims, one that LISTENs. A lost connection
/// fails what was running on it with `HistoryError.unavailable` and is reopened on next use; the
/// listener reconnects by itself with a growing delay. A commit is one statement (all of it or
/// none is stored) that also records a random token in `wok_history_commits`: when the
/// connection drops after the statement was sent, the writer reconnects and claims the token
/// (`resolve`), which tells whether the commit happened and makes sure it no longer can if it
/// did not; the appends then succeed with their ids, or fail with `unavailable`, exactly.
///
/// Tables (created when missing, under an advisory lock so that routers starting together do not
/// race): `wok_notifications(id, topic, time_ms, data)`, `wok_history_trims(topic, through)`,
/// `wok_history_meta(epoch, head, schema_version)`, `wok_history_commits(token, last_id,
/// committed_at)` (kept `commitRecordSeconds`, trimmed with the history by its index
/// `wok_history_commits_by_committed_at`).
public final class PostgresHistoryStore: HistoryStore, Sendable {
    /// Where the database is (without password when printed).
    public let url: PostgresURL
    /// The history the ids count in: stored in `wok_history_meta`, the same for every router.
    public let epoch: String
    /// Settings in force.
    public let configuration: PostgresHistoryConfiguration
    let logger: Logger

    let writerConnection: PostgresConnectionSlot
    let readerConnection: PostgresConnectionSlot
    let listenerConfiguration: PostgresConnection.Configuration
    /// How long a connection may leave a statement unanswered before it is given up.
    let answerTimeout: Duration
    let dispatcher: PostgresCommitDispatcher
    let writerState = Locked(WriterState())
    let listenerState = Locked(ListenerState())

    /// `wok_router_store_queue_depth`: appends and other jobs waiting for the writer.
    let queueDepth = Gauge(label: "wok_router_store_queue_depth")
    /// `wok_router_store_commits_total`: group commits (statements storing appends).
    let commitsTotal = Counter(label: "wok_router_store_commits_total")
    /// `wok_router_store_listens_total`: times the LISTEN connection was established (more than once: reconnections).
    let listensTotal = Counter(label: "wok_router_store_listens_total")
    /// `wok_router_store_recovered_commits_total`: commits whose answer was lost and that the
    /// token lookup found stored (their publishers were answered with their ids).
    let recoveredCommitsTotal = Counter(label: "wok_router_store_recovered_commits_total")

    /// Connects to the database `url` names, creates the tables when missing, and starts
    /// listening for other routers' commits.
    /// - Throws: `HistoryError.unavailable` when the URL is wrong or the server cannot be reached,
    ///   `.corrupt` when the tables are not what this engine writes.
    public init(url text: String, configuration: PostgresHistoryConfiguration = .init(),
                logger: Logger = Logger(label: "wok-router.postgres")) async throws(HistoryError) {
        let url = try PostgresURL(text)
        var connection = try url.connectionConfiguration()
        connection.options.additionalStartupParameters.append(
            ("statement_timeout", String(Int((configuration.statementTimeoutSeconds * 1000).rounded()))))
        let answerTimeout = Duration.milliseconds(Int64((configuration.statementTimeoutSeconds + 10) * 1000))
        self.url = url
        self.configuration = configuration
        self.logger = logger
        writerConnection = PostgresConnectionSlot(url: url, configuration: connection, name: "writer", answerTimeout: answerTimeout, logger: logger)
        readerConnection = PostgresConnectionSlot(url: url, configuration: connection, name: "reader", answerTimeout: answerTimeout, logger: logger)
        listenerConfiguration = connection
        self.answerTimeout = answerTimeout
        let meta: (epoch: String, head: UInt64)
        do {
            meta = try await Self.prepareSchema(writerConnection, logger: logger)
        } catch {
            await writerConnection.close()
            throw error
        }
        epoch = meta.epoch
        let reader = readerConnection
        let page = configuration.catchUpPage
        let remote = Counter(label: "wok_router_store_remote_notifications_total")
        let skipped = Counter(label: "wok_router_store_skipped_notifications_total")
        dispatcher = PostgresCommitDispatcher(
            head: meta.head, page: page, retryDelay: .milliseconds(Int64(configuration.reconnectDelaySeconds * 1000)),
            logger: logger, onRemote: { remote.increment(by: $0) }, onSkipped: { skipped.increment(by: $0) },
            readRows: { [epoch = meta.epoch, logger] after, through throws(HistoryError) in
                try await Self.rows(reader, after: after, through: through, limit: page, epoch: epoch, logger: logger)
            },
            readTrimmedTopics: { [logger] after throws(HistoryError) in
                try await Self.trimmedTopics(reader, after: after, logger: logger)
            })
        await startListener()
        logger.info("PostgreSQL history store open", metadata: ["url": "\(url)", "epoch": "\(epoch)", "head": "\(meta.head)"])
    }

    /// The highest id handed to the commit handler (every id up to it is committed).
    public var head: UInt64 { dispatcher.delivered }

    /// Sets the function every committed notification, this router's and the others', is handed
    /// to (once, in id order, from one task at a time).
    public func setCommitHandler(_ handler: @escaping @Sendable ([WokNotification]) -> Void) {
        dispatcher.setHandler(handler)
    }

    /// Sets the function told, in order with the commit handler, about notifications of other
    /// routers that were trimmed before this router read them (`HistoryGap`).
    public func setGapHandler(_ handler: @escaping @Sendable (HistoryGap) -> Void) {
        dispatcher.setGapHandler(handler)
    }

    /// Group commits done so far by this store.
    public var commitCount: Int { writerState.withLock { $0.commits } }

    /// Finishes the queued appends, hands over what is known committed, stops listening and
    /// closes the connections. Later calls throw `HistoryError.closed`.
    public func close() async {
        let closing = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            if !enqueue(.close(continuation)) { continuation.resume(returning: false) }
        }
        guard closing else { return }
        dispatcher.close()
        await dispatcher.drained()
        await stopListener()
        await writerConnection.close()
        await readerConnection.close()
        logger.info("PostgreSQL history store closed", metadata: ["url": "\(url)"])
    }

    /// Whether `close()` was called.
    var isClosed: Bool { writerState.withLock { $0.closed } }
}
