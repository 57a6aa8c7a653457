import Foundation
import Testing
import WokJSON

/// Durability end to end: publishers POST to a real `wok-router serve` process (over its UNIX
/// socket), the process is killed with SIGKILL in the middle of the burst, restarted on the same
/// SQLite file, and every notification that was answered 202 is still there.
@Suite struct KillServeDuringBurstTests {
    /// A running `serve`, its UNIX socket ready.
    final class Serve {
        let process = Process()
        let socketPath: String

        init(root: String, database: String, socketPath: String) throws {
            self.socketPath = socketPath
            try? FileManager.default.removeItem(atPath: socketPath)
            process.executableURL = URL(fileURLWithPath: try KillDuringBurstTests.routerExecutable())
            process.arguments = ["serve", "--root", root, "--store", "sqlite:" + database, "--port", "0",
                                 "--unix-socket", socketPath, "--log-level", "error"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            for _ in 0..<600 {  // up to 60 s: a debug build on a busy machine
                if (try? UnixHTTPClient(path: socketPath)) != nil { return }
                guard process.isRunning else { break }
                usleep(100_000)
            }
            throw UnixHTTPClient.Failure(description: "serve did not open \(socketPath)")
        }

        func kill() {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        deinit { if process.isRunning { kill() } }
    }

    /// Acknowledged (id, n) pairs, shared by the publisher threads.
    final class Acks: @unchecked Sendable {
        private let lock = NSLock()
        private var pairs: [(UInt64, Int64)] = []
        private(set) var failures: [String] = []
        func add(_ id: UInt64, _ n: Int64) { lock.withLock { pairs.append((id, n)) } }
        func fail(_ text: String) { lock.withLock { failures.append(text) } }
        var all: [(UInt64, Int64)] { lock.withLock { pairs } }
        var count: Int { lock.withLock { pairs.count } }
    }

    @Test func everyNotificationAnswered202SurvivesSigkillOfServe() async throws {
        let folder = TempFolder()
        let root = try KillDuringBurstTests.makeRoot(folder)
        let database = folder.path + "/history.sqlite"
        let socketPath = folder.path + "/publish.sock"
        let server = try Serve(root: root, database: database, socketPath: socketPath)

        let acks = Acks()
        let publishers = 8
        let group = DispatchGroup()
        for worker in 0..<publishers {
            group.enter()
            Thread {
                defer { group.leave() }
                guard let client = try? UnixHTTPClient(path: socketPath) else { acks.fail("connect"); return }
                var n = Int64(worker)
                while true {
                    let body = Data(#"{"topic":"burst.events","data":{"n":\#(n)}}"#.utf8)
                    guard let response = try? client.request("POST", "/notifications", body: body) else { return }  // killed
                    if response.status == 202, let json = try? JSON.parse(response.body), let id = json["id"]?.int {
                        acks.add(UInt64(id), n)
                    } else {
                        acks.fail("status \(response.status): \(String(decoding: response.body, as: UTF8.self))")
                        return
                    }
                    n += Int64(publishers)
                }
            }.start()
        }
        // Kill once enough publishes were acknowledged (bounded wait), while the burst runs.
        for _ in 0..<1_200 where acks.count < 500 { try await Task.sleep(for: .milliseconds(50)) }
        server.kill()
        group.wait()  // every publisher stops at its first failed request
        #expect(acks.failures.isEmpty, "\(acks.failures.prefix(3))")
        let acked = acks.all
        #expect(acked.count >= 500, "the burst was under way when the router was killed")

        // Restart on the same file and read everything back through the HTTP API.
        let restarted = try Serve(root: root, database: database, socketPath: socketPath)
        let client = try UnixHTTPClient(path: socketPath)
        var stored: [UInt64: Int64] = [:]
        var since: UInt64 = 0
        while true {
            let response = try client.request("GET", "/notifications?topics=burst.events&since=\(since)&limit=1000")
            #expect(response.status == 200)
            let page = try JSON.parse(response.body)
            let items = page["notifications"]?.elements ?? JSONElements.empty
            for item in items { stored[UInt64(item["id"]!.int!)] = item["data"]?["n"]?.int }
            guard let last = items.last?["id"]?.int else { break }
            since = UInt64(last)
        }
        var lost = 0
        for (id, n) in acked where stored[id] != n { lost += 1 }
        #expect(lost == 0, "\(lost) of \(acked.count) acknowledged notifications lost after kill -9")
        restarted.kill()
    }
}

extension JSONElements {
    static var empty: JSONElements { JSON.array([]).elements }
}
