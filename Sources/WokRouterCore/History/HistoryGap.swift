/// Notifications a shared store (PostgreSQL) could not hand to this router's commit handler:
/// another router committed them and retention deleted them before this router read them (it
/// lagged behind by more than the retention kept).
///
/// Ids in (`after`, `through`] that were not handed over are lost for this router's live
/// subscribers; the notifications handed over after the gap report have ids above `through`.
public struct HistoryGap: Sendable, Hashable {
    /// The id just before the first missing one.
    public var after: UInt64
    /// The last missing id.
    public var through: UInt64
    /// How many ids in (`after`, `through`] are missing (the others were handed over).
    public var missing: Int
    /// The topics the missing notifications may have had (a superset: every topic with a row
    /// trimmed above `after`); nil when the store cannot tell (then any subscriber may have
    /// missed something).
    public var topics: Set<String>?

    public init(after: UInt64, through: UInt64, missing: Int, topics: Set<String>?) {
        self.after = after
        self.through = through
        self.missing = missing
        self.topics = topics
    }

    /// Whether a subscriber holding `filters` may have missed a notification of the gap.
    public func mayAffect<Filters: Sequence>(_ filters: Filters) -> Bool where Filters.Element == TopicFilter {
        guard let topics else { return true }
        return filters.contains { filter in
            topics.contains { filter.matches(topicName: $0) }
        }
    }
}
