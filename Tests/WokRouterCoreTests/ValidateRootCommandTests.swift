import Foundation
import Testing

/// `wok-router validate --root` and `wok-router topics` as a plugin author runs them: the real
/// executable on real trees.
@Suite struct ValidateRootCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Runs the built `wok-router` with `arguments`; its exit status, standard output and error.
    static func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        var executable: String?
        for _ in 0..<4 where executable == nil {
            let candidate = folder.appendingPathComponent("wok-router").path
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isFolder), !isFolder.boolValue { executable = candidate }
            folder = folder.deletingLastPathComponent()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(executable, "build wok-router first"))
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    @Test func theRepositoryTreeIsClean() throws {
        let result = try Self.run(["validate", "--root", Self.repository])
        #expect(result.status == 0, "\(result.out)\(result.err)")
        #expect(result.out.isEmpty)
        #expect(result.err.contains("no findings"))
    }

    @Test func aBrokenCopyFailsWithFileAndPlace() throws {
        let tree = TempTree()
        try FileManager.default.removeItem(atPath: tree.path)
        for folder in ["schemas", "plugins"] {
            try FileManager.default.copyItem(atPath: Self.repository + "/" + folder, toPath: tree.path + "/" + folder)
        }
        tree.write("plugins/kimchi/schemas/kimchi.vms.json", "{\n  \"type\": \"object\"\n  \"required\": []\n}")
        tree.write("plugins/gingerbase/plugin.json", #"{"name": "gingerbase"}"#)
        tree.write("plugins/gingerbase/schemas/kimchi.disks.json", "{}")
        tree.write("plugins/kimchi/samples/valid/kimchi.storagepools/full.json", #"{"name": "default", "state": "full", "event": "refreshed"}"#)
        let result = try Self.run(["validate", "--root", tree.path])
        #expect(result.status == 1)
        let lines = result.out.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("plugins/kimchi/schemas/kimchi.vms.json: line 3, column 12: not JSON") }, "\(lines)")
        #expect(lines.contains(#"plugins/gingerbase/plugin.json: /version: "version" is required"#))
        #expect(lines.contains { $0.hasPrefix("plugins/gingerbase/schemas/kimchi.disks.json: topic \"kimchi.disks\" is in the wrong plugin") })
        #expect(lines.contains { $0.hasPrefix("plugins/kimchi/samples/valid/kimchi.storagepools/full.json: /state: valid sample does not validate") })
    }

    @Test func aRootThatCannotBeUsedExitsTwo() throws {
        #expect(try Self.run(["validate", "--root", "/nonexistent/wok"]).status == 2)
        let empty = TempTree()
        let result = try Self.run(["validate", "--root", empty.path])
        #expect(result.status == 2 && result.err.contains("neither schemas/ nor plugins/"))
    }

    @Test func topicsListsStatusAndReasons() throws {
        let tree = TempTree()
        tree.plugin("kimchi", topics: ["kimchi.vms"])
        tree.write("plugins/kimchi/schemas/kimchi.pools.json", "[")
        let table = try Self.run(["topics", "--root", tree.path])
        #expect(table.status == 0)
        #expect(table.out.contains("kimchi.vms") && table.out.contains("kimchi.pools: refused: "))
        let json = try Self.run(["topics", "--root", tree.path, "--json"])
        #expect(json.out.hasPrefix(#"{"topics":[{"topic":"kimchi.pools","plugin":"kimchi","draft":null,"$id":null,"description":null,"status":"refused","reason":"#))
    }
}
