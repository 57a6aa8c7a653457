import WokRouterCore

/// One retention pass of the SQLite store, run a chunk at a time by the writer thread
/// (`SQLiteHistoryConfiguration.trimChunk` deletions per transaction).
struct TrimPass {
    /// What a pass may delete, fixed by its first chunk and kept for the later ones.
    struct Plan {
        /// The topics stored when the pass began that may still hold rows to delete, in the order
        /// the chunks go through them (a topic is dropped once a chunk deleted all it should).
        var topics: [String]
        /// Per topic with a count bound, the highest id its bound condemned when the pass began
        /// (0: none). Recomputing it at every chunk would let the appends committed between
        /// chunks condemn more rows each time: under a steady append load the pass might never end.
        var countCutoffs: [String: Int64]
    }

    /// The retention in force.
    let rules: RetentionRules
    /// The time the age bounds count back from.
    let now: NotificationTime
    /// Resumed once, with every deletion of the pass, when nothing is left to delete (or with
    /// the error that stopped it).
    let continuation: CheckedContinuation<Result<Int, HistoryError>, Never>
    /// Deleted by the chunks committed so far.
    var deleted = 0
    /// Made by the first chunk (nil before it committed): the topics and cutoffs are read once
    /// per pass, not once per chunk (`SELECT DISTINCT topic` reads the whole topic index).
    var plan: Plan?
}
