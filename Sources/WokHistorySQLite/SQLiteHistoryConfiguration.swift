/// How the SQLite history engine writes.
public struct SQLiteHistoryConfiguration: Sendable {
    /// How hard each commit waits for the disk.
    public enum Synchronous: String, Sendable {
        /// fsync at every commit: a commit survives power loss (the default).
        case full = "FULL"
        /// fsync at checkpoints only: a commit survives a crash of the router (kill -9) but may be
        /// lost with the machine's power.
        case normal = "NORMAL"
    }

    /// Durability of commits.
    public var synchronous: Synchronous = .full
    /// The largest database file, in bytes; beyond it appends fail with `unavailable`
    /// ("database or disk is full") until retention frees space. Nil: only the disk bounds it.
    public var maxDatabaseBytes: Int64? = nil
    /// The most notifications written in one commit (one group commit).
    public var maxBatch = 4_096
    /// The most notifications one retention transaction deletes. A pass that deletes more commits
    /// in several transactions and lets the appends queued meanwhile commit between them, so a
    /// large pass delays publishers by one chunk, not by the whole pass.
    public var trimChunk = 5_000
    /// Milliseconds a statement waits for a lock held by another process before failing.
    public var busyTimeoutMilliseconds = 5_000

    public init() {}
}
