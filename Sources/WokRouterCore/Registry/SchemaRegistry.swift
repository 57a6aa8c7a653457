import Foundation
import Logging
import WokSchema

/// The topics and their compiled schemas, read from `<root>/schemas` and `<root>/plugins`
/// (PROTOCOL section 2), reloaded when the files change.
///
/// Readers take `snapshot` (an immutable `RegistrySnapshot`) and use it throughout one operation:
/// a reload swaps whole snapshots, so a validation in flight sees the old or the new set, never a
/// mix. A schema that does not compile is refused with its reason and its previous version stays
/// in force.
public final class SchemaRegistry: Sendable {
    /// The folder holding `schemas/` and `plugins/`.
    public let root: String
    /// How files are read, compiled and watched.
    public let configuration: RegistryConfiguration
    private let logger: Logger
    private let current: Locked<RegistrySnapshot>
    private let watcher = Locked<Task<Void, Never>?>(nil)
    /// Serialises reloads (the watcher's and explicit ones), so events are computed once per change.
    private let reloading = NSLock()
    /// The tree as it was just before the snapshot in force was loaded.
    private let loadedStamp = Locked(TreeStamp())

    /// Loads the tree under `root` once.
    /// - Throws: `RegistryError` when `root` cannot be used at all (missing, not a folder).
    public init(root: String, configuration: RegistryConfiguration = .init(),
                logger: Logger = Logger(label: "wok-router.registry")) throws(RegistryError) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isFolder), isFolder.boolValue,
              let real = TreeWalker.realPath(root) else {
            throw RegistryError("root \"\(root)\" is not a readable folder")
        }
        self.root = real
        self.configuration = configuration
        self.logger = logger
        self.current = Locked(.empty)
        reload()
    }

    /// The snapshot in force.
    public var snapshot: RegistrySnapshot { current.current }

    /// Every topic's info, sorted by name.
    public var topics: [TopicInfo] { snapshot.topicInfos }

    /// The schema in force for `topic`, as loaded.
    public func schema(for topic: String) -> TopicEntry? { snapshot.topics[topic] }

    /// The compiled schema in force for `topic`.
    public func validator(for topic: String) -> Validator? { snapshot.topics[topic]?.validator }

    /// Up to three existing topic names nearest to `name`.
    public func suggestions(for name: String) -> [String] { snapshot.suggestions(for: name) }

    /// Reads the whole tree again and swaps the snapshot in.
    /// - Returns: the new snapshot and what changed per plugin since the previous one.
    @discardableResult
    public func reload() -> (RegistrySnapshot, [PluginEvent]) {
        reloading.lock()
        defer { reloading.unlock() }
        let previous = snapshot
        // Stamp before reading: a change made during the load shows at the next scan.
        let stamp = TreeStamp.scan(root: root)
        guard var loader = RegistryLoader(root: root, configuration: configuration) else {
            logger.error("schema root \(root) is gone; keeping the topics loaded")
            return (previous, [])
        }
        let next = loader.load(previous: previous)
        if let failure = loader.walker.resourceFailure {
            // Out of file descriptors (or memory): the tree was not read whole. Keep what is loaded
            // and leave the stamp, so the next scan tries again.
            logger.error("could not read the schema tree (\(failure)); keeping the topics loaded")
            return (previous, [])
        }
        current.withLock { $0 = next }
        loadedStamp.withLock { $0 = stamp }
        // What is newly wrong in the tree, at start and at each reload: a definitions file that no
        // longer parses refuses no topic (no `refused` event), yet it is a refused schema file.
        let known = Set(previous.findings)
        for finding in next.findings where !known.contains(finding) { logger.warning("schema tree: \(finding)") }
        let events = Self.events(from: previous, to: next)
        for event in events {
            if event.kind == .refused {
                logger.error("plugin \(event.plugin) refused: \(event.reason ?? "")")
            } else {
                logger.info("plugin \(event.plugin) \(event.kind.rawValue): \(event.topics.joined(separator: ", "))")
            }
        }
        return (next, events)
    }

    /// Watches the tree (a scan of names, sizes, mtimes and inodes every
    /// `configuration.pollIntervalSeconds`) and reloads when it changes and has settled (two scans
    /// in a row agree, or four intervals passed), passing the plugin events of each reload to
    /// `onChange`. With the default interval a change is in force within about 0.5 s.
    public func startWatching(onChange: @escaping @Sendable ([PluginEvent]) -> Void) {
        let interval = configuration.pollIntervalSeconds
        let task = Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                var stamp = TreeStamp.scan(root: root)
                guard stamp != loadedStamp.current else { continue }
                // Let a change settle (a folder being copied or deleted, a file being written):
                // reload once two scans in a row agree, waiting at most 4 intervals.
                for _ in 0..<4 {
                    try? await Task.sleep(for: .seconds(interval))
                    let next = TreeStamp.scan(root: root)
                    if next == stamp { break }
                    stamp = next
                }
                let (_, events) = reload()
                if !events.isEmpty { onChange(events) }
            }
        }
        watcher.withLock { $0?.cancel(); $0 = task }
    }

    /// Stops watching.
    public func stopWatching() {
        watcher.withLock { $0?.cancel(); $0 = nil }
    }

    static func events(from old: RegistrySnapshot, to new: RegistrySnapshot) -> [PluginEvent] {
        var events: [PluginEvent] = []
        for name in Set(old.plugins.keys).union(new.plugins.keys).sorted() {
            switch (old.plugins[name], new.plugins[name]) {
            case (nil, let plugin?):
                events.append(PluginEvent(plugin: name, kind: plugin.refusal == nil ? .loaded : .refused,
                                          topics: plugin.topics, reason: plugin.refusal))
            case (let before?, nil):
                events.append(PluginEvent(plugin: name, kind: .removed, topics: before.topics))
            case (let before?, let plugin?) where before.fingerprint != plugin.fingerprint:
                events.append(PluginEvent(plugin: name, kind: plugin.refusal == nil ? .changed : .refused,
                                          topics: plugin.topics, reason: plugin.refusal))
            default:
                continue
            }
        }
        return events
    }
}

/// Why the registry cannot use its root at all.
public struct RegistryError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, for a person.
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
