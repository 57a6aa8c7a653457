import Foundation
import Testing
import WokJSON
import WokSchema
@testable import WokRouterCore

@Suite struct RouterTests {
    func makeRouter(_ tree: TempTree, store: any HistoryStore = MemoryHistoryStore(),
                    configuration: RouterConfiguration = .init()) throws -> Router {
        var registryConfiguration = RegistryConfiguration()
        registryConfiguration.pollIntervalSeconds = 0.05
        let registry = try SchemaRegistry(root: tree.path, configuration: registryConfiguration)
        return Router(registry: registry, store: store, configuration: configuration)
    }

    /// Waits (bounded) until `condition` holds; the test then asserts on the state, not on time.
    func eventually(_ condition: () -> Bool) async {
        for _ in 0..<400 where !condition() { try? await Task.sleep(for: .milliseconds(25)) }
    }

    @Test func publishAssignsIncreasingIdsAndFansOut() async throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms", "kimchi.storagepools"])
        let router = try makeRouter(tree)
        let sub = RecordingSubscriber()
        try await router.subscribe(sub, filters: filters("kimchi.*")) { _ in sub.mark("subscribed") }
        let a = try await router.publish(topic: "kimchi.vms", data: ["name": "vm1"])
        let b = try await router.publish(topic: "kimchi.storagepools", data: ["name": "pool"])
        #expect(a.id == 1 && b.id == 2)
        #expect(sub.log == ["subscribed", "n1", "n2"])
        let frame = try JSON.parse(sub.notifications[0].frame)
        #expect(frame.keys == ["type", "id", "epoch", "topic", "plugin", "time", "data"])
        #expect(frame["type"]?.string == "notification" && frame["id"]?.int == 1)
        #expect(frame["topic"]?.string == "kimchi.vms" && frame["plugin"]?.string == "kimchi")
        #expect(frame["epoch"]?.string == router.epoch)
        #expect(frame["time"]?.string == a.time.description)
        #expect(frame["data"]?["name"]?.string == "vm1")
    }

    @Test func invalidDataIsRefusedWithTheSchemaErrors() async throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        let router = try makeRouter(tree)
        await #expect { try await router.publish(topic: "kimchi.vms", data: ["name": 5]) } throws: { error in
            guard let error = error as? PublishError, error.code == .invalid else { return false }
            return error.validationErrors.first?.instanceLocation == "/name" && error.message.contains(" at /data/name ")
        }
        #expect(router.head == 0, "nothing was stored")
    }

    @Test func unknownTopicGetsSuggestions() async throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        let router = try makeRouter(tree)
        do {
            _ = try await router.publish(topic: "kimchi.vm", data: [:])
            Issue.record("published to an unknown topic")
        } catch {
            #expect(error.code == .unknownTopic && error.code.rawValue == "unknown_topic")
            #expect(error.suggestions == ["kimchi.vms"])
            #expect(error.message.contains("did you mean \"kimchi.vms\""))
        }
        let sub = RecordingSubscriber()
        await #expect { try await router.subscribe(sub, filters: filters("kimchi.vm")) { _ in } } throws: { error in
            (error as? SubscribeError)?.suggestions == ["kimchi.vms"]
        }
        #expect(router.subscriptionCount == 0)
    }

    @Test func aBatchStoresItsValidItemsInOneGoAndReportsEachItem() async throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        let router = try makeRouter(tree)
        let results = await router.publish([(topic: "kimchi.vms", data: ["name": "a"]), (topic: "kimchi.nope", data: [:]),
                                            (topic: "kimchi.vms", data: ["name": 1]), (topic: "kimchi.vms", data: ["name": "b"])])
        #expect(try results[0].get().id == 1)
        #expect(try results[3].get().id == 2)
        if case .failure(let error) = results[1] { #expect(error.code == .unknownTopic) } else { Issue.record("item 1 accepted") }
        if case .failure(let error) = results[2] { #expect(error.code == .invalid) } else { Issue.record("item 2 accepted") }
    }

    @Test func aSubscriberMatchingSeveralWaysGetsEachNotificationOnce() async throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms", "kimchi.vms.state"])
        let router = try makeRouter(tree)
        let sub = RecordingSubscriber()
        try await router.subscribe(sub, filters: filters("kimchi.vms", "kimchi.*", "kimchi.>", "*.vms")) { _ in }
        try await router.subscribe(sub, filters: filters("kimchi.vms")) { _ in }
        #expect(router.subscriptionCount == 4, "a filter already held is not added twice")
        _ = try await router.publish(topic: "kimchi.vms", data: [:])
        _ = try await router.publish(topic: "kimchi.vms.state", data: [:])
        #expect(sub.ids == [1, 2])
        router.unsubscribe(sub, filters: filters("kimchi.>"))
        _ = try await router.publish(topic: "kimchi.vms.state", data: [:])
        _ = try await router.publish(topic: "kimchi.vms", data: [:])
        #expect(sub.ids == [1, 2, 4])
        router.remove(sub)
        _ = try await router.publish(topic: "kimchi.vms", data: [:])
        #expect(sub.ids == [1, 2, 4] && router.subscriberCount == 0 && router.subscriptionCount == 0)
    }

    @Test func resumingReplaysWhatWasMissedThenLiveWithoutGapOrDuplicate() async throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms", "kimchi.pools"])
        let router = try makeRouter(tree)
        for n in 1...6 { _ = try await router.publish(topic: n % 2 == 0 ? "kimchi.vms" : "kimchi.pools", data: ["n": .int(Int64(n))]) }
        let sub = RecordingSubscriber()
        // Publish concurrently with the subscribe: whatever interleaving, the subscriber sees
        // every vms notification after id 2 exactly once, in order, after "subscribed".
        async let more: Void = {
            for n in 7...30 { _ = try? await router.publish(topic: n % 2 == 0 ? "kimchi.vms" : "kimchi.pools", data: [:]) }
        }()
        var result: SubscribeResult?
        try await router.subscribe(sub, filters: filters("kimchi.vms"), since: 2, epoch: router.epoch) { r in
            result = r
            sub.mark("subscribed")
        }
        await more
        #expect(result?.recovered == true && result?.epoch == router.epoch)
        #expect(sub.log.first == "subscribed")
        #expect(sub.ids == Array(stride(from: 4, through: 30, by: 2)))
    }

    @Test func aSlowReplayIsPagedHoldsLiveNotificationsBackAndLosesNothing() async throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        var configuration = RouterConfiguration()
        configuration.replayPageSize = 10
        let router = try makeRouter(tree, configuration: configuration)
        for _ in 1...35 { _ = try await router.publish(topic: "kimchi.vms", data: [:]) }
        let sub = RecordingSubscriber()
        sub.replayDelay = .milliseconds(20)
        async let live: Void = {
            for _ in 36...60 { _ = try? await router.publish(topic: "kimchi.vms", data: [:]) }
        }()
        try await router.subscribe(sub, filters: filters("kimchi.vms"), since: 5) { _ in sub.mark("subscribed") }
        await live
        #expect(sub.ids == Array(6...60), "every id once, in order, replay then live")
        #expect(sub.log.first == "subscribed")
        #expect(sub.pages.map(\.count).prefix(3) == [10, 10, 10], "the replay comes in pages of replayPageSize")
        let firstLive = sub.log.firstIndex { $0.hasPrefix("n") } ?? sub.log.count
        #expect(!sub.log[firstLive...].contains { $0.hasPrefix("r") }, "no replay page after a live delivery")
    }

    @Test func aResumeFromAnotherEpochOrTrimmedHistoryIsNotRecovered() async throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"], manifest: #"{"name":"kimchi","version":"1","description":"d","retention":{"count":2}}"#)
        let router = try makeRouter(tree)
        for _ in 1...5 { _ = try await router.publish(topic: "kimchi.vms", data: [:]) }

        let stranger = RecordingSubscriber()
        var result: SubscribeResult?
        try await router.subscribe(stranger, filters: filters("kimchi.vms"), since: 1, epoch: "another") { result = $0 }
        #expect(result == SubscribeResult(head: 5, epoch: router.epoch, recovered: false))
        #expect(stranger.ids.isEmpty, "nothing is replayed into another history")

        #expect(await router.applyRetention() == 3)
        let late = RecordingSubscriber()
        try await router.subscribe(late, filters: filters("kimchi.*"), since: 2, epoch: router.epoch) { result = $0 }
        #expect(result?.recovered == false && late.ids.isEmpty)
        let recent = RecordingSubscriber()
        try await router.subscribe(recent, filters: filters("kimchi.*"), since: 3, epoch: router.epoch) { result = $0 }
        #expect(result?.recovered == true && recent.ids == [4, 5])
        _ = try await router.publish(topic: "kimchi.vms", data: [:])
        #expect(recent.ids == [4, 5, 6] && late.ids == [6] && stranger.ids == [6])
    }

    @Test func aReplayLargerThanTheBoundIsNotRecovered() async throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        var configuration = RouterConfiguration()
        configuration.maxReplay = 3
        configuration.replayPageSize = 2
        let router = try makeRouter(tree, configuration: configuration)
        for _ in 1...5 { _ = try await router.publish(topic: "kimchi.vms", data: [:]) }
        var result: SubscribeResult?
        let edge = RecordingSubscriber()
        try await router.subscribe(edge, filters: filters("kimchi.vms"), since: 2) { result = $0 }
        #expect(result?.recovered == true && edge.ids == [3, 4, 5], "exactly maxReplay is replayed")
        let over = RecordingSubscriber()
        try await router.subscribe(over, filters: filters("kimchi.vms"), since: 1) { result = $0 }
        #expect(result?.recovered == false && over.ids.isEmpty, "one more than maxReplay is not")
    }

    @Test func addingFiltersReplaysOnlyWhatTheHeldOnesDidNotDeliver() async throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms", "kimchi.pools"])
        let router = try makeRouter(tree)
        let sub = RecordingSubscriber()
        try await router.subscribe(sub, filters: filters("kimchi.vms")) { _ in }
        _ = try await router.publish(topic: "kimchi.vms", data: [:])    // 1
        _ = try await router.publish(topic: "kimchi.pools", data: [:])  // 2
        try await router.subscribe(sub, filters: filters("kimchi.*"), since: 0) { _ in }
        #expect(sub.ids == [1, 2], "id 1 came through the held filter and is not replayed again")
    }

    @Test func addingAFilterWithReplayWhilePublishingLosesAndDoublesNothing() async throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms", "kimchi.pools"])
        let router = try makeRouter(tree)
        let sub = RecordingSubscriber()
        try await router.subscribe(sub, filters: filters("kimchi.pools")) { _ in }
        var topics: [UInt64: String] = [:]
        for n in 1...40 {
            let topic = n % 2 == 0 ? "kimchi.vms" : "kimchi.pools"
            topics[try await router.publish(topic: topic, data: [:]).id] = topic
        }
        let published = Locked<[UInt64: String]>([:])
        async let more: Void = {
            for n in 41...200 {
                let topic = n % 2 == 0 ? "kimchi.vms" : "kimchi.pools"
                if let id = try? await router.publish(topic: topic, data: [:]).id { published.withLock { $0[id] = topic } }
            }
        }()
        try await router.subscribe(sub, filters: filters("kimchi.vms"), since: 10) { _ in }
        await more
        topics.merge(published.current) { a, _ in a }
        let got = sub.ids
        #expect(got.count == Set(got).count, "no duplicate")
        let expected = Set(topics.filter { $0.value == "kimchi.pools" || $0.key > 10 }.keys)
        #expect(Set(got) == expected, "no loss")
        let vms = got.filter { topics[$0] == "kimchi.vms" }, pools = got.filter { topics[$0] == "kimchi.pools" }
        #expect(vms == vms.sorted() && pools == pools.sorted(), "each filter's notifications in id order")
    }

    @Test func historyPagesBySinceFiltersAndLimit() async throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms", "kimchi.pools"])
        let router = try makeRouter(tree)
        for n in 1...5 { _ = try await router.publish(topic: n == 3 ? "kimchi.pools" : "kimchi.vms", data: [:]) }
        let page = try await router.history(filters: filters("kimchi.vms"), since: 1, limit: 2)
        #expect(page.notifications.map(\.id) == [2, 4] && page.head == 5 && page.recovered && page.epoch == router.epoch)
        let other = try await router.history(filters: filters("kimchi.*"), since: 1, epoch: "nope", limit: 10)
        #expect(!other.recovered && other.notifications.isEmpty)
        await #expect(throws: RouterError.self) { try await router.history(filters: filters("kimchi.vm"), since: nil, limit: 1) }
    }

    @Test func hotReloadPublishesPluginEventsAndServesNewTopics() async throws {
        let tree = TempTree()
        tree.coreTopics()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        let router = try makeRouter(tree)
        router.start()
        let watcher = RecordingSubscriber()
        try await router.subscribe(watcher, filters: filters("wok.router.plugins")) { _ in }

        tree.plugin("gingerbase", topics: ["gingerbase.packages"])
        await eventually { watcher.ids.count >= 1 }
        _ = try await router.publish(topic: "gingerbase.packages", data: ["name": "qemu"])

        tree.write("plugins/kimchi/schemas/kimchi.vms.json", "{ not json")
        await eventually { watcher.ids.count >= 2 }
        // The refused change keeps the previous version in force.
        _ = try await router.publish(topic: "kimchi.vms", data: ["name": "vm"])
        await #expect(throws: PublishError.self) { try await router.publish(topic: "kimchi.vms", data: ["name": 1]) }

        tree.moveOut("plugins/kimchi")
        await eventually { watcher.ids.count >= 3 }
        await #expect { try await router.publish(topic: "kimchi.vms", data: [:]) } throws: { error in
            (error as? PublishError)?.code == .unknownTopic
        }
        _ = try await router.publish(topic: "gingerbase.packages", data: [:])  // the router keeps serving what it still has

        let events = watcher.notifications.map { try! JSON.parse($0.frame)["data"]! }
        #expect(events.map { $0["event"]?.string } == ["loaded", "refused", "removed"])
        #expect(events.map { $0["plugin"]?.string } == ["gingerbase", "kimchi", "kimchi"])
        #expect(events[1]["reason"]?.string?.contains("not JSON") == true)
        #expect(events[0]["reason"] == nil)
        await router.shutdown()
    }

    @Test func validationsInFlightDuringReloadsSeeOneWholeVersion() async throws {
        // Version A requires "a", version B requires "b"; a snapshot check must accept exactly
        // one of {"a"} / {"b"}, never both or neither.
        let tree = TempTree()
        tree.plugin("kimchi", topics: [])
        tree.write("plugins/kimchi/schemas/kimchi.vms.json", #"{"required":["a"]}"#)
        tree.write("plugins/kimchi/schemas/kimchi.pools.json", #"{"required":["a"]}"#)
        let router = try makeRouter(tree)
        let registry = router.registry
        let flipper = Task {
            for round in 0..<30 {
                let key = round % 2 == 0 ? "b" : "a"
                tree.write("plugins/kimchi/schemas/kimchi.vms.json", #"{"required":["\#(key)"]}"#)
                tree.write("plugins/kimchi/schemas/kimchi.pools.json", #"{"required":["\#(key)"]}"#)
                registry.reload()
            }
        }
        var checks = 0
        while !flipper.isCancelled, checks < 3_000 {
            let snapshot = registry.snapshot
            let vmsWantsA = snapshot.topics["kimchi.vms"]!.validator!.isValid(["a": 1])
            let poolsWantsA = snapshot.topics["kimchi.pools"]!.validator!.isValid(["a": 1])
            #expect(vmsWantsA == poolsWantsA, "both topics of one snapshot come from the same load")
            checks += 1
            if checks % 100 == 0 { await Task.yield() }
        }
        await flipper.value
    }

    @Test func shutdownClosesSubscribersAndTheStore() async throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        let router = try makeRouter(tree)
        router.start()
        let sub = RecordingSubscriber()
        try await router.subscribe(sub, filters: filters("kimchi.>")) { _ in }
        await router.shutdown()
        #expect(sub.closedReason == .shutdown)
        #expect(router.subscriberCount == 0)
        await #expect { try await router.publish(topic: "kimchi.vms", data: [:]) } throws: { error in
            (error as? PublishError)?.code == .unavailable
        }
    }
}
