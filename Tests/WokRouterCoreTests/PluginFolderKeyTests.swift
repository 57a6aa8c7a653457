import Foundation
import Testing
import WokJSON
import WokSchema
@testable import WokRouterCore

/// How the registry keys plugins: a folder under `plugins/` must never take another plugin's
/// place (or the core's, plugin `wok`), whatever its name, case, manifest or symbolic link.
@Suite struct PluginFolderKeyTests {
    /// A folder `plugins/wok/` with a manifest named `wok`, a stricter `wok.userlog` and a new `wok.extra`.
    func addPluginsWok(_ tree: TempTree) {
        tree.plugin("wok", topics: [])
        tree.write("plugins/wok/schemas/wok.userlog.json", #"{"type":"object","required":["never"]}"#)
        tree.write("plugins/wok/schemas/wok.extra.json", #"{"type":"object"}"#)
    }

    func expectTheCoreIntact(_ snapshot: RegistrySnapshot, _ comment: Comment? = nil) throws {
        let userlog = try #require(snapshot.topics["wok.userlog"], comment)
        #expect(userlog.info.status == .ok && userlog.info.plugin == "wok", comment)
        #expect(userlog.info.file == "schemas/topics/wok.userlog.json", comment)
        #expect(userlog.validator?.isValid([:]) == true, "the core's schema is the one in force")
        #expect(snapshot.topics["wok.extra"] == nil, comment)
        let core = try #require(snapshot.plugins["wok"], comment)
        #expect(core.topics == ["wok.router.plugins", "wok.userlog"] && core.refusal == nil, comment)
    }

    /// Was: `plugins/wok/schemas/wok.userlog.json` made the core's `wok.userlog` "defined by more
    /// than one file" (refused, so unknown at start), `wok.extra` was listed as a core topic, and
    /// the folder's refusal replaced the core's entry in the plugin list.
    @Test func aPluginsWokFolderLeavesTheCoreAlone() throws {
        let tree = TempTree()
        tree.coreTopics()
        addPluginsWok(tree)
        let registry = try SchemaRegistry(root: tree.path)
        try expectTheCoreIntact(registry.snapshot)
        let folder = try #require(registry.snapshot.plugins["plugins/wok"])
        #expect(folder.topics.isEmpty && folder.refusal?.contains("reserved for the core") == true)
        let findings = registry.snapshot.findings.map(\.description)
        #expect(findings.contains { $0.hasPrefix("plugins/wok: plugin name \"wok\" is reserved for the core") })
        #expect(findings.contains { $0.hasPrefix("plugins/wok/schemas/wok.extra.json: topic \"wok.extra\" is not read") })
        #expect(!findings.contains { $0.contains("more than one file") })
    }

    /// Was: adding the folder reported `wok refused` with its topics, and removing it `wok changed`
    /// with the core's: the folder's events named the core.
    @Test func aPluginsWokFolderComingAndGoingIsReportedAsItselfNeverAsTheCore() throws {
        let tree = TempTree()
        tree.coreTopics()
        let registry = try SchemaRegistry(root: tree.path)
        addPluginsWok(tree)
        let (added, events) = registry.reload()
        let reason = try #require(added.plugins["plugins/wok"]?.refusal)
        #expect(events == [PluginEvent(plugin: "plugins/wok", kind: .refused, topics: [], reason: reason)])
        try expectTheCoreIntact(added)
        tree.moveOut("plugins/wok")
        let (removed, goneEvents) = registry.reload()
        #expect(goneEvents == [PluginEvent(plugin: "plugins/wok", kind: .removed, topics: [])])
        try expectTheCoreIntact(removed)
        #expect(removed.plugins["plugins/wok"] == nil)
    }

    /// `plugins/wok` as a link to the core's own `schemas/` reads the same files under other paths:
    /// was every core topic refused as defined twice.
    @Test func aPluginsWokLinkToTheCoreSchemasLeavesTheCoreAlone() throws {
        let tree = TempTree()
        tree.coreTopics()
        tree.symlink("plugins/wok", to: "../schemas")
        let registry = try SchemaRegistry(root: tree.path)
        try expectTheCoreIntact(registry.snapshot)
        #expect(registry.snapshot.topics["wok.router.plugins"]?.info.status == .ok)
    }

    /// Checked fine (kept as a guard): folders aliasing `kimchi` by case (`Kimchi`), by a symbolic
    /// link (`alias` → `kimchi`) or by a manifest naming another plugin are refused by their own
    /// folder names and leave `kimchi` and its topic alone.
    @Test func foldersAliasingAPluginAreRefusedByTheirOwnNamesAndLeaveItAlone() throws {
        let tree = TempTree()
        tree.coreTopics()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        let registry = try SchemaRegistry(root: tree.path)
        tree.plugin("Kimchi", topics: ["kimchi.vms"], manifest: #"{"name":"kimchi","version":"2","description":"d"}"#)
        tree.symlink("plugins/alias", to: "kimchi")
        tree.plugin("other", topics: ["kimchi.vms"], manifest: #"{"name":"kimchi","version":"2","description":"d"}"#)
        let (snapshot, events) = registry.reload()
        #expect(events.map(\.plugin) == ["Kimchi", "alias", "other"] && events.allSatisfy { $0.kind == .refused && $0.topics.isEmpty })
        let vms = try #require(snapshot.topics["kimchi.vms"])
        #expect(vms.info.status == .ok && vms.info.plugin == "kimchi" && vms.info.file == "plugins/kimchi/schemas/kimchi.vms.json")
        #expect(snapshot.plugins["kimchi"]?.refusal == nil && snapshot.plugins["kimchi"]?.topics == ["kimchi.vms"])
        tree.remove("plugins/Kimchi")
        tree.remove("plugins/alias")
        tree.remove("plugins/other")
        let (after, removed) = registry.reload()
        #expect(removed.map(\.plugin) == ["Kimchi", "alias", "other"] && removed.allSatisfy { $0.kind == .removed })
        #expect(after.topics["kimchi.vms"]?.validator != nil)
    }
}

extension PluginFolderKeyTests {
    /// Was: a plugin folder or a schema file whose name is not UTF-8 was read as a name with
    /// U+FFFD, found missing, and skipped without a word (`validate --root`: no findings, exit 0),
    /// and two such folders would have shared one key.
    @Test func aFolderOrFileWhoseNameIsNotUTF8IsAFinding() throws {
        let tree = TempTree()
        tree.coreTopics()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        let folder = Array((tree.path + "/plugins/k").utf8) + [0xFF, 0]
        #expect(folder.withUnsafeBufferPointer { mkdir(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), 0o755) } == 0)
        let file = Array((tree.path + "/plugins/kimchi/schemas/kimchi.b").utf8) + [0xFE] + Array(".json".utf8) + [0]
        let descriptor = file.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644) }
        #expect(descriptor >= 0)
        close(descriptor)
        let registry = try SchemaRegistry(root: tree.path)
        let findings = registry.snapshot.findings.map(\.description)
        #expect(findings.contains("plugins/k\u{FFFD}: name is not valid UTF-8 (plugin and topic names are [a-z0-9_.-]); ignored"))
        #expect(findings.contains("plugins/kimchi/schemas/kimchi.b\u{FFFD}.json: name is not valid UTF-8 (plugin and topic names are [a-z0-9_.-]); ignored"))
        #expect(registry.validator(for: "kimchi.vms") != nil, "the rest of the tree is read")
    }
}
