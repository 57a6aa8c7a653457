import WokSchema

/// The topics a root folder holds (PROTOCOL section 2): `schemas/topics/<topic>.json` for the
/// core, `plugins/<plugin>/schemas/<topic>.json` for each plugin.
struct TopicCatalog {
    let root: String

    /// Whether `name` is a topic name: 2-8 dot-separated segments of `[a-z0-9][a-z0-9_-]*`, at most 255 bytes.
    static func isTopicName(_ name: String) -> Bool {
        guard name.utf8.count <= 255 else { return false }
        let segments = name.split(separator: ".", omittingEmptySubsequences: false)
        guard (2...8).contains(segments.count) else { return false }
        return segments.allSatisfy { segment in
            guard let first = segment.utf8.first, isLowerAlnum(first) else { return false }
            return segment.utf8.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
        }
    }

    private static func isLowerAlnum(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }

    /// The plugin owning `topic` (its first segment; `wok` is the core).
    static func plugin(of topic: String) -> String { String(topic.prefix { $0 != "." }) }

    /// The folder holding the schemas of `plugin`.
    func schemaFolder(ofPlugin plugin: String) -> String {
        plugin == "wok" ? "\(root)/schemas/topics" : "\(root)/plugins/\(plugin)/schemas"
    }

    /// The schema file of `topic`: `<folder>/<topic>.json`, or a `<topic>.json` in a subfolder of
    /// the plugin's schema folder, where the router finds topic files too (plugins/README.md).
    /// The direct path when there is none.
    func schemaPath(of topic: String) -> String {
        let folder = schemaFolder(ofPlugin: Self.plugin(of: topic))
        let direct = "\(folder)/\(topic).json"
        if FileSystem.isRegularFile(direct) { return direct }
        return Self.jsonFiles(under: folder).first { $0.name == topic }?.path ?? direct
    }

    /// Every topic under the root, sorted.
    func topics() -> [String] {
        var folders = ["\(root)/schemas/topics"]
        for plugin in FileSystem.list("\(root)/plugins") { folders.append("\(root)/plugins/\(plugin)/schemas") }
        var names: [String] = []
        for folder in folders {
            for file in Self.jsonFiles(under: folder) where Self.isTopicName(file.name) { names.append(file.name) }
        }
        return names.sorted()
    }

    /// The `.json` files under `folder` and its subfolders (sorted by path; hidden entries left
    /// out; each folder walked once, so that a link loop ends), with their names without `.json`.
    static func jsonFiles(under folder: String) -> [(name: String, path: String)] {
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

    /// Up to `limit` topics nearest to `name` by edit distance, nearest first.
    func nearest(to name: String, limit: Int = 3) -> [String] {
        let scored = topics().map { ($0, Self.editDistance($0, name)) }
        let bound = max(3, name.count / 2)
        return scored.filter { $0.1 <= bound }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(limit).map(\.0)
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where j <= b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
