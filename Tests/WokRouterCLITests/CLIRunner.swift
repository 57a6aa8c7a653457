import Foundation
import Testing

/// Runs the built `wok-router` binary as a real process, with files in a fresh temporary folder.
final class CLIRunner {
    /// The temporary folder the run works in (removed on deinit).
    let dir: URL

    /// What one run did.
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        /// Standard output's lines, without the empty last one.
        var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
    }

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("wok-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    /// Writes `text` to `name` (folders created as needed) and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, Data(text.utf8))
    }

    @discardableResult
    func write(_ name: String, _ data: Data) throws -> String {
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
        return url.path
    }

    /// Runs `wok-router args...` in the temporary folder, feeding `stdin`.
    func run(_ args: [String], stdin: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = try Self.binary()
        process.arguments = args
        process.currentDirectoryURL = dir
        let outURL = dir.appendingPathComponent(".stdout-\(UUID().uuidString)")
        let errURL = dir.appendingPathComponent(".stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        // A hang guard, not a timing assertion: a run that never ends fails the test instead of the suite.
        let deadline = Date().addingTimeInterval(300)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            Issue.record("wok-router \(args.joined(separator: " ")) did not finish")
        }
        process.waitUntilExit()
        try out.close()
        try err.close()
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// `$WOK_ROUTER_BIN`, else `wok-router` next to the test bundle, else `.build/debug/wok-router`.
    static func binary() throws -> URL {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["WOK_ROUTER_BIN"] { return URL(fileURLWithPath: env) }
        var candidates: [URL] = []
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(me.deletingLastPathComponent().appendingPathComponent("wok-router"))
        candidates.append(me.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("wok-router"))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/wok-router"))
        for candidate in candidates where fm.isExecutableFile(atPath: candidate.path) { return candidate }
        throw BinaryNotFound(searched: candidates.map(\.path))
    }

    struct BinaryNotFound: Error, CustomStringConvertible {
        let searched: [String]
        var description: String { "wok-router binary not found (set WOK_ROUTER_BIN); looked at \(searched)" }
    }
}
