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

    /// `--topic T`: the topic's schema file, as the router found it (`TopicResolver`), which may
    /// `$ref` its plugin's schemas and the core's.
    static func topic(file: String, plugin: String, in catalog: TopicCatalog) -> SchemaSource {
        var folders = ["\(catalog.root)/schemas"]
        if plugin != "wok" { folders.insert(catalog.schemaFolder(ofPlugin: plugin), at: 0) }
        return SchemaSource(path: file, folders: folders.filter(FileSystem.isDirectory), preload: true)
    }
}
