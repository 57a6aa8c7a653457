import WokJSON
import WokSchema

/// Reads the whole tree once and builds a snapshot: the core schemas (plugin `wok`) and every
/// plugin, each compiled with its own files and the core's, refusals keeping the previous
/// snapshot's version in force. Pure apart from reading files.
struct RegistryLoader {
    let configuration: RegistryConfiguration
    var walker: TreeWalker
    var findings: [RegistryFinding] = []

    /// A schema document read from the tree.
    struct Document {
        var file: TreeWalker.File
        var uri: String
        var json: JSON?
        var fingerprint: UInt64
        /// The topic this file defines, when its name has two or more segments.
        var topic: String?
    }

    /// One plugin's files, before compiling.
    struct PluginFiles {
        var name: String
        /// Its key in `RegistrySnapshot.plugins` and the `plugin` of its events: the name, except
        /// for a folder `plugins/wok`, keyed `plugins/wok` so that it never stands for the core.
        var key: String
        /// The core schemas (`schemas/`), plugin `wok`.
        var isCore = false
        var manifest: PluginManifest?
        var manifestProblem: String?
        var documents: [Document] = []
        var fingerprint: UInt64 = Fingerprint.seed
        var samples: [TreeWalker.File] = []

        init(name: String, key: String? = nil) {
            self.name = name
            self.key = key ?? name
        }
    }

    init?(root: String, configuration: RegistryConfiguration) {
        guard var walker = TreeWalker(root: root) else { return nil }
        walker.maxDepth = configuration.maxFolderDepth
        self.walker = walker
        self.configuration = configuration
    }

    /// Loads everything; `previous` supplies the versions kept in force for refused topics.
    mutating func load(previous: RegistrySnapshot) -> RegistrySnapshot {
        let core = readCore()
        var plugins = [core]
        for name in walker.entries(of: "plugins") {
            let (kind, _) = walker.kind(of: "plugins/" + name)
            guard kind == .directory else { continue }
            plugins.append(readPlugin(name))
        }
        return build(plugins, core: core, previous: previous)
    }

    // MARK: Reading

    private mutating func readCore() -> PluginFiles {
        var core = PluginFiles(name: "wok")
        core.isCore = true
        for file in walker.files(under: "schemas") {
            var document = readDocument(file)
            let name = String(file.relative.split(separator: "/").last!.dropLast(".json".count))
            let inTopics = file.relative.hasPrefix("schemas/topics/")
            if inTopics && name.contains(".") {
                if !Topic.isValid(name) {
                    add(file.relative, "\"\(name)\" is not a valid topic name (2-8 segments of [a-z0-9][a-z0-9_-]*)")
                } else if !name.hasPrefix("wok.") {
                    add(file.relative, "topic \"\(name)\" does not belong to the core (core topics start with \"wok.\"); plugin topics go in plugins/<plugin>/schemas/",
                        topic: name)
                } else {
                    document.topic = name
                }
            }
            core.fingerprint = Fingerprint.combine(core.fingerprint, document.fingerprint)
            core.documents.append(document)
        }
        return core
    }

    private mutating func readPlugin(_ name: String) -> PluginFiles {
        if name == "wok" { return readReservedFolder() }
        var plugin = PluginFiles(name: name)
        let base = "plugins/" + name
        if !Topic.isSegment(name.utf8) {
            plugin.manifestProblem = "plugin folder name \"\(name)\" is not a valid topic segment ([a-z0-9][a-z0-9_-]*)"
            add(base, plugin.manifestProblem!)
        }
        readManifest(&plugin, base: base)
        for file in walker.files(under: base + "/schemas") {
            var document = readDocument(file)
            let fileName = String(file.relative.split(separator: "/").last!.dropLast(".json".count))
            if fileName.contains(".") {
                if !Topic.isValid(fileName) {
                    add(file.relative, "\"\(fileName)\" is not a valid topic name (2-8 segments of [a-z0-9][a-z0-9_-]*)")
                } else if !fileName.hasPrefix(name + ".") {
                    add(file.relative, "topic \"\(fileName)\" is in the wrong plugin: files in \(base)/ may only define \"\(name).*\" topics",
                        topic: fileName)
                } else {
                    document.topic = fileName
                }
            }
            plugin.fingerprint = Fingerprint.combine(plugin.fingerprint, document.fingerprint)
            plugin.documents.append(document)
        }
        if configuration.checkExamplesAndSamples {
            plugin.samples = walker.files(under: base + "/samples")
        }
        return plugin
    }

