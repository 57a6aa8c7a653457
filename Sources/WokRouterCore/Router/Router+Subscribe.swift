extension Router {
    /// Adds `filters` to `subscriber`, replaying what it missed when `since` is given.
    ///
    /// Order contract: `onSubscribed` runs before any notification of this subscribe is delivered;
    /// then, when `since` was given and `recovered` is true, every stored notification of the new
    /// filters with id > `since` is handed over in id order through `Subscriber.replay(_:)` (in
    /// pages, each awaited: the transport may wait for room in its queue), then live ones through
    /// `deliver`, with no gap and no duplicate between them. Live notifications are held back
    /// while the replay runs, and those of filters already held are merged in id order. A filter
    /// already held is not added twice, and notifications matching it are not replayed again.
    /// Subscribes of one subscriber must not overlap (the transport handles one frame at a time).
    ///
    /// A resume whose `since` the store committed but this router's fan-out has not reached yet
    /// (another router sharing the store committed it a moment ago) waits for the fan-out, at most
    /// `configuration.resumeWaitSeconds`. Past that bound it is answered anyway, with `recovered`
    /// true and the lower `head` this router has got to: the new filters are floored at `since`
    /// (nothing at or below it is delivered through them when the fan-out gets there; the client
    /// has it), so every later notification still arrives live, once, in order. A `since` the
    /// store never committed (a position in another history) is answered `recovered: false`
    /// without a floor.
    /// - Parameters:
    ///   - since: resume after this id; nil for live notifications only.
    ///   - epoch: the history `since` counts in; nil means the current one.
    ///   - maxFilters: the most filters `subscriber` may hold, checked against what it holds
    ///     when the filters are registered (a filter already held does not count twice).
    /// - Throws: `unknown_topic` (with suggestions) when an exact filter names no topic;
    ///   `limit_exceeded` past `maxFilters`; `unavailable` when the store cannot be read (the
    ///   subscription is then not added).
    public func subscribe(_ subscriber: any Subscriber, filters: [TopicFilter], since: UInt64? = nil,
                          epoch: String? = nil, maxFilters: Int = .max,
                          onSubscribed: (SubscribeResult) -> Void) async throws(SubscribeError) {
        let current = epoch == nil || epoch == store.epoch
        var floor: UInt64?
        if let since, current { floor = try await committedResumePoint(since) }
        let (entry, added, held, head) = try beginSubscribe(subscriber, filters, floor: floor, maxFilters: maxFilters)
        var replay: [Notification] = []
        var recovered = true
        if let since {
            if !current {
                recovered = false
            } else if since > head {
                // Floored at `since` when the store committed it: nothing is missing, nothing
                // comes twice. Not committed: `since` counts in some other history.
                recovered = floor != nil
            } else if !added.isEmpty {
                do {
                    (replay, recovered) = try await readReplay(added, excluding: held, since: since, through: head)
                } catch {
                    unregister(entry, added)
                    metrics.refused(.unavailable)
                    throw .unavailable(error)
                }
            }
        }
        onSubscribed(SubscribeResult(head: head, epoch: store.epoch, recovered: recovered))
        if recovered { await deliverReplay(replay, to: entry) }
        finishSubscribe(entry)
    }

    /// Adds `filters` to `subscriber` for live notifications only (a subscribe without `since`),
    /// synchronously: no store read is needed, so a transport may call it on its own thread
    /// instead of starting a task.
    ///
    /// Same registration and contract as ``subscribe(_:filters:since:epoch:onSubscribed:)`` with
    /// `since` nil: `onSubscribed` (with `recovered` true) runs before any notification of the new
    /// filters is delivered; a filter already held is not added twice. Must not overlap another
    /// subscribe of the same subscriber (an async one still replaying included): the transport
    /// calls it only when none of its earlier subscribes is in progress.
    /// - Throws: `unknown_topic` (with suggestions) when an exact filter names no topic,
    ///   `limit_exceeded` past `maxFilters`; nothing is registered then.
    public func subscribeLive(_ subscriber: any Subscriber, filters: [TopicFilter], maxFilters: Int = .max,
                              onSubscribed: (SubscribeResult) -> Void) throws(SubscribeError) {
        let (entry, _, _, head) = try beginSubscribe(subscriber, filters, floor: nil, maxFilters: maxFilters)
        onSubscribed(SubscribeResult(head: head, epoch: store.epoch, recovered: true))
        finishSubscribe(entry)
    }

    /// Removes `filters` from `subscriber` (filters it does not hold are ignored).
    public func unsubscribe(_ subscriber: any Subscriber, filters: [TopicFilter]) {
        state.withLock { state in
            guard let entry = state.entries[ObjectIdentifier(subscriber)] else { return }
            for filter in filters where entry.filters.remove(filter) != nil {
                state.index.remove(filter, for: entry)
                entry.floors[filter] = nil
            }
            if entry.filters.isEmpty && entry.pendingSubscribes == 0 {
                state.entries[ObjectIdentifier(subscriber)] = nil
            }
            metrics.held(subscriptions: state.index.count, subscribers: state.entries.count)
        }
    }

    /// Forgets `subscriber` entirely (its connection closed). Nothing is delivered to it afterwards.
    public func remove(_ subscriber: any Subscriber) {
        state.withLock { state in
            guard let entry = state.entries[ObjectIdentifier(subscriber)] else { return }
            Router.forget(entry, in: &state)
            metrics.held(subscriptions: state.index.count, subscribers: state.entries.count)
        }
    }

    /// Under the lock: drops `entry` and its filters from the index; nothing is delivered to it
    /// afterwards (what it held back is dropped too).
    static func forget(_ entry: SubscriberEntry, in state: inout State) {
        state.entries[ObjectIdentifier(entry.subscriber)] = nil
        for filter in entry.filters { state.index.remove(filter, for: entry) }
        entry.filters = []
        entry.floors = [:]
        entry.closed = true
        entry.buffer = []
    }

    /// The filters `subscriber` holds.
    public func filters(of subscriber: any Subscriber) -> Set<TopicFilter> {
        state.withLock { $0.entries[ObjectIdentifier(subscriber)]?.filters ?? [] }
    }

    /// The first half of every subscribe: refuses exact filters naming no topic, then registers
    /// the filters with live deliveries held back (every notification after `head`, the last one
    /// fanned out, reaches the entry's buffer; every one up to `head` is in the store). When
    /// `floor` is above `head`, the added filters are floored at it (see `SubscriberEntry.floors`).
    /// The caller answers, replays if asked, then calls `finishSubscribe`. The filter limit is
    /// checked under the same lock as the registration, so no interleaving of subscribes (one of
    /// which fails) can take a subscriber past it.
    private func beginSubscribe(_ subscriber: any Subscriber, _ filters: [TopicFilter], floor: UInt64?,
                                maxFilters: Int) throws(SubscribeError)
        -> (SubscriberEntry, added: [TopicFilter], held: [TopicFilter], head: UInt64) {
        let snapshot = registry.snapshot
        for filter in filters {
            guard let topic = filter.exactTopic else { continue }
            if snapshot.topics[topic.name]?.validator == nil {
                metrics.refused(.unknownTopic)
                throw .unknownTopic(topic.name, suggestions: snapshot.suggestions(for: topic.name))
            }
        }
        guard let registered = register(subscriber, filters, floor: floor, maxFilters: maxFilters) else {
            metrics.refused(.limitExceeded)
            throw .tooManyFilters(max: maxFilters)
        }
        return registered
    }

    /// Nil, registering nothing, when the subscriber would hold more than `maxFilters` filters.
    private func register(_ subscriber: any Subscriber, _ filters: [TopicFilter], floor: UInt64?, maxFilters: Int)
        -> (SubscriberEntry, added: [TopicFilter], held: [TopicFilter], head: UInt64)? {
        state.withLock { state in
            let key = ObjectIdentifier(subscriber)
            let holding = state.entries[key]?.filters ?? []
            if holding.count + Set(filters).subtracting(holding).count > maxFilters { return nil }
            let entry = state.entries[key] ?? SubscriberEntry(subscriber)
            state.entries[key] = entry
            let held = Array(entry.filters)
            var added: [TopicFilter] = []
            for filter in filters where entry.filters.insert(filter).inserted {
                state.index.insert(filter, for: entry)
                added.append(filter)
            }
            if let floor, floor > state.fannedOut { entry.floor(added, at: floor) }
            entry.pendingSubscribes += 1
            metrics.held(subscriptions: state.index.count, subscribers: state.entries.count)
            return (entry, added, held, state.fannedOut)
        }
    }

    private func unregister(_ entry: SubscriberEntry, _ added: [TopicFilter]) {
        state.withLock { state in
            for filter in added where entry.filters.remove(filter) != nil {
                state.index.remove(filter, for: entry)
                entry.floors[filter] = nil
            }
            entry.pendingSubscribes -= 1
            flushBuffer(entry)
            if entry.filters.isEmpty && entry.pendingSubscribes == 0 {
                state.entries[ObjectIdentifier(entry.subscriber)] = nil
            }
            metrics.held(subscriptions: state.index.count, subscribers: state.entries.count)
        }
    }

    /// With a store shared by several routers (PostgreSQL), a tab may resume here after `since`
    /// reached it through another router, before this router's fan-out got that far.
    ///
    /// Returns `since` when it is a committed position: at once when the fan-out has reached it
    /// (the usual case); otherwise after reading the store's committed head and waiting (at most
    /// `configuration.resumeWaitSeconds`, checking every 10 ms; not at all when it is 0) for the
    /// fan-out to get there, so that the answer's head covers it. Returns nil when the store never
    /// committed `since` (it counts in another history).
    /// - Throws: `unavailable` when the committed head cannot be read.
    private func committedResumePoint(_ since: UInt64) async throws(SubscribeError) -> UInt64? {
        if state.withLock({ $0.fannedOut }) >= since { return since }
        let committed: UInt64
        do {
            committed = try await store.read(filters: [], since: since, limit: 0).head
        } catch {
            metrics.refused(.unavailable)
            throw .unavailable(error)
        }
        guard since <= committed else { return nil }
        let bound = configuration.resumeWaitSeconds
        guard bound > 0, bound.isFinite else { return since }
        let deadline = ContinuousClock.now + .milliseconds(Int64(min(bound, 31_536_000) * 1000))  // at most a year
        while ContinuousClock.now < deadline {
            if state.withLock({ $0.fannedOut }) >= since { break }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return since
    }

    /// Reads every stored notification of `filters` with id in (`since`, `through`] that no filter
    /// in `excluding` matches; `recovered` is false when some were trimmed or there are more than
    /// `maxReplay`.
    private func readReplay(_ filters: [TopicFilter], excluding held: [TopicFilter], since: UInt64, through: UInt64)
        async throws(HistoryError) -> ([Notification], recovered: Bool) {
        var replay: [Notification] = []
        var cursor = since
        while cursor < through {
            let page = try await store.read(filters: filters, since: cursor, limit: configuration.replayPageSize)
            if !page.complete { return ([], false) }
            for notification in page.notifications where notification.id <= through {
                if !held.contains(where: { $0.matches(notification.topic) }) { replay.append(notification) }
            }
            if replay.count > configuration.maxReplay { return ([], false) }
            guard let last = page.notifications.last, page.notifications.count == configuration.replayPageSize else { break }
            cursor = last.id
        }
        return (replay, true)
    }

    /// Under the lock: ends a subscribe; when no other is in progress, delivers the held-back
    /// live notifications in id order and lets live deliveries through.
    private func finishSubscribe(_ entry: SubscriberEntry) {
        state.withLock { _ in
            entry.pendingSubscribes -= 1
            flushBuffer(entry)
        }
    }

    /// Under the lock: delivers the held-back notifications (id order, each once) unless another
    /// subscribe of this subscriber is still replaying.
    func flushBuffer(_ entry: SubscriberEntry) {
        guard entry.pendingSubscribes == 0, !entry.closed else { return }
        let buffered = entry.buffer.sorted { $0.id < $1.id }
        entry.buffer = []
        var lastID: UInt64 = 0
        var delivered = 0
        for notification in buffered where notification.id > lastID {
            lastID = notification.id
            entry.subscriber.deliver(notification)
            delivered += 1
        }
        metrics.delivered(delivered)
    }
}
