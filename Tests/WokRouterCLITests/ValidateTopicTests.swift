import Foundation
import Testing

/// `wok-router validate --topic T`: the topic's schema is found under --root, with its plugin's
/// and the core's schema folders open to `$ref`.
@Suite struct ValidateTopicTests {
    private func tree() throws -> CLIRunner {
        let cli = try CLIRunner()
        try cli.write("root/schemas/topics/wok.userlog.json", #"""
        {"type": "object", "properties": {"user": {"$ref": "../common.json#/$defs/user"}}, "required": ["user"]}
        """#)
        try cli.write("root/schemas/common.json", #"{"$id": "https://wok.example/common.json", "$defs": {"user": {"type": "string", "minLength": 1}}}"#)
        try cli.write("root/plugins/kimchi/plugin.json", #"{"name": "kimchi", "version": "1.0", "description": "VMs"}"#)
        try cli.write("root/plugins/kimchi/schemas/defs.json", #"{"$defs": {"state": {"enum": ["running", "shutoff"]}}}"#)
        try cli.write("root/plugins/kimchi/schemas/kimchi.vms.state.json", #"""
        {"type": "object", "properties": {
            "state": {"$ref": "defs.json#/$defs/state"},
            "owner": {"$ref": "https://wok.example/common.json#/$defs/user"}}}
        """#)
        return cli
    }

    @Test func coreTopicSchemaIsFound() throws {
        let cli = try tree()
        try cli.write("ok.json", #"{"user": "admin"}"#)
        try cli.write("bad.json", #"{"user": ""}"#)
        let result = try cli.run(["validate", "--root", "root", "--topic", "wok.userlog", "ok.json", "bad.json"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.lines.count == 1)
        #expect(result.stdout.hasPrefix("bad.json:1: /user: "))
    }

    @Test func pluginTopicRefsItsDefsAndTheCoreById() throws {
        let cli = try tree()
        try cli.write("ok.json", #"{"state": "running", "owner": "admin"}"#)
        try cli.write("bad.json", "{\"state\": \"paused\",\n \"owner\": \"\"}")
        let result = try cli.run(["validate", "--root", "root", "--topic", "kimchi.vms.state", "ok.json", "bad.json"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.lines.count == 2, "\(result.stdout)")
        #expect(result.lines.contains { $0.hasPrefix("bad.json:1: /state: ") })
        #expect(result.lines.contains { $0.hasPrefix("bad.json:2: /owner: ") })
    }

    /// plugins/README.md: a plugin's `schemas/<any folder>/` holds topic files too, and the router
    /// serves them; `validate --topic` looked only at `schemas/<topic>.json` and called such a
    /// topic unknown (exit 2).
    @Test func topicFileInASubfolderIsFound() throws {
        let cli = try tree()
        try cli.write("root/plugins/kimchi/schemas/v2/kimchi.disks.json", #"""
        {"type": "object", "properties": {"state": {"$ref": "../defs.json#/$defs/state"}}}
        """#)
        try cli.write("ok.json", #"{"state": "running"}"#)
        try cli.write("bad.json", #"{"state": "paused"}"#)
        let result = try cli.run(["validate", "--root", "root", "--topic", "kimchi.disks", "ok.json", "bad.json"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.lines.count == 1, "\(result.stdout)")
        #expect(result.stdout.hasPrefix("bad.json:1: /state: "))
        let typo = try cli.run(["validate", "--root", "root", "--topic", "kimchi.disk", "ok.json"])
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("did you mean kimchi.disks"), "\(typo.stderr)")
    }

    @Test func rootDefaultsToTheCurrentFolder() throws {
        let cli = try tree()
        try cli.write("root/ok.json", #"{"user": "admin"}"#)
        let result = try cli.run(["validate", "--topic", "wok.userlog", "root/ok.json"])
        #expect(result.status == 2)   // the temporary folder itself has no schemas/
        #expect(result.stderr.contains("unknown topic"))
    }

    @Test func unknownTopicSuggestsTheNearestNames() throws {
        let cli = try tree()
        try cli.write("ok.json", "{}")
        let result = try cli.run(["validate", "--root", "root", "--topic", "kimchi.vm.state", "ok.json"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown topic \"kimchi.vm.state\""))
        #expect(result.stderr.contains("did you mean kimchi.vms.state"), "\(result.stderr)")
        let malformed = try cli.run(["validate", "--root", "root", "--topic", "Kimchi..x", "ok.json"])
        #expect(malformed.status == 2)
        #expect(malformed.stderr.contains("not a topic name"))
    }

    @Test func refsOutOfTheSchemaFoldersAreRefused() throws {
        let cli = try tree()
        try cli.write("secret.json", #"{"type": "string"}"#)
        try cli.write("root/plugins/kimchi/schemas/kimchi.vms.leak.json", #"{"$ref": "../../../../secret.json"}"#)
        try cli.write("x.json", "1")
        let result = try cli.run(["validate", "--root", "root", "--topic", "kimchi.vms.leak", "x.json"])
        #expect(result.status == 1, "a refused $ref: the schema is invalid")
        #expect(result.stderr.contains("kimchi.vms.leak.json"), "\(result.stderr)")
    }
}
