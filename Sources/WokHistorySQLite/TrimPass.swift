import WokRouterCore

/// One retention pass of the SQLite store, run a chunk at a time by the writer thread
/// (`SQLiteHistoryConfiguration.trimChunk` deletions per transaction).
struct TrimPass {
    /// The retention in force.
    let rules: RetentionRules
    /// The time the age bounds count back from.
    let now: NotificationTime
    /// Resumed once, with every deletion of the pass, when nothing is left to delete (or with
    /// the error that stopped it).
    let continuation: CheckedContinuation<Result<Int, HistoryError>, Never>
    /// Deleted by the chunks committed so far.
    var deleted = 0
    /// Per topic with a count bound, the highest id its bound condemned when the pass first looked
    /// at the topic (0: none), kept for the pass's later chunks. Recomputing it at every chunk
    /// would let the appends committed between chunks condemn more rows each time: under a steady
    /// append load the pass might never end.
    var countCutoffs: [String: Int64] = [:]
}
