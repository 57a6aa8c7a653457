import Foundation
import Testing
import WokJSON
import WokSchema
@testable import WokRouterCore

/// `wok.router.plugins` with the repository's own schema for it (other tests use a loose stand-in):
/// every event the registry makes must pass it, or it is only logged and subscribers never see it.
@Suite struct PluginEventSchemaTests {
    /// A tree holding the repository's `schemas/topics/wok.router.plugins.json`.
    func treeWithTheRealSchema() throws -> TempTree {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let schema = try String(contentsOf: repository.appendingPathComponent("schemas/topics/wok.router.plugins.json"), encoding: .utf8)
        let tree = TempTree()
        tree.write("schemas/topics/wok.router.plugins.json", schema)
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        return tree
    }

    /// A folder under plugins/ whose name is not a plugin name is refused by that name, and the
    /// refusal (then its removal) reaches subscribers; events of valid plugins still do.
    @Test func aFolderWithAnInvalidNameIsRefusedToSubscribers() async throws {
        let tree = try treeWithTheRealSchema()
        var registryConfiguration = RegistryConfiguration()
        registryConfiguration.pollIntervalSeconds = 0.05
        let router = Router(registry: try SchemaRegistry(root: tree.path, configuration: registryConfiguration), store: MemoryHistoryStore())
        router.start()
        let watcher = RecordingSubscriber()
        try await router.subscribe(watcher, filters: filters("wok.router.plugins")) { _ in }
        func events(_ count: Int) async -> [JSON] {
            for _ in 0..<400 where watcher.notifications.count < count { try? await Task.sleep(for: .milliseconds(25)) }
            return watcher.notifications.map { try! JSON.parse($0.frame)["data"]! }
        }

        // Built aside and moved in whole, so that the watcher sees it once.
        let aside = TempTree()
        aside.plugin("Kimchi Old", topics: [])
        aside.write("plugins/Kimchi Old/schemas/kimchi.vms.json", #"{"type":"object"}"#)
        try FileManager.default.moveItem(atPath: aside.path + "/plugins/Kimchi Old", toPath: tree.path + "/plugins/Kimchi Old")
        var seen = await events(1)
        #expect(seen.count == 1)
        #expect(seen.first?["plugin"]?.string == "Kimchi Old" && seen.first?["event"]?.string == "refused")
        #expect(seen.first?["topics"] == .array([]))
        #expect(seen.first?["reason"]?.string?.contains("not a valid") == true, "\(String(describing: seen.first))")

        tree.moveOut("plugins/Kimchi Old")
        seen = await events(2)
        #expect(seen.count == 2 && seen.last?["plugin"]?.string == "Kimchi Old" && seen.last?["event"]?.string == "removed")

        aside.plugin("gingerbase", topics: ["gingerbase.packages"])
        try FileManager.default.moveItem(atPath: aside.path + "/plugins/gingerbase", toPath: tree.path + "/plugins/gingerbase")
        seen = await events(3)
        #expect(seen.count == 3 && seen.last?["plugin"]?.string == "gingerbase" && seen.last?["event"]?.string == "loaded")
        await router.shutdown()
    }

    /// The name stays tight where a plugin is in force: a `loaded` or `changed` event names a
    /// valid plugin; any folder name only with `refused` and `removed`.
    @Test func onlyRefusedAndRemovedEventsMayNameAnyFolder() throws {
        let tree = try treeWithTheRealSchema()
        let registry = try SchemaRegistry(root: tree.path)
        let validator = try #require(registry.validator(for: PluginEvent.topic))
        for kind in [PluginEvent.Kind.refused, .removed] {
            #expect(validator.isValid(PluginEvent(plugin: "Kimchi Old", kind: kind, topics: [], reason: "bad name").data), "\(kind)")
        }
        for kind in [PluginEvent.Kind.loaded, .changed] {
            #expect(!validator.isValid(PluginEvent(plugin: "Kimchi Old", kind: kind, topics: []).data), "\(kind)")
            #expect(validator.isValid(PluginEvent(plugin: "kimchi", kind: kind, topics: ["kimchi.vms"]).data), "\(kind)")
        }
        #expect(!validator.isValid(PluginEvent(plugin: "", kind: .refused, topics: [], reason: "no name").data))
    }
}
