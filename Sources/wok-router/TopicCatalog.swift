import WokSchema

/// Where a root folder keeps each plugin's topic files (PROTOCOL section 2):
/// `schemas/topics/<topic>.json` for the core, `plugins/<plugin>/schemas/<topic>.json` (or a
/// `<topic>.json` in a subfolder) for each plugin. Only a path: whether the router accepts the
/// topic is the registry's to say (`TopicResolver`).
struct TopicCatalog {
    let root: String

    /// The folder holding the schemas of `plugin`.
    func schemaFolder(ofPlugin plugin: String) -> String {
        plugin == "wok" ? "\(root)/schemas/topics" : "\(root)/plugins/\(plugin)/schemas"
    }

    /// The schema file named after `topic` in its plugin's schema folder or a subfolder of it
    /// (followed through symbolic links, as a plain read would), nil when there is none.
    func schemaFile(of topic: String, plugin: String) -> String? {
        let folder = schemaFolder(ofPlugin: plugin)
        let direct = "\(folder)/\(topic).json"
        if FileSystem.isRegularFile(direct) { return direct }
        return Self.jsonFiles(under: folder).first { $0.name == topic }?.path
    }

    /// The `.json` files under `folder` and its subfolders (sorted by path; hidden entries left
    /// out; each folder walked once, so that a link loop ends), with their names without `.json`.
    private static func jsonFiles(under folder: String) -> [(name: String, path: String)] {
        var found: [(name: String, path: String)] = []
        var visited: Set<String> = []
        func walk(_ folder: String, depth: Int) {
            guard depth < 16, let real = FileSystem.realPath(folder), visited.insert(real).inserted else { return }
            for entry in FileSystem.list(folder) where !entry.hasPrefix(".") {
                let path = "\(folder)/\(entry)"
                if FileSystem.isDirectory(path) {
                    walk(path, depth: depth + 1)
                } else if entry.hasSuffix(".json"), FileSystem.isRegularFile(path) {
                    found.append((String(entry.dropLast(5)), path))
                }
            }
        }
        walk(folder, depth: 0)
        return found
    }
}
