import Logging
import WokJSON

extension Router {
    /// Starts the background work: watching the schema folders (publishing `wok.router.plugins`
    /// notifications for what changes) and applying retention every
    /// `configuration.retentionIntervalSeconds`.
    public func start() {
        let (events, continuation) = AsyncStream.makeStream(of: [PluginEvent].self)
        let publisher = Task { [self] in
            for await batch in events where configuration.publishPluginEvents {
                for event in batch {
                    do {
                        _ = try await publish(topic: PluginEvent.topic, data: event.data)
                    } catch {
                        logger.warning("could not publish \(PluginEvent.topic): \(error)")
                    }
                }
            }
        }
        registry.startWatching { batch in continuation.yield(batch) }
        let retention = Task { [self] in
            while !Task.isCancelled {
                await applyRetention()
                try? await Task.sleep(for: .seconds(configuration.retentionIntervalSeconds))
            }
        }
        state.withLock { state in
            state.pluginEvents = continuation
            state.tasks += [publisher, retention]
        }
    }

    /// Deletes what retention no longer keeps (per-topic rules from the plugins' manifests).
    /// - Returns: how many notifications were deleted.
    @discardableResult
    public func applyRetention(now: NotificationTime = .now()) async -> Int {
        let rules = registry.snapshot.retentionRules(default: configuration.defaultRetention)
        do {
            return try await store.trim(rules, now: now)
        } catch {
            logger.error("retention pass failed: \(error)")
            return 0
        }
    }

    /// Stops the background work, asks every subscriber to close (`.shutdown`), forgets them and
    /// closes the store after its pending commits.
    public func shutdown() async {
        registry.stopWatching()
        let (tasks, entries, continuation) = state.withLock { state in
            state.shutDown = true
            let result = (state.tasks, Array(state.entries.values), state.pluginEvents)
            state.tasks = []
            state.entries = [:]
            state.index = SubscriptionIndex()
            state.pluginEvents = nil
            return result
        }
        continuation?.finish()
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        for entry in entries {
            state.withLock { _ in entry.closed = true }
            entry.subscriber.close(reason: .shutdown)
        }
        metrics.held(subscriptions: 0, subscribers: 0)
        await store.close()
    }
}
