import ArgumentParser
import Foundation
import Logging
import WokHistorySQLite
import WokJSON
import WokRouterCore

/// `wok-router debug ...`: hidden helpers for tests that need a real router process.
struct DebugCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug",
        abstract: "Test helpers (not for production).",
        shouldDisplay: false,
        subcommands: [PublishBurst.self]
    )

    /// Publishes a burst through the real Router and SQLite store, printing each acknowledged id
    /// the moment its publish returns (the durability test kills the process mid-burst).
    struct PublishBurst: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "publish-burst",
            abstract: "Publish COUNT notifications on TOPIC ({\"n\": k}) and print \"ack ID K\" per acknowledged one."
        )

        @Option(help: "The folder holding schemas/ and plugins/.")
        var root: String = "."

        @Option(help: "The history store: sqlite:PATH or memory:.")
        var store: String

        @Option(help: "The topic to publish on; its schema must accept {\"n\": integer}.")
        var topic: String

        @Option(help: "How many notifications to publish.")
        var count: Int = 1_000

        @Option(help: "Concurrent publishers.")
        var concurrency: Int = 8

        func validate() throws {
            guard store == "memory:" || store.hasPrefix("sqlite:") else {
                throw ArgumentParser.ValidationError("--store takes sqlite:PATH or memory:")
            }
            guard count >= 0, concurrency >= 1 else { throw ArgumentParser.ValidationError("--count >= 0, --concurrency >= 1") }
        }

        func run() async throws {
            let quiet = Logger(label: "debug", factory: { _ in SwiftLogNoOpLogHandler() })
            let history: any HistoryStore = store == "memory:"
                ? MemoryHistoryStore() : try SQLiteHistoryStore(path: String(store.dropFirst("sqlite:".count)), logger: quiet)
            let router = Router(registry: try SchemaRegistry(root: root, logger: quiet), store: history, logger: quiet)
            StandardStream.write(Array("epoch \(router.epoch) head \(router.head)\n".utf8), to: 1)
            let topic = self.topic, count = self.count, concurrency = self.concurrency
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<concurrency {
                    group.addTask {
                        var k = worker
                        while k < count {
                            do {
                                let notification = try await router.publish(topic: topic, data: ["n": .int(Int64(k))])
                                StandardStream.write(Array("ack \(notification.id) \(k)\n".utf8), to: 1)
                            } catch {
                                StandardStream.write(Array("refused \(k) \(error)\n".utf8), to: 2)
                            }
                            k += concurrency
                        }
                    }
                }
            }
            await router.shutdown()
        }
    }
}
