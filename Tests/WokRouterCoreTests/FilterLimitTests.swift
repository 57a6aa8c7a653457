import Testing
import WokJSON
@testable import WokRouterCore

/// The `maxFilters` bound of `Router.subscribe` and `Router.subscribeLive`: checked against the
/// filters the subscriber holds when the new ones are registered, each distinct filter once.
@Suite struct FilterLimitTests {
    func makeRouter(_ tree: TempTree) throws -> Router {
        Router(registry: try SchemaRegistry(root: tree.path), store: MemoryHistoryStore())
    }

    @Test func exactlyAtTheBoundIsAcceptedAndOnePastIsRefusedRegisteringNothing() async throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        let router = try makeRouter(tree)
        let sub = RecordingSubscriber()
        try router.subscribeLive(sub, filters: filters("kimchi.a.>", "kimchi.b.>"), maxFilters: 3) { _ in }
        do {
            try await router.subscribe(sub, filters: filters("kimchi.c.>", "kimchi.d.>"), since: 0, maxFilters: 3) { _ in
                Issue.record("answered past the limit")
            }
            Issue.record("subscribed past the limit")
        } catch {
            #expect(error.code == .limitExceeded)
        }
        #expect(router.filters(of: sub) == Set(filters("kimchi.a.>", "kimchi.b.>")))
        try await router.subscribe(sub, filters: filters("kimchi.c.>"), since: 0, maxFilters: 3) { _ in }
        #expect(router.filters(of: sub).count == 3)
    }

    @Test func filtersAlreadyHeldAndDuplicatesCountOnce() throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        let router = try makeRouter(tree)
        let sub = RecordingSubscriber()
        try router.subscribeLive(sub, filters: filters("kimchi.a.>", "kimchi.a.>"), maxFilters: 2) { _ in }
        try router.subscribeLive(sub, filters: filters("kimchi.a.>", "kimchi.b.>", "kimchi.b.>"), maxFilters: 2) { _ in }
        #expect(router.filters(of: sub).count == 2)
        router.unsubscribe(sub, filters: filters("kimchi.a.>"))
        try router.subscribeLive(sub, filters: filters("kimchi.c.>"), maxFilters: 2) { _ in }
        #expect(throws: RouterError.self) {
            try router.subscribeLive(sub, filters: filters("kimchi.d.>"), maxFilters: 2) { _ in }
        }
    }
}
