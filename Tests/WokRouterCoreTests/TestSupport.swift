import Foundation
import WokJSON
@testable import WokRouterCore

/// A temporary folder removed when the value goes; files written relative to it.
final class TempTree: @unchecked Sendable {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "wok-core-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` at `relative`, creating folders.
    func write(_ relative: String, _ text: String) {
        let full = path + "/" + relative
        try! FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! text.write(toFile: full, atomically: false, encoding: .utf8)
    }

    func remove(_ relative: String) { try? FileManager.default.removeItem(atPath: path + "/" + relative) }

    /// Removes `relative` from the tree in one step (a rename out of it), as a package manager would.
    func moveOut(_ relative: String) {
        let away = path + "-removed-" + UUID().uuidString
        try! FileManager.default.moveItem(atPath: path + "/" + relative, toPath: away)
        try? FileManager.default.removeItem(atPath: away)
    }

    func symlink(_ relative: String, to destination: String) {
        let full = path + "/" + relative
        try! FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! FileManager.default.createSymbolicLink(atPath: full, withDestinationPath: destination)
    }

    /// A minimal valid plugin with the given topics (each schema an object with a string `name`).
    func plugin(_ name: String, topics: [String], manifest: String? = nil) {
        write("plugins/\(name)/plugin.json", manifest ?? #"{"name":"\#(name)","version":"1.0.0","description":"test plugin"}"#)
        for topic in topics {
            write("plugins/\(name)/schemas/\(topic).json", #"{"type":"object","properties":{"name":{"type":"string"}}}"#)
        }
    }

    /// The core topic `wok.router.plugins`, so plugin events can be published.
    func coreTopics() {
        write("schemas/topics/wok.router.plugins.json", #"{"type":"object","required":["plugin","event","topics"]}"#)
        write("schemas/topics/wok.userlog.json", #"{"type":"object"}"#)
    }
}

/// A subscriber recording what it is given.
final class RecordingSubscriber: Subscriber, @unchecked Sendable {
    private let lock = NSLock()
    private var received: [EncodedNotification] = []
    private var events: [String] = []
    private(set) var closedReason: SubscriberCloseReason?
    /// Time each replay page takes (a transport waiting for room in its queue).
    var replayDelay: Duration = .zero
    private(set) var replayPages: [[UInt64]] = []

    func deliver(_ notification: EncodedNotification) {
        lock.lock(); defer { lock.unlock() }
        received.append(notification)
        events.append("n\(notification.id)")
    }

    func replay(_ notifications: [EncodedNotification]) async {
        if replayDelay > .zero { try? await Task.sleep(for: replayDelay) }
        lock.withLock {
            replayPages.append(notifications.map(\.id))
            received += notifications
            events += notifications.map { "r\($0.id)" }
        }
    }

    func close(reason: SubscriberCloseReason) {
        lock.lock(); defer { lock.unlock() }
        closedReason = reason
    }

    func mark(_ event: String) {
        lock.lock(); defer { lock.unlock() }
        events.append(event)
    }

    var ids: [UInt64] { lock.lock(); defer { lock.unlock() }; return received.map(\.id) }
    var pages: [[UInt64]] { lock.lock(); defer { lock.unlock() }; return replayPages }
    var log: [String] { lock.lock(); defer { lock.unlock() }; return events }
    var notifications: [EncodedNotification] { lock.lock(); defer { lock.unlock() }; return received }
}

func filters(_ texts: String...) -> [TopicFilter] { texts.map { try! TopicFilter($0) } }
