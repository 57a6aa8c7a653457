import Logging
import WokRouterCore
import WokSchema

/// Finds topic T under a root as the running router does, so that `validate --topic` never calls
/// valid what the router refuses: the router's own registry loader reads the whole tree, with its
/// rules (plugin manifests, one file per topic, symbolic links that stay inside the root, topic
/// names under their plugin, `$ref`s that stay inside the schema folders, its default draft and
/// file limits), and its verdict on T decides.
struct TopicResolver {
    /// The folder holding `schemas/` and `plugins/`, as the user named it.
    let root: String

    /// What `validate --topic T` checks against.
    struct Resolution {
        /// T's schema file, with the folders its `$ref`s may read.
        let source: SchemaSource
        /// Why the router refuses T, when it does. Set only for a refusal of the file's own
        /// content (not JSON, does not compile, too large): the schema loader says where first,
        /// and this is said (exit 1) when the file compiles under `validate`'s options all the same.
        let refusal: String?
    }

    /// Resolves `topic`.
    /// - Throws: `ValidateFailure` with status 1 when the router refuses the topic (a malformed
    ///   manifest, two files for one topic, a file in the wrong plugin or reached through a link
    ///   leaving the root, ...), status 2 when the root cannot be used, the name is not a topic
    ///   name, or no file defines the topic (a usage error, as a missing FILE is).
    func resolve(_ topic: String) throws(ValidateFailure) -> Resolution {
        guard FileSystem.isDirectory(root) else { throw ValidateFailure("\(root): not a folder (--root)") }
        guard let name = try? Topic(topic) else {
            throw ValidateFailure("\"\(topic)\" is not a topic name (2 to 8 dot-separated segments of [a-z0-9][a-z0-9_-]*)")
        }
        let snapshot: RegistrySnapshot
        do {
            let quiet = Logger(label: "validate", factory: { _ in SwiftLogNoOpLogHandler() })
            snapshot = try SchemaRegistry(root: root, logger: quiet).snapshot
        } catch {
            throw ValidateFailure("--root \(root): \(error.message)")
        }
        let catalog = TopicCatalog(root: root)
        if let entry = snapshot.topics[topic] {
            let source = SchemaSource.topic(file: "\(root)/\(entry.info.file)", plugin: name.plugin, in: catalog)
            guard entry.info.status == .refused else { return Resolution(source: source, refusal: nil) }
            let reason = entry.info.reason ?? "refused"
            let related = snapshot.findings.filter { finding in
                finding.description != reason && finding.message != reason
                    && (finding.file == entry.info.file || finding.file == "plugins/\(name.plugin)"
                        || finding.file == "plugins/\(name.plugin)/plugin.json")
            }
            let refusal = refused(topic, file: entry.info.file, reason: reason, related: related)
            if snapshot.findings.contains(where: { $0.file == entry.info.file && $0.description == reason }) {
                return Resolution(source: source, refusal: refusal)
            }
            throw ValidateFailure(refusal, status: 1)
        }
        // Not a topic to the router: a file claiming it from the wrong place, or one it does not read.
        if let claim = snapshot.findings.first(where: { $0.topic == topic }) {
            throw ValidateFailure(refused(topic, file: claim.file, reason: claim.message, related: []), status: 1)
        }
        if let file = catalog.schemaFile(of: topic, plugin: name.plugin) {
            let relative = String(file.dropFirst(root.count + 1))
            let causes = snapshot.findings.filter { relative == $0.file || relative.hasPrefix($0.file + "/") }
            let reason = causes.first.map { "the router does not read it: \($0.description)" } ?? "the router does not read it"
            throw ValidateFailure(refused(topic, file: relative, reason: reason, related: Array(causes.dropFirst())), status: 1)
        }
        let suggestions = snapshot.suggestions(for: topic)
        let hint = suggestions.isEmpty ? "no topic under \(root) comes close" : "did you mean \(suggestions.joined(separator: ", "))?"
        let path = "\(catalog.schemaFolder(ofPlugin: name.plugin))/\(topic).json"
        throw ValidateFailure("unknown topic \"\(topic)\": there is no \(path); \(hint)")
    }

    /// `topic "T" (root/file) is refused by the router: reason`, then one line per related finding.
    private func refused(_ topic: String, file: String, reason: String, related: [RegistryFinding]) -> String {
        var message = "topic \"\(topic)\" (\(root)/\(file)) is refused by the router: \(reason)"
        for finding in related { message += "\n  \(root)/\(finding.description)" }
        return message
    }
}
