import Testing
import WokJSON
@testable import WokRouterCore

/// `Router.subscribeLive`: the synchronous subscribe without `since` the push transport calls on
/// its event loop. Same contract as the async subscribe without `since`.
@Suite struct SubscribeLiveTests {
    func makeRouter(_ tree: TempTree) throws -> Router {
        let registry = try SchemaRegistry(root: tree.path)
        return Router(registry: registry, store: MemoryHistoryStore())
    }

    @Test func answersBeforeANotificationFannedOutDuringTheSubscribe() async throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        let router = try makeRouter(tree)
        let sub = RecordingSubscriber()
        let topic = try Topic("kimchi.vms")
        // A notification fanned out after the filters were registered but before the answer
        // (another thread publishing at that moment) must wait for the answer.
        var result: SubscribeResult?
        try router.subscribeLive(sub, filters: filters("kimchi.*")) { r in
            result = r
            router.fanOut([Notification(id: 1, topic: topic, time: .now(), data: ["name": "a"], epoch: router.epoch)])
            sub.mark("subscribed")
        }
        #expect(sub.log == ["subscribed", "n1"])
        #expect(result == SubscribeResult(head: 0, epoch: router.epoch, recovered: true))
        let b = try await router.publish(topic: "kimchi.vms", data: ["name": "b"])
        #expect(sub.ids == [1, b.id])
    }

    @Test func headIsTheLastNotificationFannedOutAndNothingOlderIsDelivered() async throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        let router = try makeRouter(tree)
        _ = try await router.publish(topic: "kimchi.vms", data: [:])
        let second = try await router.publish(topic: "kimchi.vms", data: [:])
        let sub = RecordingSubscriber()
        var result: SubscribeResult?
        try router.subscribeLive(sub, filters: filters("kimchi.vms")) { result = $0 }
        #expect(result?.head == second.id && result?.recovered == true)
        let third = try await router.publish(topic: "kimchi.vms", data: [:])
        #expect(sub.ids == [third.id])
    }

    @Test func unknownExactTopicIsRefusedWithSuggestionsAndNothingIsRegistered() throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        let router = try makeRouter(tree)
        let sub = RecordingSubscriber()
        var answered = false
        do {
            try router.subscribeLive(sub, filters: filters("kimchi.*", "kimchi.vm")) { _ in answered = true }
            Issue.record("subscribed to an unknown topic")
        } catch {
            #expect(error.code == .unknownTopic)
            #expect(error.suggestions == ["kimchi.vms"])
        }
        #expect(!answered)
        #expect(router.subscriptionCount == 0 && router.subscriberCount == 0)
    }

    @Test func aFilterAlreadyHeldIsNotAddedTwiceAndUnsubscribeRemovesIt() async throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        let router = try makeRouter(tree)
        let sub = RecordingSubscriber()
        try router.subscribeLive(sub, filters: filters("kimchi.vms", "kimchi.>")) { _ in }
        try router.subscribeLive(sub, filters: filters("kimchi.vms")) { _ in }
        #expect(router.subscriptionCount == 2 && router.subscriberCount == 1)
        let a = try await router.publish(topic: "kimchi.vms", data: [:])
        #expect(sub.ids == [a.id], "delivered once although two filters match")
        router.unsubscribe(sub, filters: filters("kimchi.vms", "kimchi.>"))
        #expect(router.subscriptionCount == 0 && router.subscriberCount == 0)
    }
}
