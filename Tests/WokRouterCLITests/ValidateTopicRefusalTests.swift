import Foundation
import Testing

/// `wok-router validate --topic T` resolves T as the running router does (its registry loader):
/// a topic the router refuses is said to be refused, with the reason and the file, and exits 1
/// (PROTOCOL section 7: "some ... schema invalid"), even when T's file compiles on its own.
/// Before, `validate --topic` compiled T's file alone and called such topics valid.
@Suite struct ValidateTopicRefusalTests {
    /// A tree with one accepted topic, `kimchi.vms`, and an instance `d.json` valid for any object schema.
    private func tree() throws -> CLIRunner {
        let cli = try CLIRunner()
        try cli.write("root/schemas/topics/wok.userlog.json", #"{"type": "object"}"#)
        try cli.write("root/plugins/kimchi/plugin.json", #"{"name": "kimchi", "version": "1.0", "description": "VMs"}"#)
        try cli.write("root/plugins/kimchi/schemas/kimchi.vms.json", #"{"type": "object"}"#)
        try cli.write("d.json", "{}")
        return cli
    }

    private func validate(_ cli: CLIRunner, _ topic: String, _ extra: [String] = []) throws -> CLIRunner.Result {
        try cli.run(["validate", "--root", "root", "--topic", topic] + extra + ["d.json"])
    }

    /// The refusal line: `wok-router validate: topic "T" (root/FILE) is refused by the router: ...`.
    private func expectRefused(_ result: CLIRunner.Result, _ topic: String, file: String, because: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 1, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "no instance is validated against a refused topic", sourceLocation: sourceLocation)
        let head = "wok-router validate: topic \"\(topic)\" (root/\(file)) is refused by the router: "
        #expect(result.stderr.hasPrefix(head), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(because), "\(result.stderr)", sourceLocation: sourceLocation)
    }

    @Test func anAcceptedTopicValidatesAsBefore() throws {
        let cli = try tree()
        let result = try validate(cli, "kimchi.vms")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr == "1 instance: 1 valid, 0 invalid\n")
    }

    @Test func aMalformedManifestRefusesThePluginsTopics() throws {
        let cli = try tree()
        try cli.write("root/plugins/kimchi/plugin.json", #"{"name": "kimchi", "description": "VMs"}"#)
        let result = try validate(cli, "kimchi.vms")
        expectRefused(result, "kimchi.vms", file: "plugins/kimchi/schemas/kimchi.vms.json", because: "plugin.json /version: \"version\" is required")
        #expect(result.stderr.contains("\n  root/plugins/kimchi/plugin.json: /version: "), "the manifest's own finding, with its file")
    }

    @Test func aMissingManifestRefusesThePluginsTopics() throws {
        let cli = try tree()
        try FileManager.default.removeItem(at: cli.dir.appendingPathComponent("root/plugins/kimchi/plugin.json"))
        let result = try validate(cli, "kimchi.vms")
        expectRefused(result, "kimchi.vms", file: "plugins/kimchi/schemas/kimchi.vms.json", because: "plugin.json missing")
        #expect(result.stderr.contains("root/plugins/kimchi/plugin.json: missing"), "\(result.stderr)")
    }

    @Test func twoFilesForOneTopicAreRefused() throws {
        let cli = try tree()
        try cli.write("root/plugins/kimchi/schemas/v2/kimchi.vms.json", #"{"type": "object"}"#)
        let result = try validate(cli, "kimchi.vms")
        expectRefused(result, "kimchi.vms", file: "plugins/kimchi/schemas/v2/kimchi.vms.json",
                      because: "defined by more than one file: plugins/kimchi/schemas/kimchi.vms.json, plugins/kimchi/schemas/v2/kimchi.vms.json")
    }

    /// A topic file, or the plugin's whole `schemas/` folder, reached through a symbolic link to
    /// outside the root: the router does not read it (PROTOCOL sections 2 and 6).
    @Test(arguments: [("plugins/kimchi/schemas/kimchi.disks.json", "outside/kimchi.disks.json"),
                      ("plugins/kimchi/schemas", "outside/schemas")])
    func aLinkLeavingTheRootIsRefused(link: String, target: String) throws {
        let cli = try tree()
        try cli.write("outside/schemas/kimchi.disks.json", #"{"type": "object"}"#)
        try cli.write("outside/kimchi.disks.json", #"{"type": "object"}"#)
        let path = cli.dir.appendingPathComponent("root/" + link)
        try? FileManager.default.removeItem(at: path)
        try FileManager.default.createSymbolicLink(atPath: path.path, withDestinationPath: cli.dir.appendingPathComponent(target).path)
        let result = try validate(cli, "kimchi.disks")
        expectRefused(result, "kimchi.disks", file: "plugins/kimchi/schemas/kimchi.disks.json",
                      because: "the router does not read it: \(link): symbolic link escapes the root")
    }

    /// A file named after another plugin's topic is not that topic: `validate --topic` said
    /// "unknown topic" (exit 2) and did not say the file that claims it is refused.
    @Test func aTopicInTheWrongPluginIsRefused() throws {
        let cli = try tree()
        try cli.write("root/plugins/kimchi/schemas/ginger.hosts.json", #"{"type": "object"}"#)
        let result = try validate(cli, "ginger.hosts")
        expectRefused(result, "ginger.hosts", file: "plugins/kimchi/schemas/ginger.hosts.json",
                      because: "is in the wrong plugin: files in plugins/kimchi/ may only define \"kimchi.*\" topics")
        try cli.write("root/schemas/topics/ginger.users.json", #"{"type": "object"}"#)
        let core = try validate(cli, "ginger.users")
        expectRefused(core, "ginger.users", file: "schemas/topics/ginger.users.json", because: "does not belong to the core")
    }

    /// `--ref-map` opens a prefix to `validate`, never to the router: a topic whose `$ref` leaves
    /// the schema folders is refused, though it compiles with the map.
    @Test func aRefLeavingTheSchemaFoldersIsRefusedEvenWhenMapped() throws {
        let cli = try tree()
        try cli.write("root/plugins/kimchi/schemas/kimchi.net.json", #"{"$ref": "https://example.com/vm.json"}"#)
        try cli.write("ext/vm.json", #"{"type": "object"}"#)
        let result = try validate(cli, "kimchi.net", ["--ref-map", "https://example.com/=ext"])
        expectRefused(result, "kimchi.net", file: "plugins/kimchi/schemas/kimchi.net.json",
                      because: #"$ref "https://example.com/vm.json" is outside the allowed schema folders"#)
    }

    /// The router compiles a schema without `$schema` as 2020-12: one that compiles only under
    /// `--default-draft 4` is refused by the router, and said to be.
    @Test func aSchemaTheRouterDoesNotCompileIsRefusedUnderOtherOptions() throws {
        let cli = try tree()
        try cli.write("root/plugins/kimchi/schemas/kimchi.old.json", #"{"properties": {"n": {"maximum": 3, "exclusiveMaximum": true}}}"#)
        let plain = try validate(cli, "kimchi.old")
        #expect(plain.status == 1)
        #expect(plain.stderr.contains("kimchi.old.json:1:"), "the schema loader's place, as before: \(plain.stderr)")
        let draft4 = try validate(cli, "kimchi.old", ["--default-draft", "4"])
        expectRefused(draft4, "kimchi.old", file: "plugins/kimchi/schemas/kimchi.old.json", because: "exclusiveMaximum")
    }

    /// The router reads schema files of 1 MiB at most; `validate` reads up to --max-bytes (128 MiB).
    @Test func aSchemaLargerThanTheRouterReadsIsRefused() throws {
        let cli = try tree()
        let description = String(repeating: "x", count: 1 << 20)
        try cli.write("root/plugins/kimchi/schemas/kimchi.big.json", #"{"type": "object", "description": "\#(description)"}"#)
        let result = try validate(cli, "kimchi.big")
        expectRefused(result, "kimchi.big", file: "plugins/kimchi/schemas/kimchi.big.json", because: "larger than 1048576 bytes; not read")
    }

    @Test func aTopicNoFileDefinesIsAUsageError() throws {
        let cli = try tree()
        let result = try validate(cli, "kimchi.vmz")
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown topic \"kimchi.vmz\": there is no root/plugins/kimchi/schemas/kimchi.vmz.json; did you mean kimchi.vms?"),
                "\(result.stderr)")
    }

    /// `wok-router topics` reads the tree with the same registry: what `validate --topic` refuses
    /// it lists as refused (or, for files that define no topic to the router, not at all).
    @Test func topicsAgreesAboutRefusedTopics() throws {
        let cli = try tree()
        try cli.write("root/plugins/ginger/plugin.json", #"{"name": "ginger"}"#)
        try cli.write("root/plugins/ginger/schemas/ginger.hosts.json", #"{"type": "object"}"#)
        try cli.write("root/plugins/kimchi/schemas/v2/kimchi.vms.json", #"{"type": "object"}"#)
        try cli.write("root/plugins/kimchi/schemas/gingerbase.x.json", #"{"type": "object"}"#)
        let table = try cli.run(["topics", "--root", "root"])
        #expect(table.status == 0)
        #expect(table.lines.contains { $0.hasPrefix("ginger.hosts: refused: plugin.json /version") }, "\(table.stdout)")
        #expect(table.lines.contains { $0.hasPrefix("kimchi.vms: refused: topic \"kimchi.vms\" is defined by more than one file") }, "\(table.stdout)")
        #expect(!table.stdout.contains("gingerbase.x"))
        for topic in ["ginger.hosts", "kimchi.vms", "gingerbase.x"] {
            #expect(try validate(cli, topic).status == 1, "\(topic)")
        }
    }
}
