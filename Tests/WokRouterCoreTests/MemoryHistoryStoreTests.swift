import Testing
import WokJSON
@testable import WokRouterCore

/// What the memory store does beyond the shared contract (`HistoryStoreContract`): retention's
/// count bound holds as notifications arrive, not only at the next retention pass.
@Suite struct MemoryHistoryStoreTests {
    private func item(_ topic: String, _ n: Int64 = 0, time: NotificationTime = .now()) -> PendingNotification {
        PendingNotification(topic: try! Topic(topic), data: ["n": .int(n)], time: time)
    }

    private func ids(_ store: MemoryHistoryStore, _ filters: String..., since: UInt64 = 0, limit: Int = 1000) async throws -> [UInt64] {
        try await store.read(filters: try filters.map(TopicFilter.init), since: since, limit: limit).notifications.map(\.id)
    }

    @Test func theCountBoundHoldsAsNotificationsArrive() async throws {
        let store = MemoryHistoryStore()
        let rules = RetentionRules(defaultRetention: Retention(count: 100), perTopic: ["kimchi.vms": Retention(count: 3)])
        #expect(try await store.trim(rules, now: .now()) == 0)
        for n in 1...10 { _ = try await store.append([item("kimchi.vms", Int64(n))]) }
        _ = try await store.append([item("wok.userlog")])  // id 11
        #expect(try await ids(store, "kimchi.vms") == [8, 9, 10], "no retention pass ran since the rules were given")
        let read = try await store.read(filters: [try TopicFilter("kimchi.vms")], since: 0, limit: 100)
        #expect(!read.complete, "ids 1...7 were dropped after since=0")
        #expect(try await store.read(filters: [try TopicFilter("kimchi.vms")], since: 7, limit: 100).complete)
        #expect(try await ids(store, "kimchi.>", "wok.>") == [8, 9, 10, 11], "the other topic keeps its own bound")
        #expect(try await store.trim(rules, now: .now()) == 0, "the pass finds nothing left to delete")
    }

    @Test func aBatchLargerThanTheBoundKeepsItsNewest() async throws {
        let store = MemoryHistoryStore()
        _ = try await store.trim(RetentionRules(defaultRetention: Retention(count: 2)), now: .now())
        let stored = try await store.append((1...5).map { item("kimchi.vms", $0) })
        #expect(stored.map(\.id) == [1, 2, 3, 4, 5], "every item of the batch is numbered and handed over")
        #expect(try await ids(store, "kimchi.vms") == [4, 5])
    }

    @Test func beforeAnyRulesNothingIsDropped() async throws {
        let store = MemoryHistoryStore()
        for n in 1...20 { _ = try await store.append([item("kimchi.vms", Int64(n))]) }
        #expect(try await ids(store, "kimchi.vms").count == 20)
    }

    @Test func aTighterRuleAppliesAtThePassAndToLaterAppends() async throws {
        let store = MemoryHistoryStore()
        _ = try await store.trim(RetentionRules(defaultRetention: Retention(count: 10)), now: .now())
        for n in 1...10 { _ = try await store.append([item("kimchi.vms", Int64(n))]) }
        #expect(try await store.trim(RetentionRules(defaultRetention: Retention(count: 4)), now: .now()) == 6)
        #expect(try await ids(store, "kimchi.vms") == [7, 8, 9, 10])
        _ = try await store.append([item("kimchi.vms")])
        #expect(try await ids(store, "kimchi.vms") == [8, 9, 10, 11])
        #expect(try await store.trim(RetentionRules(defaultRetention: Retention()), now: .now()) == 0)
        for _ in 1...3 { _ = try await store.append([item("kimchi.vms")]) }
        #expect(try await ids(store, "kimchi.vms").count == 7, "an unbounded rule lifts the bound")
    }

    @Test func theAgeBoundDropsFromTheOldest() async throws {
        let store = MemoryHistoryStore()
        let now = NotificationTime.now()
        let hourAgo = NotificationTime(millisecondsSince1970: now.millisecondsSince1970 - 3_600_000)
        _ = try await store.append([item("kimchi.vms", 1, time: hourAgo), item("kimchi.vms", 2, time: hourAgo),
                                    item("kimchi.vms", 3, time: now)])
        #expect(try await store.trim(RetentionRules(defaultRetention: Retention(maxAgeSeconds: 60)), now: now) == 2)
        #expect(try await ids(store, "kimchi.vms") == [3])
        #expect(!(try await store.read(filters: [try TopicFilter("kimchi.vms")], since: 1, limit: 10).complete))
    }

    @Test func readsMergeTopicsInIdOrderUpToTheLimit() async throws {
        let store = MemoryHistoryStore()
        for n in 0..<30 { _ = try await store.append([item(["kimchi.vms", "kimchi.pools", "wok.userlog"][n % 3], Int64(n))]) }
        #expect(try await ids(store, "kimchi.*", since: 4, limit: 5) == [5, 7, 8, 10, 11])
        #expect(try await ids(store, "kimchi.>", "wok.>", since: 25, limit: 100) == [26, 27, 28, 29, 30])
        let all = try await ids(store, "kimchi.>", "wok.>")
        #expect(all == Array(1...30))
    }

    @Test func aReadOverManyTopicsParsesWhatItReturnsOnly() async throws {
        // 40 topics of 50 notifications each, interleaved. A read of 10 across all of them parses
        // 10 (it parsed each topic's first 10, 400, under the store's lock, and kept 10).
        let store = MemoryHistoryStore()
        let topics = (0..<40).map { "kimchi.t\($0)" }
        for n in 0..<2000 { _ = try await store.append([item(topics[n % 40], Int64(n))]) }
        let read = try await store.read(filters: [try TopicFilter("kimchi.*")], since: 100, limit: 10)
        #expect(read.notifications.map(\.id) == Array(101...110))
        #expect(read.notifications.map(\.topic.name) == (100..<110).map { topics[$0 % 40] })
        #expect(read.notifications.map { $0.data["n"] } == (100..<110).map { JSON.int(Int64($0)) })
        #expect(store.parsedForReads == 10)
        #expect(try await ids(store, "kimchi.t3", "kimchi.t7", since: 1900, limit: 1000) == [1924, 1928, 1964, 1968])
    }
}
