import Foundation
import WokHistorySQLite
import WokJSON
import WokRouterCore

/// Appends `total` notifications, `concurrency` publishers at a time, each awaiting its own
/// commit (as `POST /notifications` does before answering 202).
func run(_ store: any HistoryStore, total: Int, concurrency: Int) async throws -> Duration {
    let topic = try Topic("wok.userlog")
    let data: JSON = ["app": "wok", "user": "admin", "req": "POST", "status": 200, "message": "User 'admin' login",
                      "ip": "192.168.1.10", "date": "2026-11-28", "time": "22:00:00", "zone": "UTC"]
    let clock = ContinuousClock()
    return try await clock.measure {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var n = worker
                    while n < total {
                        _ = try await store.append([PendingNotification(topic: topic, data: data, time: .now())])
                        n += concurrency
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}

func seconds(_ duration: Duration) -> Double {
    let (s, atto) = duration.components
    return Double(s) + Double(atto) / 1e18
}

@main
enum Benchmark {
    static func main() async throws {
        let total = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1])! : 2_000
        let folder = NSTemporaryDirectory() + "history-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        print("\(total) appends of one ~200-byte notification, each publisher awaiting its commit")
        print("store                     publishers  appends/s  commits  appends/commit")
        var baseline: Double?
        for (name, synchronous) in [("sqlite synchronous=FULL", SQLiteHistoryConfiguration.Synchronous.full),
                                    ("sqlite synchronous=NORMAL", .normal)] {
            for concurrency in [1, 16, 64] {
                var configuration = SQLiteHistoryConfiguration()
                configuration.synchronous = synchronous
                let store = try SQLiteHistoryStore(path: "\(folder)/\(synchronous.rawValue)-\(concurrency).sqlite", configuration: configuration)
                let elapsed = try await run(store, total: total, concurrency: concurrency)
                let rate = Double(total) / seconds(elapsed)
                let commits = store.commitCount
                await store.close()
                if baseline == nil { baseline = rate }
                let line = [name.padding(toLength: 26, withPad: " ", startingAt: 0),
                            String(concurrency).padding(toLength: 12, withPad: " ", startingAt: 0),
                            String(Int(rate)).padding(toLength: 11, withPad: " ", startingAt: 0),
                            String(commits).padding(toLength: 9, withPad: " ", startingAt: 0),
                            String(format: "%.1f", Double(total) / Double(max(commits, 1)))]
                print(line.joined() + String(format: "   (%.1fx the first row)", rate / baseline!))
            }
        }
        let memory = MemoryHistoryStore()
        let elapsed = try await run(memory, total: total * 10, concurrency: 16)
        print("memory (peer, no disk)    16          \(Int(Double(total * 10) / seconds(elapsed)))")
    }
}