    /// `plugins/wok/`: the name is the core's, and `wok.*` topics are the core's (in
    /// `schemas/topics/`), so the folder is refused whole and none of its files is read as a schema.
    /// It is keyed `plugins/wok`, apart from the core: it cannot take the core's place, refuse a
    /// core topic as defined twice, nor report the core refused or removed.
    private mutating func readReservedFolder() -> PluginFiles {
        let base = "plugins/wok"
        var folder = PluginFiles(name: "wok", key: base)
        folder.manifestProblem = "plugin name \"wok\" is reserved for the core, whose topics are in schemas/topics/; \(base)/ is ignored"
        add(base, folder.manifestProblem!)
        for file in walker.files(under: base, allFiles: true) {
            folder.fingerprint = Fingerprint.combine(folder.fingerprint, Fingerprint.of(file.relative, []))
            let fileName = String(file.relative.split(separator: "/").last!.dropLast(".json".count))
            guard file.relative.hasPrefix(base + "/schemas/"), file.relative.hasSuffix(".json"), Topic.isValid(fileName) else { continue }
            add(file.relative, "topic \"\(fileName)\" is not read: \(base)/ is ignored (the name \"wok\" is reserved for the core; core topics go in schemas/topics/)",
                topic: fileName)
        }
        return folder
    }

    private mutating func readManifest(_ plugin: inout PluginFiles, base: String) {
        let path = base + "/plugin.json"
        let (kind, real) = walker.kind(of: path)
        guard kind == .file, let real else {
            if kind == .missing { add(path, "missing: every plugin needs a manifest {\"name\", \"version\", \"description\"}") }
            plugin.manifestProblem = plugin.manifestProblem ?? "plugin.json missing or unreadable"
            return
        }
        guard let bytes = walker.read(TreeWalker.File(relative: path, absolute: real), limit: configuration.maxFileBytes) else {
            plugin.manifestProblem = plugin.manifestProblem ?? "plugin.json cannot be read"
            return
        }
        plugin.fingerprint = Fingerprint.combine(plugin.fingerprint, Fingerprint.of(path, bytes))
        let json: JSON
        do {
            json = try JSON.parse(bytes, options: .init(rejectDuplicateKeys: true))
        } catch {
            add(path, "not JSON: \(error.message)", place: "line \(error.line), column \(error.column)")
            plugin.manifestProblem = plugin.manifestProblem ?? "plugin.json is not JSON (line \(error.line), column \(error.column): \(error.message))"
            return
        }
        let (manifest, problems) = PluginManifest.parse(json, folder: plugin.name)
        for problem in problems { add(path, problem.message, place: problem.place.isEmpty ? nil : problem.place) }
        if let first = problems.first {
            plugin.manifestProblem = plugin.manifestProblem ?? "plugin.json \(first.place.isEmpty ? "" : first.place + ": ")\(first.message)"
        }
        if plugin.manifestProblem == nil { plugin.manifest = manifest }
    }

    private mutating func readDocument(_ file: TreeWalker.File) -> Document {
        let uri = SchemaURI.forFile(file.relative)
        guard let bytes = walker.read(file, limit: configuration.maxFileBytes) else {
            return Document(file: file, uri: uri, json: nil, fingerprint: Fingerprint.of(file.relative, []))
        }
        var document = Document(file: file, uri: uri, json: nil, fingerprint: Fingerprint.of(file.relative, bytes))
        do {
            document.json = try JSON.parse(bytes, options: .init(rejectDuplicateKeys: true))
        } catch {
            add(file.relative, "not JSON: \(error.message)", place: "line \(error.line), column \(error.column)")
        }
        return document
    }

    mutating func add(_ file: String, _ message: String, place: String? = nil, topic: String? = nil) {
        findings.append(RegistryFinding(file: file, place: place, message: message, topic: topic))
    }
}

/// FNV-1a fingerprints of file contents, to tell changed plugins from unchanged ones.
enum Fingerprint {
    static let seed: UInt64 = 0xcbf2_9ce4_8422_2325

    static func of(_ path: String, _ bytes: [UInt8]) -> UInt64 {
        var hash = seed
        for byte in path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hash = (hash ^ 0xff) &* 0x100_0000_01b3
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    static func combine(_ a: UInt64, _ b: UInt64) -> UInt64 { (a ^ b) &* 0x100_0000_01b3 &+ 0x9e37_79b9 }
}
