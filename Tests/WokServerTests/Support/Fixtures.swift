import Foundation
import WokJSON
import WokSchema

/// A schema tree for tests: core topics and a `kimchi` plugin, in a fresh temporary folder.
enum Fixtures {
    static func makeRoot() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("wok-server-tests-\(UUID().uuidString)").path
        let files: [String: String] = [
            "schemas/topics/wok.userlog.json": """
                {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                 "properties": {"user": {"type": "string"}, "message": {"type": "string"}, "n": {"type": "integer"},
                                "pad": {"type": "string"}},
                 "required": ["user"]}
                """,
            "schemas/topics/wok.notifications.json": #"{"type": "object"}"#,
            "plugins/kimchi/plugin.json": #"{"name": "kimchi", "version": "1.0", "description": "VMs"}"#,
            "plugins/kimchi/schemas/kimchi.vms.state.json": #"{"type": "object"}"#,
            "plugins/kimchi/schemas/kimchi.vms.created.json": #"{"type": "object"}"#,
            "plugins/kimchi/schemas/kimchi.storage.pools.json": #"{"type": "object"}"#,
        ]
        for (path, text) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        return root
    }

    /// Whether WokSchema's validator reports errors yet (it was a stub in the first slices).
    static let validatorWorks: Bool = {
        guard let validator = try? SchemaCompiler().compile(["type": "string"]) else { return false }
        return !validator.validate(.int(1)).isEmpty
    }()
}
