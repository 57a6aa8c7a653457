import Foundation
import Testing
import WokHistorySQLite
import WokJSON
import WokRouterCore

/// Durability: every notification acknowledged to its publisher survives `kill -9` of a real
/// router process in the middle of a publish burst.
@Suite struct KillDuringBurstTests {
    /// The `wok-router` executable built next to this test bundle.
    static func routerExecutable() throws -> String {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("wok-router").path
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isFolder), !isFolder.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        throw RouterProcessError("wok-router executable not found next to \(CommandLine.arguments[0]); run `swift build` first")
    }

    /// A root with one plugin whose topic takes `{"n": integer}`.
    static func makeRoot(_ folder: TempFolder) throws -> String {
        let root = folder.path + "/root"
        try FileManager.default.createDirectory(atPath: root + "/plugins/burst/schemas", withIntermediateDirectories: true)
        try #"{"name":"burst","version":"1","description":"kill -9 test"}"#.write(toFile: root + "/plugins/burst/plugin.json", atomically: true, encoding: .utf8)
        try #"{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"],"additionalProperties":false}"#
            .write(toFile: root + "/plugins/burst/schemas/burst.events.json", atomically: true, encoding: .utf8)
        return root
    }

    @Test func everyAcknowledgedNotificationSurvivesSigkill() async throws {
        let folder = TempFolder()
        let root = try Self.makeRoot(folder)
        let database = folder.path + "/history.sqlite"
        let executable = try Self.routerExecutable()

        let first = try RouterProcess(executable, ["debug", "publish-burst", "--root", root, "--store", "sqlite:" + database,
                                                   "--topic", "burst.events", "--count", "1000000", "--concurrency", "16"])
        let lines = try first.readLines(until: { $0.filter { $0.hasPrefix("ack ") }.count >= 400 })
        first.kill()  // SIGKILL, mid-burst
        let all = lines + first.drainRemainingLines()
        let epoch = try #require(all.first?.split(separator: " ").dropFirst().first.map(String.init))
        let acked = all.filter { $0.hasPrefix("ack ") }.map { line -> (UInt64, Int64) in
            let parts = line.split(separator: " ")
            return (UInt64(parts[1])!, Int64(parts[2])!)
        }
        #expect(acked.count >= 400)
        #expect(acked.count < 1_000_000, "the process was killed before it finished")

        // Restart on the same file: every acknowledged id is there, with its data.
        let store = try SQLiteHistoryStore(path: database)
        #expect(store.epoch == epoch, "the history survives: same epoch")
        var stored: [UInt64: Int64] = [:]
        var cursor: UInt64 = 0
        while true {
            let page = try await store.read(filters: [try TopicFilter("burst.events")], since: cursor, limit: 10_000)
            for notification in page.notifications { stored[notification.id] = notification.data["n"]?.int }
            guard let last = page.notifications.last else { break }
            cursor = last.id
        }
        for (id, n) in acked {
            #expect(stored[id] == n, "acknowledged id \(id) (n=\(n)) lost or altered")
        }
        let maxAcked = acked.map(\.0).max()!
        #expect(store.head >= maxAcked)
        let head = store.head
        await store.close()

        // A restarted router continues the same id sequence.
        let second = try RouterProcess(executable, ["debug", "publish-burst", "--root", root, "--store", "sqlite:" + database,
                                                    "--topic", "burst.events", "--count", "5", "--concurrency", "1"])
        let after = second.drainRemainingLines()
        #expect(after.first == "epoch \(epoch) head \(head)")
        let newIDs = after.filter { $0.hasPrefix("ack ") }.map { UInt64($0.split(separator: " ")[1])! }
        #expect(newIDs == Array(head + 1...head + 5))
    }
}

struct RouterProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A child process whose standard output is read line by line.
final class RouterProcess {
    let process = Process()
    let output = Pipe()
    let errors = Pipe()
    private var buffer: [UInt8] = []

    init(_ executable: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = errors
        try process.run()
    }

    /// Reads complete lines until `enough` holds or the output ends (bounded: 60 s of output).
    func readLines(until enough: ([String]) -> Bool) throws -> [String] {
        var lines: [String] = []
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let chunk = readChunk()
            if chunk.isEmpty { break }
            lines += take(chunk)
            if enough(lines) { return lines }
        }
        if !enough(lines) {
            process.waitUntilExit()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw RouterProcessError("router exited (\(process.terminationStatus)) after \(lines.count) lines: \(stderr.prefix(2000))")
        }
        return lines
    }

    /// Complete lines written before the process died.
    func drainRemainingLines() -> [String] {
        process.waitUntilExit()
        var lines: [String] = []
        while true {
            let chunk = readChunk()
            if chunk.isEmpty { return lines }
            lines += take(chunk)
        }
    }

    /// One blocking read(2) of the pipe; empty at end of file.
    private func readChunk() -> Data {
        var bytes = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(output.fileHandleForReading.fileDescriptor, &bytes, bytes.count)
            if count < 0 && errno == EINTR { continue }
            return count > 0 ? Data(bytes[..<count]) : Data()
        }
    }

    func kill() { Foundation.kill(process.processIdentifier, SIGKILL) }

    private func take(_ data: Data) -> [String] {
        buffer += data
        guard let lastNewline = buffer.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
        let complete = buffer[..<lastNewline]
        buffer.removeSubrange(...lastNewline)
        return complete.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }

    deinit { if process.isRunning { kill() } }
}
