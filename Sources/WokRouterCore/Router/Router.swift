import Logging
import WokJSON
import WokSchema

/// The publish pipeline and the fan-out: topic lookup → validate → store → deliver.
///
/// Every committed notification reaches the store's commit handler, which encodes its frame once
/// and hands it to every subscriber whose filters match, in id order. Notifications appended by
/// other routers sharing the store arrive the same way. Thread-safe; all methods may be called
/// from any task.
public final class Router: Sendable {
    /// The schemas the router validates against.
    public let registry: SchemaRegistry
    /// Where notifications are numbered and kept.
    public let store: any HistoryStore
    /// The bounds and defaults in force.
    public let configuration: RouterConfiguration
    let logger: Logger
    let metrics = RouterMetrics()

    struct State {
        /// The id of the last notification the fan-out has handled: every later one reaches
        /// whoever is registered when it is handled (the dividing line between replay and live).
        var fannedOut: UInt64 = 0
        var index = SubscriptionIndex<SubscriberEntry>()
        var entries: [ObjectIdentifier: SubscriberEntry] = [:]
        var tasks: [Task<Void, Never>] = []
        var pluginEvents: AsyncStream<[PluginEvent]>.Continuation?
        var shutDown = false
    }
    let state = Locked(State())

    /// Makes a router over `registry` and `store` and installs its fan-out as the store's commit
    /// handler. Call `start()` to watch the schema folders and apply retention.
    public init(registry: SchemaRegistry, store: any HistoryStore, configuration: RouterConfiguration = .init(),
                logger: Logger = Logger(label: "wok-router.core")) {
        self.registry = registry
        self.store = store
        self.configuration = configuration
        self.logger = logger
        let head = store.head
        state.withLock { $0.fannedOut = head }
        store.setCommitHandler { [weak self] notifications in self?.fanOut(notifications) }
        store.setGapHandler { [weak self] gap in self?.historyGap(gap) }
    }

    /// The id of the last stored notification (0: none yet).
    public var head: UInt64 { store.head }
    /// The history the ids count in.
    public var epoch: String { store.epoch }
    /// Filters held over all subscribers (the `wok_router_subscriptions` gauge).
    public var subscriptionCount: Int { state.withLock { $0.index.count } }
    /// Subscribers registered.
    public var subscriberCount: Int { state.withLock { $0.entries.count } }

    /// Publishes one notification: looks the topic up, validates `data`, stores it (durable when
    /// this returns, for persistent stores) and fans it out.
    /// - Throws: `unknown_topic` (with suggestions), `invalid` (with the schema errors) or
    ///   `unavailable` (the store failed; nothing was stored).
    public func publish(topic: String, data: JSON) async throws(PublishError) -> Notification {
        try await publish([(topic: topic, data: data)])[0].get()
    }

    /// Publishes a batch in order with one store commit for all of its valid items.
    /// - Returns: one result per item, in order; invalid items do not stop the others.
    public func publish(_ items: [(topic: String, data: JSON)]) async -> [Result<Notification, PublishError>] {
        await withCheckedContinuation { continuation in
            publish(items) { continuation.resume(returning: $0) }
        }
    }

    /// Publishes a batch in order with one store commit for all of its valid items, and calls
    /// `completion` once with one result per item, in order (invalid items do not stop the
    /// others), from any thread, possibly before this returns: validation runs on the caller's
    /// thread and the memory store commits inline, so a transport on an event loop can publish
    /// without a hop through the Swift concurrency pool.
    public func publish(_ items: [(topic: String, data: JSON)],
                        completion: @escaping @Sendable ([Result<Notification, PublishError>]) -> Void) {
        let snapshot = registry.snapshot
        var checked = [Result<Notification, PublishError>?](repeating: nil, count: items.count)
        var pending: [PendingNotification] = []
        var pendingIndices: [Int] = []
        let now = NotificationTime.now()
        for (index, item) in items.enumerated() {
            switch check(item.topic, item.data, in: snapshot) {
            case .success(let topic):
                pending.append(PendingNotification(topic: topic, data: item.data, time: now))
                pendingIndices.append(index)
            case .failure(let error):
                metrics.refused(error.code)
                checked[index] = .failure(error)
            }
        }
        if pending.isEmpty { return completion(checked.map { $0! }) }
        store.append(pending) { [metrics, logger, pendingIndices, checked] outcome in
            var results = checked
            switch outcome {
            case .success(let stored):
                for (index, notification) in zip(pendingIndices, stored) {
                    results[index] = .success(notification)
                    metrics.published(notification.topic.name)
                }
            case .failure(let error):
                logger.error("history store refused \(pendingIndices.count) notification(s): \(error)")
                for index in pendingIndices {
                    metrics.refused(.unavailable)
                    results[index] = .failure(.unavailable(error))
                }
            }
            completion(results.map { $0! })
        }
    }

    /// Topic lookup and validation.
    private func check(_ name: String, _ data: JSON, in snapshot: RegistrySnapshot) -> Result<Topic, PublishError> {
        guard let entry = snapshot.topics[name], let validator = entry.validator else {
            let reason = snapshot.topics[name].flatMap { $0.info.reason.map { "its schema was refused: \($0)" } }
            return .failure(.unknownTopic(name, suggestions: snapshot.suggestions(for: name), reason: reason))
        }
        let start = ContinuousClock.now
        let errors = validator.validate(data)
        metrics.validation(nanoseconds: Int64((ContinuousClock.now - start) / .nanoseconds(1)))
        if !errors.isEmpty { return .failure(.invalid(name, errors: errors)) }
        return .success(entry.topic)
    }

    /// The commit handler: encodes each notification once, when it has a matching subscriber,
    /// and offers it to every matching subscriber; subscribers of a ``DeliveryGroup`` are handed
    /// over in one call per group. Everything is handed over under the lock, so each subscriber
    /// sees its notifications (live, grouped or held back) in id order.
    func fanOut(_ notifications: [Notification]) {
        for notification in notifications {
            var delivered = 0
            state.withLock { state in
                state.fannedOut = max(state.fannedOut, notification.id)
                var grouped = GroupedDeliveries()
                var encoded: EncodedNotification?
                state.index.forEachMatch(of: notification.topic) { entry in
                    let frame = encoded ?? EncodedNotification(notification)
                    encoded = frame
                    if entry.offer(frame, grouped: &grouped) { delivered += 1 }
                }
                if let encoded { grouped.deliver(encoded) }
            }
            metrics.delivered(delivered)
        }
    }
}

extension Duration {
    static func / (a: Duration, b: Duration) -> Double {
        let (aSeconds, aAtto) = a.components
        let (bSeconds, bAtto) = b.components
        return (Double(aSeconds) * 1e18 + Double(aAtto)) / (Double(bSeconds) * 1e18 + Double(bAtto))
    }
}
