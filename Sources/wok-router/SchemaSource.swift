import WokSchema

/// The schema `validate` checks against: its file and the folders its `$ref`s may read.
struct SchemaSource {
    /// The schema file.
    let path: String
    /// Folders whose files the schema may `$ref` (by relative URI, or by `$id` once preloaded).
    let folders: [String]
    /// Whether every schema in `folders` is loaded up front, so `$ref` by `$id` finds them.
    let preload: Bool

    /// `--schema S`: the file, which may `$ref` files of its own folder.
    static func file(_ path: String) -> SchemaSource {
        let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        return SchemaSource(path: path, folders: [folder.isEmpty ? "/" : folder], preload: false)
    }

    /// `--topic T`: the topic's schema under `root`, which may `$ref` its plugin's schemas and the core's.
    static func topic(_ topic: String, root: String) throws(ValidateFailure) -> SchemaSource {
        guard FileSystem.isDirectory(root) else { throw ValidateFailure("\(root): not a folder (--root)") }
        guard TopicCatalog.isTopicName(topic) else {
            throw ValidateFailure("\"\(topic)\" is not a topic name (2 to 8 dot-separated segments of [a-z0-9][a-z0-9_-]*)")
        }
        let catalog = TopicCatalog(root: root)
        let path = catalog.schemaPath(of: topic)
        guard FileSystem.isRegularFile(path) else {
            let nearest = catalog.nearest(to: topic)
            let hint = nearest.isEmpty ? "no topic under \(root) comes close" : "did you mean \(nearest.joined(separator: ", "))?"
            throw ValidateFailure("unknown topic \"\(topic)\": there is no \(path); \(hint)")
        }
        let plugin = TopicCatalog.plugin(of: topic)
        var folders = ["\(root)/schemas"]
        if plugin != "wok" { folders.insert(catalog.schemaFolder(ofPlugin: plugin), at: 0) }
        return SchemaSource(path: path, folders: folders.filter(FileSystem.isDirectory), preload: true)
    }
}
