import Testing
import WokJSON
@testable import WokRouterCore

/// A store shared with other routers (as PostgreSQL will be): notifications committed by another
/// router reach this router's subscribers through the same commit handler, in id order.
@Suite struct SharedStoreTests {
    /// The schema tree each router of a test loads: the plugin `kimchi` with `kimchi.vms`.
    let tree: TempTree

    init() {
        tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
    }

    /// A router over `store` (a view of a shared history) and the suite's schema tree.
    func makeRouter(over store: any HistoryStore, configuration: RouterConfiguration = .init()) throws -> Router {
        Router(registry: try SchemaRegistry(root: tree.path), store: store, configuration: configuration)
    }

    /// Two routers over one memory store stand in for two router processes over one database.
    @Test func notificationsPublishedByAnotherRouterReachThisRoutersSubscribers() async throws {
        let shared = SharedHistory()
        let here = try makeRouter(over: shared.view())
        let there = try makeRouter(over: shared.view())
        let sub = RecordingSubscriber()
        try await here.subscribe(sub, filters: filters("kimchi.vms")) { _ in }
        _ = try await there.publish(topic: "kimchi.vms", data: ["name": "a"])
        _ = try await here.publish(topic: "kimchi.vms", data: ["name": "b"])
        _ = try await there.publish(topic: "kimchi.vms", data: ["name": "c"])
        #expect(sub.ids == [1, 2, 3], "one id sequence, one ordered fan-out, whoever published")
        #expect(here.head == 3 && there.head == 3 && here.epoch == there.epoch)
    }
}

/// One history with a commit handler per attached router (what LISTEN/NOTIFY gives each router).
final class SharedHistory: @unchecked Sendable {
    let memory = MemoryHistoryStore()
    let handlers = Locked<[@Sendable ([Notification]) -> Void]>([])

    init() {
        memory.setCommitHandler { [handlers] notifications in
            for handler in handlers.current { handler(notifications) }
        }
    }

    func view() -> View { View(self) }

    /// One router's connection to the shared history.
    final class View: HistoryStore, @unchecked Sendable {
        let shared: SharedHistory
        init(_ shared: SharedHistory) { self.shared = shared }
        var epoch: String { shared.memory.epoch }
        var head: UInt64 { shared.memory.head }
        func setCommitHandler(_ handler: @escaping @Sendable ([Notification]) -> Void) {
            shared.handlers.withLock { $0.append(handler) }
        }
        func append(_ items: [PendingNotification], completion: @escaping @Sendable (Result<[Notification], HistoryError>) -> Void) {
            shared.memory.append(items, completion: completion)
        }
        func read(filters: [TopicFilter], since: UInt64, limit: Int) async throws(HistoryError) -> HistoryRead {
            try await shared.memory.read(filters: filters, since: since, limit: limit)
        }
        func trim(_ rules: RetentionRules, now: NotificationTime) async throws(HistoryError) -> Int { try await shared.memory.trim(rules, now: now) }
        func close() async {}
    }
}
