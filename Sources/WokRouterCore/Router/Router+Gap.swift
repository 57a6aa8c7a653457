import Logging

extension Router {
    /// The store's gap handler: notifications committed by another router were trimmed before
    /// this router handed them to its fan-out (see `HistoryGap`).
    ///
    /// A live subscriber must not silently miss them (PROTOCOL: no gaps while it stays
    /// connected), and the protocol's way to tell a client it missed something is a resume
    /// answering `recovered: false`. So every subscriber whose filters may match a missing
    /// notification is closed (`SubscriberCloseReason.historyGap`; `/push` closes 1013, an SSE
    /// stream ends, a long-poll returns): the client reconnects and resumes after the last id it
    /// got, which is below the gap, and the store, having trimmed those notifications, answers
    /// `recovered: false`. Subscribers whose filters match none of the gap's topics keep going,
    /// and so do those whose matching filters are floored at or above the gap's last id (they
    /// resumed after it: the client has those notifications).
    /// Runs in order with the fan-out: before anything after the gap is handed over.
    func historyGap(_ gap: HistoryGap) {
        let closed = state.withLock { state -> [SubscriberEntry] in
            state.fannedOut = max(state.fannedOut, gap.through)
            let affected = state.entries.values.filter { entry in
                !entry.closed && gap.mayAffect(entry.filters.filter { entry.floors[$0, default: 0] < gap.through })
            }
            for entry in affected { Router.forget(entry, in: &state) }
            metrics.held(subscriptions: state.index.count, subscribers: state.entries.count)
            return affected
        }
        metrics.gapClosed(closed.count)
        logger.warning("""
            notifications \(gap.after + 1)...\(gap.through) (\(gap.missing) of them) were trimmed before this router handed \
            them over: it fell behind the shared history by more than retention keeps; \(closed.count) subscriber(s) that \
            may have missed some are closed and will resume with recovered: false
            """, metadata: ["topics": "\(gap.topics.map { $0.sorted().joined(separator: ",") } ?? "(unknown: all)")"])
        for entry in closed { entry.subscriber.close(reason: .historyGap) }
    }
}
