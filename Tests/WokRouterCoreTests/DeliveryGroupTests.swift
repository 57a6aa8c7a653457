import Foundation
import Testing
import WokJSON
@testable import WokRouterCore

/// A delivery group recording each hand-over and passing it on to its members.
final class RecordingGroup: DeliveryGroup, @unchecked Sendable {
    private let lock = NSLock()
    private var handed: [(id: UInt64, members: [ObjectIdentifier])] = []

    func deliver(_ notification: EncodedNotification, to subscribers: [any Subscriber]) {
        lock.withLock { handed.append((notification.id, subscribers.map { ObjectIdentifier($0) })) }
        for subscriber in subscribers { (subscriber as! GroupMember).take(notification, via: "g") }
    }

    /// One entry per hand-over: the notification id and the members it was handed to.
    var calls: [(id: UInt64, members: [ObjectIdentifier])] { lock.withLock { handed } }
}

/// A subscriber in a group, logging how each notification came: `g` through the group, `n`
/// through its own `deliver`, `r` through `replay`.
final class GroupMember: Subscriber, @unchecked Sendable {
    let group: RecordingGroup
    private let lock = NSLock()
    private var events: [String] = []
    private var replayGate = true
    private var replayStarted = false

    init(_ group: RecordingGroup, holdingReplay: Bool = false) {
        self.group = group
        self.replayGate = !holdingReplay
    }

    var deliveryGroup: (any DeliveryGroup)? { group }
    var key: ObjectIdentifier { ObjectIdentifier(self) }

    func take(_ notification: EncodedNotification, via path: String) {
        lock.withLock { events.append("\(path)\(notification.id)") }
    }

    func deliver(_ notification: EncodedNotification) { take(notification, via: "n") }

    func replay(_ notifications: [EncodedNotification]) async {
        lock.withLock { replayStarted = true }
        while !lock.withLock({ replayGate }) { try? await Task.sleep(for: .milliseconds(5)) }
        for notification in notifications { take(notification, via: "r") }
    }

    func close(reason: SubscriberCloseReason) {}

    /// Lets a held replay finish.
    func openReplay() { lock.withLock { replayGate = true } }
    var isReplaying: Bool { lock.withLock { replayStarted } }
    var log: [String] { lock.withLock { events } }
    /// The ids received, by whatever path, in arrival order.
    var ids: [UInt64] { log.map { UInt64($0.dropFirst())! } }
}

@Suite struct DeliveryGroupTests {
    /// A fresh tree per test (the suite is made anew for each).
    let tree = TempTree()

    /// A router over the `kimchi` plugin with `topics`, on the memory store.
    func makeRouter(topics: [String] = ["kimchi.vms"]) throws -> Router {
        tree.plugin("kimchi", topics: topics)
        return Router(registry: try SchemaRegistry(root: tree.path), store: MemoryHistoryStore())
    }

    @Test func mixedGroupedAndUngroupedSubscribersGetEachNotificationOnceInIdOrder() async throws {
        let router = try makeRouter(topics: ["kimchi.vms", "kimchi.pools", "kimchi.vms.state"])
        let first = RecordingGroup(), second = RecordingGroup()
        let a = GroupMember(first), b = GroupMember(first), c = GroupMember(second)
        let plain = RecordingSubscriber()
        try await router.subscribe(a, filters: filters("kimchi.>")) { _ in }
        try await router.subscribe(b, filters: filters("kimchi.vms")) { _ in }
        try await router.subscribe(c, filters: filters("*.vms", "kimchi.pools")) { _ in }
        try await router.subscribe(plain, filters: filters("kimchi.*")) { _ in }
        let topics = ["kimchi.vms", "kimchi.pools", "kimchi.vms.state"]
        var topicOf: [UInt64: String] = [:]
        for n in 0..<30 {
            let topic = topics[n % 3]
            topicOf[try await router.publish(topic: topic, data: [:]).id] = topic
        }
        func ids(of wanted: Set<String>) -> [UInt64] { topicOf.keys.sorted().filter { wanted.contains(topicOf[$0]!) } }
        #expect(a.log == ids(of: Set(topics)).map { "g\($0)" })
        #expect(b.log == ids(of: ["kimchi.vms"]).map { "g\($0)" })
        #expect(c.log == ids(of: ["kimchi.vms", "kimchi.pools"]).map { "g\($0)" })
        #expect(plain.ids == ids(of: ["kimchi.vms", "kimchi.pools"]), "an ungrouped subscriber still gets deliver calls")
        // One hand-over per group per notification, each member listed once.
        #expect(first.calls.map(\.id) == ids(of: Set(topics)))
        for call in first.calls {
            let expected: Set = topicOf[call.id] == "kimchi.vms" ? [a.key, b.key] : [a.key]
            #expect(call.members.count == expected.count && Set(call.members) == expected, "notification \(call.id)")
        }
        #expect(second.calls.map(\.id) == ids(of: ["kimchi.vms", "kimchi.pools"]))
        #expect(second.calls.allSatisfy { $0.members == [c.key] })
    }

