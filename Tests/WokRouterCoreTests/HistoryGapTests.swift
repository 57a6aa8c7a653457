import Testing
import WokJSON
@testable import WokRouterCore

/// What the router does when its shared store reports notifications it could not hand over
/// (another router's commits trimmed before this router read them).
@Suite struct HistoryGapTests {
    let tree: TempTree

    init() {
        tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms", "kimchi.hosts"])
    }

    @Test func subscribersWhoseFiltersMayMatchTheGapAreClosed() async throws {
        let shared = SharedHistory()
        let store = GapReportingView(shared)
        let router = Router(registry: try SchemaRegistry(root: tree.path), store: store)
        let vms = RecordingSubscriber(), everything = RecordingSubscriber(), hosts = RecordingSubscriber()
        try await router.subscribe(vms, filters: filters("kimchi.vms")) { _ in }
        try await router.subscribe(everything, filters: filters("kimchi.>")) { _ in }
        try await router.subscribe(hosts, filters: filters("kimchi.hosts")) { _ in }
        let first = try await router.publish(topic: "kimchi.vms", data: ["name": "a"])

        // Another router published 2 and 3 on kimchi.vms, trimmed before this one read them.
        store.reportGap(HistoryGap(after: first.id, through: first.id + 2, missing: 2, topics: ["kimchi.vms"]))
        #expect(vms.closedReason == .historyGap && everything.closedReason == .historyGap)
        #expect(hosts.closedReason == nil, "a subscriber whose filters match none of the gap's topics keeps going")
        #expect(router.subscriberCount == 1)

        _ = try await router.publish(topic: "kimchi.hosts", data: ["name": "h"])
        #expect(hosts.ids.count == 1 && vms.ids == [first.id] && everything.ids == [first.id], "nothing after the gap reaches a closed one")
    }

    @Test func aGapOfUnknownTopicsClosesEverySubscriber() async throws {
        let shared = SharedHistory()
        let store = GapReportingView(shared)
        let router = Router(registry: try SchemaRegistry(root: tree.path), store: store)
        let vms = RecordingSubscriber(), hosts = RecordingSubscriber()
        try await router.subscribe(vms, filters: filters("kimchi.vms")) { _ in }
        try await router.subscribe(hosts, filters: filters("kimchi.hosts")) { _ in }
        store.reportGap(HistoryGap(after: 0, through: 4, missing: 4, topics: nil))
        #expect(vms.closedReason == .historyGap && hosts.closedReason == .historyGap)
        #expect(router.subscriberCount == 0)
    }

    @Test func aGapMattersToAFilterWhenItMatchesOneOfItsTopics() {
        let gap = HistoryGap(after: 1, through: 2, missing: 1, topics: ["kimchi.vms.state"])
        #expect(gap.mayAffect(filters("kimchi.>")))
        #expect(gap.mayAffect(filters("kimchi.*.state")))
        #expect(gap.mayAffect(filters("wok.userlog", "kimchi.vms.state")))
        #expect(!gap.mayAffect(filters("kimchi.*")))
        #expect(!gap.mayAffect(filters("kimchi.vms")))
        #expect(HistoryGap(after: 1, through: 2, missing: 1, topics: nil).mayAffect(filters("wok.userlog")))
    }
}

/// A view of the shared history that can report a gap to the router, as a lagging PostgreSQL
/// store does.
final class GapReportingView: HistoryStore, @unchecked Sendable {
    private let base: SharedHistory.View
    private let gapHandler = Locked<(@Sendable (HistoryGap) -> Void)?>(nil)

    init(_ shared: SharedHistory) { base = shared.view() }

    func reportGap(_ gap: HistoryGap) { gapHandler.current?(gap) }

    var epoch: String { base.epoch }
    var head: UInt64 { base.head }
    func setCommitHandler(_ handler: @escaping @Sendable ([WokNotification]) -> Void) { base.setCommitHandler(handler) }
    func setGapHandler(_ handler: @escaping @Sendable (HistoryGap) -> Void) { gapHandler.withLock { $0 = handler } }
    func append(_ items: [PendingNotification], completion: @escaping @Sendable (Result<[WokNotification], HistoryError>) -> Void) {
        base.append(items, completion: completion)
    }
    func read(filters: [TopicFilter], since: UInt64, limit: Int) async throws(HistoryError) -> HistoryRead {
        try await base.read(filters: filters, since: since, limit: limit)
    }
    func trim(_ rules: RetentionRules, now: NotificationTime) async throws(HistoryError) -> Int { try await base.trim(rules, now: now) }
    func close() async {}
}
