import Foundation
import Logging
import Testing
import WokJSON
import WokSchema
@testable import WokRouterCore

@Suite struct SchemaRegistryTests {
    func findings(_ registry: SchemaRegistry) -> [String] { registry.snapshot.findings.map(\.description) }

    @Test func loadsCoreAndPluginTopicsWithDraftIdAndDescription() throws {
        let tree = TempTree()
        tree.coreTopics()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        tree.write("plugins/kimchi/schemas/kimchi.storagepools.json",
                   #"{"$schema":"http://json-schema.org/draft-07/schema#","$id":"urn:kimchi:pools","description":"pools","type":"object"}"#)
        let registry = try SchemaRegistry(root: tree.path)
        #expect(registry.topics.map(\.topic) == ["kimchi.storagepools", "kimchi.vms", "wok.router.plugins", "wok.userlog"])
        let pools = try #require(registry.schema(for: "kimchi.storagepools")?.info)
        #expect(pools.draft == "draft-07" && pools.id == "urn:kimchi:pools" && pools.description == "pools" && pools.status == .ok)
        #expect(pools.json["status"]?.string == "ok" && pools.json["reason"] == nil)
        #expect(findings(registry).isEmpty)
    }

    @Test func relativeRefsReachTheirPluginsDefinitionsAndTheCore() throws {
        let tree = TempTree()
        tree.coreTopics()
        tree.write("schemas/topics/wok.tasks.json", #"{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}"#)
        tree.plugin("kimchi", topics: [])
        tree.write("plugins/kimchi/schemas/defs.json", #"{"$defs":{"vm":{"type":"object","required":["name"]}}}"#)
        tree.write("plugins/kimchi/schemas/kimchi.vms.json", #"{"$ref":"defs.json#/$defs/vm"}"#)
        tree.write("plugins/kimchi/schemas/kimchi.tasks.json", #"{"$ref":"../../../schemas/topics/wok.tasks.json"}"#)
        let registry = try SchemaRegistry(root: tree.path)
        #expect(findings(registry).isEmpty)
        let vms = try #require(registry.validator(for: "kimchi.vms"))
        #expect(vms.isValid(["name": "a"]))
        #expect(!vms.isValid(["state": "running"]), "the referenced definition is enforced")
        let tasks = try #require(registry.validator(for: "kimchi.tasks"))
        #expect(!tasks.isValid(["id": 3]))
    }

    @Test func refsToAnotherPluginOrOutsideTheRootAreRefused() throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: [])
        tree.write("plugins/kimchi/schemas/defs.json", #"{"$defs":{"vm":{"type":"object"}}}"#)
        tree.plugin("gingerbase", topics: [])
        tree.write("plugins/gingerbase/schemas/gingerbase.a.json", #"{"$ref":"../../kimchi/schemas/defs.json#/$defs/vm"}"#)
        tree.write("plugins/gingerbase/schemas/gingerbase.b.json", #"{"$ref":"../../../../../etc/passwd"}"#)
        tree.write("plugins/gingerbase/schemas/gingerbase.c.json", #"{"$ref":"https://example.com/schema.json"}"#)
        let registry = try SchemaRegistry(root: tree.path)
        for topic in ["gingerbase.a", "gingerbase.b", "gingerbase.c"] {
            let info = try #require(registry.schema(for: topic)?.info)
            #expect(info.status == .refused, "\(topic)")
            #expect(registry.validator(for: topic) == nil)
        }
        #expect(findings(registry).contains { $0.hasPrefix("plugins/gingerbase/schemas/gingerbase.c.json") })
    }

    @Test func aMalformedManifestRefusesThePluginAndKeepsOthers() throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"], manifest: #"{"name":"kimchi","version":"1"#)
        tree.plugin("gingerbase", topics: ["gingerbase.packages"], manifest: #"{"name":"ginger","version":"1","description":"d"}"#)
        tree.plugin("ok", topics: ["ok.things"])
        let registry = try SchemaRegistry(root: tree.path)
        let all = findings(registry)
        #expect(all.contains { $0.hasPrefix("plugins/kimchi/plugin.json: line 1, column") && $0.contains("not JSON") })
        #expect(all.contains { $0 == #"plugins/gingerbase/plugin.json: /name: "name" is "ginger" but the plugin folder is "gingerbase"; they must be equal"# })
        #expect(registry.schema(for: "kimchi.vms")?.info.status == .refused)
        #expect(registry.validator(for: "gingerbase.packages") == nil)
        #expect(registry.validator(for: "ok.things") != nil, "other plugins keep working")
    }

    @Test func aSchemaThatIsNotJSONIsAFindingWithLineAndColumn() throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: [])
        tree.write("plugins/kimchi/schemas/kimchi.vms.json", "{\n  \"type\": \"object\",\n}")
        let registry = try SchemaRegistry(root: tree.path)
        let finding = try #require(registry.snapshot.findings.first)
        #expect(finding.file == "plugins/kimchi/schemas/kimchi.vms.json")
        #expect(finding.place?.hasPrefix("line 3") == true)
        #expect(registry.schema(for: "kimchi.vms")?.info.status == .refused)
    }

    @Test func aTopicFileInTheWrongPluginIsRefused() throws {
        let tree = TempTree()
        tree.plugin("gingerbase", topics: ["kimchi.vms", "gingerbase.packages"])
        tree.write("schemas/topics/kimchi.pools.json", "{}")
        let registry = try SchemaRegistry(root: tree.path)
        #expect(registry.schema(for: "kimchi.vms") == nil && registry.schema(for: "kimchi.pools") == nil)
        #expect(registry.validator(for: "gingerbase.packages") != nil)
        let all = findings(registry)
        #expect(all.contains { $0.hasPrefix("plugins/gingerbase/schemas/kimchi.vms.json: topic \"kimchi.vms\" is in the wrong plugin") })
        #expect(all.contains { $0.hasPrefix("schemas/topics/kimchi.pools.json: topic \"kimchi.pools\" does not belong to the core") })
    }

    @Test func twoFilesForOneTopicRefuseIt() throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        tree.write("plugins/kimchi/schemas/v2/kimchi.vms.json", #"{"type":"object"}"#)
        let registry = try SchemaRegistry(root: tree.path)
        let info = try #require(registry.schema(for: "kimchi.vms")?.info)
        #expect(info.status == .refused)
        #expect(info.reason?.contains("defined by more than one file") == true)
        #expect(info.reason?.contains("plugins/kimchi/schemas/v2/kimchi.vms.json") == true)
        #expect(registry.validator(for: "kimchi.vms") == nil)
    }

    @Test func symlinkLoopsAndLinksEscapingTheRootAreIgnoredWithFindings() throws {
        let tree = TempTree()
        let outside = TempTree()
        outside.write("secret.json", #"{"type":"object"}"#)
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        tree.symlink("plugins/kimchi/schemas/up", to: "..")
        tree.symlink("plugins/kimchi/schemas/self", to: ".")
        tree.symlink("plugins/kimchi/schemas/a.json", to: "b.json")
        tree.symlink("plugins/kimchi/schemas/b.json", to: "a.json")
        tree.symlink("plugins/kimchi/schemas/kimchi.secret.json", to: outside.path + "/secret.json")
        tree.symlink("plugins/evil", to: outside.path)
        tree.plugin("inside", topics: [])
        tree.symlink("plugins/inside/schemas/inside.vms.json", to: "../../kimchi/schemas/kimchi.vms.json")
        let registry = try SchemaRegistry(root: tree.path)
        let all = findings(registry)
        #expect(all.contains { $0.hasPrefix("plugins/kimchi/schemas/up: symbolic link loop") })
        #expect(all.contains { $0.hasPrefix("plugins/kimchi/schemas/self: symbolic link loop") })
        #expect(all.contains { $0.hasPrefix("plugins/kimchi/schemas/a.json: symbolic link loop") })
        #expect(all.contains { $0.hasPrefix("plugins/kimchi/schemas/kimchi.secret.json: symbolic link escapes the root") })
        #expect(all.contains { $0.hasPrefix("plugins/evil: symbolic link escapes the root") })
        #expect(registry.schema(for: "kimchi.secret") == nil)
        #expect(registry.validator(for: "kimchi.vms") != nil, "the plugin keeps its good topics")
        #expect(registry.validator(for: "inside.vms") != nil, "a link that stays inside the root is followed")
    }

    @Test func aRefusedChangeKeepsThePreviousVersionInForce() throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: [])
        tree.write("plugins/kimchi/schemas/kimchi.vms.json", #"{"type":"object","required":["name"]}"#)
        let registry = try SchemaRegistry(root: tree.path)
        let before = registry.snapshot
        tree.write("plugins/kimchi/schemas/kimchi.vms.json", #"{"type":"object","required":"name"#)
        let (after, events) = registry.reload()
        let entry = try #require(after.topics["kimchi.vms"])
        #expect(entry.info.status == .refused && entry.info.inForce)
        #expect(entry.info.reason?.contains("not JSON") == true)
        #expect(entry.validator?.isValid(["name": "a"]) == true)
        #expect(entry.validator?.isValid([:]) == false, "the previous version is the one in force")
        #expect(events == [PluginEvent(plugin: "kimchi", kind: .refused, topics: ["kimchi.vms"], reason: entry.info.reason)])
        #expect(before.topics["kimchi.vms"]?.info.status == .ok, "a snapshot taken before the reload is unchanged")

        tree.write("plugins/kimchi/schemas/kimchi.vms.json", #"{"type":"object"}"#)
        let (fixed, fixEvents) = registry.reload()
        #expect(fixed.topics["kimchi.vms"]?.info.status == .ok)
        #expect(fixed.topics["kimchi.vms"]?.validator?.isValid([:]) == true)
        #expect(fixEvents.map(\.kind) == [.changed])
    }

    @Test func reloadReportsLoadedChangedAndRemovedPlugins() throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        let registry = try SchemaRegistry(root: tree.path)
        tree.plugin("gingerbase", topics: ["gingerbase.packages"])
        #expect(registry.reload().1 == [PluginEvent(plugin: "gingerbase", kind: .loaded, topics: ["gingerbase.packages"])])
        #expect(registry.reload().1.isEmpty, "nothing changed, nothing reported")
        tree.write("plugins/kimchi/schemas/kimchi.pools.json", "{}")
        #expect(registry.reload().1 == [PluginEvent(plugin: "kimchi", kind: .changed, topics: ["kimchi.pools", "kimchi.vms"])])
        tree.remove("plugins/kimchi")
        let (snapshot, events) = registry.reload()
        #expect(events == [PluginEvent(plugin: "kimchi", kind: .removed, topics: ["kimchi.pools", "kimchi.vms"])])
        #expect(snapshot.topics["kimchi.vms"] == nil)
        #expect(snapshot.topics["gingerbase.packages"]?.validator != nil)
    }

    @Test func manifestRetentionOverridesTheDefaults() throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms", "kimchi.pools"], manifest: """
            {"name":"kimchi","version":"1","description":"d","retention":{"count":500,"maxAgeSeconds":3600},
             "topics":{"kimchi.pools":{"retention":{"count":20}}}}
            """)
        tree.plugin("plain", topics: ["plain.things"])
        let registry = try SchemaRegistry(root: tree.path)
        let rules = registry.snapshot.retentionRules(default: Retention(count: 10_000, maxAgeSeconds: 86_400))
        #expect(rules.retention(for: "kimchi.vms") == Retention(count: 500, maxAgeSeconds: 3600))
        #expect(rules.retention(for: "kimchi.pools") == Retention(count: 20, maxAgeSeconds: 3600))
        #expect(rules.retention(for: "plain.things") == Retention(count: 10_000, maxAgeSeconds: 86_400))
    }

    @Test func badRetentionInAManifestIsAFinding() throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"], manifest: """
            {"name":"kimchi","version":"1","description":"d","retention":{"count":0,"forever":true}}
            """)
        let registry = try SchemaRegistry(root: tree.path)
        let all = findings(registry)
        #expect(all.contains("plugins/kimchi/plugin.json: /retention/count: must be a positive integer"))
        #expect(all.contains { $0.hasPrefix("plugins/kimchi/plugin.json: /retention/forever:") })
    }

    @Test func unknownTopicsGetTheNearestNames() throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms", "kimchi.vms.state", "kimchi.storagepools"])
        let registry = try SchemaRegistry(root: tree.path)
        #expect(registry.suggestions(for: "kimchi.vm") == ["kimchi.vms", "kimchi.vms.state"])
        #expect(registry.suggestions(for: "kimchi.storagepool") == ["kimchi.storagepools"])
        #expect(registry.suggestions(for: "gingerbase.zzz").isEmpty)
    }

    @Test func aMissingRootIsAnError() {
        #expect(throws: RegistryError.self) { try SchemaRegistry(root: "/nonexistent/wok-root") }
    }

    @Test func theRepositoryTreePassesThePreShipCheck() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        var configuration = RegistryConfiguration()
        configuration.checkExamplesAndSamples = true
        let registry = try SchemaRegistry(root: root, configuration: configuration)
        #expect(findings(registry) == [])
        #expect(Set(registry.snapshot.topicNames).isSuperset(of: ["wok.userlog", "wok.notifications", "wok.tasks", "wok.router.plugins",
                                                                  "kimchi.vms", "kimchi.storagepools", "gingerbase.packages"]))
        #expect(Set(registry.snapshot.protocolValidators.keys) == ["client-frame", "server-frame", "publish"])
    }

    @Test func examplesAndSamplesAreChecked() throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: [])
        tree.write("plugins/kimchi/schemas/kimchi.vms.json", #"{"type":"object","required":["name"],"examples":[{"name":"a"},{"nom":"b"}]}"#)
        tree.write("plugins/kimchi/samples/valid/kimchi.vms/good.json", #"{"name":"x"}"#)
        tree.write("plugins/kimchi/samples/valid/kimchi.vms/bad.json", #"{"nom":"x"}"#)
        tree.write("plugins/kimchi/samples/invalid/kimchi.vms/really-bad.json", #"{}"#)
        tree.write("plugins/kimchi/samples/invalid/kimchi.vms/not-bad.json", #"{"name":"y"}"#)
        tree.write("plugins/kimchi/samples/valid/kimchi.vms/broken.json", #"{"name":"#)
        tree.write("plugins/kimchi/samples/valid/kimchi.vm/typo.json", #"{}"#)
        var configuration = RegistryConfiguration()
        configuration.checkExamplesAndSamples = true
        let registry = try SchemaRegistry(root: tree.path, configuration: configuration)
        let all = Set(findings(registry).map { String($0.prefix { $0 != ":" }) + ($0.contains("/examples/1") ? "#1" : "") })
        #expect(all == [
            "plugins/kimchi/schemas/kimchi.vms.json#1",
            "plugins/kimchi/samples/valid/kimchi.vms/bad.json",
            "plugins/kimchi/samples/invalid/kimchi.vms/not-bad.json",
            "plugins/kimchi/samples/valid/kimchi.vms/broken.json",
            "plugins/kimchi/samples/valid/kimchi.vm/typo.json",
        ])
        #expect(findings(registry).contains { $0.contains("kimchi.vm/typo.json") && $0.contains("did you mean \"kimchi.vms\"") })
    }

    /// PROTOCOL section 2: changing a file under plugins/ takes effect without a restart. Links that
    /// stay inside the root are loaded (see the test above), but the watcher's stamp took only the
    /// link itself (lstat), and never looked outside schemas/ and plugins/: a schema edited through
    /// a link, or a file added to a linked plugin folder, was never reloaded.
    @Test func changesBehindLinksInsideTheRootChangeTheStamp() throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: [])
        tree.write("shared/kimchi.vms.json", #"{"type":"object"}"#)
        tree.symlink("plugins/kimchi/schemas/kimchi.vms.json", to: "../../../shared/kimchi.vms.json")
        tree.write("vendor/ginger/plugin.json", #"{"name":"ginger","version":"1","description":"linked plugin"}"#)
        tree.write("vendor/ginger/schemas/ginger.a.json", "{}")
        tree.symlink("plugins/ginger", to: "../vendor/ginger")
        tree.symlink("plugins/kimchi/schemas/up", to: "..")  // a loop: walked once, not forever
        let root = try #require(TreeWalker.realPath(tree.path))
        let first = TreeStamp.scan(root: root)
        #expect(TreeStamp.scan(root: root) == first, "nothing changed")
        tree.write("shared/kimchi.vms.json", #"{"type":"object","required":["name"]}"#)
        let second = TreeStamp.scan(root: root)
        #expect(second != first, "a schema edited through its link")
        tree.write("vendor/ginger/schemas/ginger.b.json", "{}")
        #expect(TreeStamp.scan(root: root) != second, "a file added to a linked plugin folder")
    }

    @Test func theWatcherReloadsASchemaEditedThroughALink() async throws {
        let tree = TempTree()
        tree.coreTopics()
        tree.plugin("kimchi", topics: [])
        tree.write("shared/kimchi.vms.json", #"{"type":"object"}"#)
        tree.symlink("plugins/kimchi/schemas/kimchi.vms.json", to: "../../../shared/kimchi.vms.json")
        var configuration = RegistryConfiguration()
        configuration.pollIntervalSeconds = 0.02
        let registry = try SchemaRegistry(root: tree.path, configuration: configuration)
        #expect(registry.validator(for: "kimchi.vms")?.isValid([:]) == true)
        let seen = Locked<[PluginEvent]>([])
        registry.startWatching { events in seen.withLock { $0 += events } }
        defer { registry.stopWatching() }
        tree.write("shared/kimchi.vms.json", #"{"type":"object","required":["name"]}"#)
        // A hang guard, not a timing assertion: the reload normally comes within a few polls. The
        // watcher swaps the snapshot before it hands the reload's events over, so wait for both.
        let deadline = ContinuousClock.now + .seconds(20)
        func reloaded() -> Bool {
            registry.validator(for: "kimchi.vms")?.isValid([:]) == false && seen.current.contains { $0.plugin == "kimchi" && $0.kind == .changed }
        }
        while !reloaded() && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(registry.validator(for: "kimchi.vms")?.isValid([:]) == false, "the edited schema is in force")
        #expect(seen.current.contains { $0.plugin == "kimchi" && $0.kind == .changed })
    }

    /// PROTOCOL section 2: a schema file that does not compile is refused "and the refusal is
    /// logged". At start every finding was logged; at a reload only plugin events were, so a
    /// definitions file broken in a running router (it refuses no topic until one `$ref`s it) was
    /// not logged at all.
    @Test func aFileBrokenInARunningRouterIsLogged() throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        tree.write("plugins/kimchi/schemas/defs.json", #"{"$defs": {"state": {"enum": ["running"]}}}"#)
        let lines = Locked<[String]>([])
        let logger = Logger(label: "test") { _ in LineRecorder(lines: lines) }
        let registry = try SchemaRegistry(root: tree.path, logger: logger)
        lines.withLock { $0 = [] }
        tree.write("plugins/kimchi/schemas/defs.json", #"{"$defs": {"state": "#)
        registry.reload()
        #expect(lines.current.contains { $0.contains("plugins/kimchi/schemas/defs.json") && $0.contains("not JSON") }, "\(lines.current)")
        lines.withLock { $0 = [] }
        registry.reload()
        #expect(lines.current.isEmpty, "nothing new, nothing logged: \(lines.current)")
    }
}

/// A log handler keeping each message (with its level) in `lines`.
struct LineRecorder: LogHandler {
    let lines: Locked<[String]>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.withLock { $0.append("\(event.level): \(event.message)") }
    }
}