    @Test func aReplayingMemberGetsItsHeldBackNotificationsInOrderWhileItsPeersGetThemLive() async throws {
        let router = try makeRouter()
        let group = RecordingGroup()
        let peer = GroupMember(group), late = GroupMember(group, holdingReplay: true)
        try await router.subscribe(peer, filters: filters("kimchi.vms")) { _ in }
        for _ in 1...3 { _ = try await router.publish(topic: "kimchi.vms", data: [:]) }
        async let subscribed: Void = router.subscribe(late, filters: filters("kimchi.vms"), since: 0) { _ in }
        for _ in 0..<400 where !late.isReplaying { try await Task.sleep(for: .milliseconds(5)) }
        #expect(late.isReplaying)
        for _ in 4...6 { _ = try await router.publish(topic: "kimchi.vms", data: [:]) }
        #expect(peer.log == ["g1", "g2", "g3", "g4", "g5", "g6"], "peers are not held back by a member's replay")
        #expect(late.log.isEmpty, "live notifications wait for the replay")
        #expect(group.calls.filter { $0.id >= 4 }.allSatisfy { $0.members == [peer.key] })
        late.openReplay()
        try await subscribed
        _ = try await router.publish(topic: "kimchi.vms", data: [:])
        #expect(late.log == ["r1", "r2", "r3", "n4", "n5", "n6", "g7"], "replay, held-back, then live through the group")
        #expect(peer.ids == Array(1...7))
        #expect(Set(group.calls.last?.members ?? []) == [peer.key, late.key])
    }

    @Test func aRemovedMemberGetsNothingAndAnEmptyGroupIsNotCalled() async throws {
        let router = try makeRouter()
        let group = RecordingGroup()
        let a = GroupMember(group), b = GroupMember(group)
        try await router.subscribe(a, filters: filters("kimchi.vms")) { _ in }
        try await router.subscribe(b, filters: filters("kimchi.>")) { _ in }
        _ = try await router.publish(topic: "kimchi.vms", data: [:])
        router.remove(a)
        _ = try await router.publish(topic: "kimchi.vms", data: [:])
        router.unsubscribe(b, filters: filters("kimchi.>"))
        _ = try await router.publish(topic: "kimchi.vms", data: [:])
        #expect(a.ids == [1] && b.ids == [1, 2])
        #expect(group.calls.map(\.id) == [1, 2], "no hand-over without members")
        #expect(group.calls.last?.members == [b.key])
    }

    @Test func aMemberMatchingThroughSeveralFiltersIsListedOnce() async throws {
        let router = try makeRouter()
        let group = RecordingGroup()
        let member = GroupMember(group), other = GroupMember(group)
        try await router.subscribe(member, filters: filters("kimchi.vms", "kimchi.*", "kimchi.>", "*.vms", "*.*")) { _ in }
        try await router.subscribe(other, filters: filters("kimchi.>", "*.vms")) { _ in }
        _ = try await router.publish(topic: "kimchi.vms", data: [:])
        _ = try await router.publish(topic: "kimchi.vms", data: [:])
        #expect(member.log == ["g1", "g2"] && other.log == ["g1", "g2"])
        #expect(group.calls.count == 2)
        #expect(group.calls.allSatisfy { $0.members.count == 2 && Set($0.members) == [member.key, other.key] })
    }
}
