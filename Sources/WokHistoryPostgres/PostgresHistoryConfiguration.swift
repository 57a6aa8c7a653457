/// How the PostgreSQL history engine connects and writes.
public struct PostgresHistoryConfiguration: Sendable {
    /// The most notifications written in one commit (one group commit).
    public var maxBatch = 4_096
    /// The LISTEN/NOTIFY channel the routers sharing the database announce their commits on.
    /// Every router of one cluster must use the same channel (the default does).
    public var channel = "wok_router_history"
    /// The longest a statement may run on the server (its `statement_timeout`), in seconds: an
    /// append stuck behind a lock or a stalled disk fails with `unavailable` after it, rolled
    /// back (nothing stored). The client gives up on a connection that has not answered 10 s
    /// later (a network cut), closing it.
    public var statementTimeoutSeconds = 30.0
    /// The most rows the dispatcher reads from the table at a time while catching up with
    /// commits of other routers.
    public var catchUpPage = 1_000
    /// Seconds to wait before reconnecting the LISTEN connection after it was lost (doubled at
    /// each failure, up to `maxReconnectDelaySeconds`).
    public var reconnectDelaySeconds = 0.2
    /// The longest wait between two reconnection attempts, in seconds.
    public var maxReconnectDelaySeconds = 5.0
    /// Seconds between two reads of the committed head on the LISTEN connection: they find a
    /// connection cut without a word (reconnected then), and hand over commits whose NOTIFY
    /// never reached this router, within about this time.
    public var heartbeatSeconds = 10.0

    /// Seconds a commit's token stays in `wok_history_commits` (deleted by the retention passes
    /// after that). A writer whose answer was lost looks its token up within about
    /// `statementTimeoutSeconds` + 10 s; the margin covers a cut-off statement that reaches the
    /// server late (TCP gives up on a connection within about 15 minutes).
    public var commitRecordSeconds = 3_600.0

    public init() {}
}
