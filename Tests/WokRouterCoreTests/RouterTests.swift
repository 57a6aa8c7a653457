import Testing
import WokJSON
@testable import WokRouterCore

@Suite struct RouterTests {
    func makeRouter(_ tree: TempTree) throws -> Router {
        let registry = try SchemaRegistry(root: tree.path)
        return Router(registry: registry, store: MemoryHistoryStore())
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
        #expect(frame["type"]?.string == "notification")
        #expect(frame["topic"]?.string == "kimchi.vms")
        #expect(frame["plugin"]?.string == "kimchi")
        #expect(frame["epoch"]?.string == router.epoch)
        #expect(frame["data"]?["name"]?.string == "vm1")
    }

    @Test func unknownTopicGetsSuggestions() async throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        let router = try makeRouter(tree)
        do {
            _ = try await router.publish(topic: "kimchi.vm", data: [:])
            Issue.record("published to an unknown topic")
        } catch {
            #expect(error.code == .unknownTopic)
            #expect(error.suggestions == ["kimchi.vms"])
        }
    }
}
