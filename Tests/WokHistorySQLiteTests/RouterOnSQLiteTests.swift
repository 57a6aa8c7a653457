import Foundation
import Testing
import WokHistorySQLite
import WokJSON
import WokRouterCore

/// The router over a real SQLite store when the store fails: publishers get `unavailable`,
/// everything else keeps working.
@Suite struct RouterOnSQLiteTests {
    final class Inbox: Subscriber, @unchecked Sendable {
        private let lock = NSLock()
        private var received: [UInt64] = []
        func deliver(_ notification: EncodedNotification) { lock.lock(); received.append(notification.id); lock.unlock() }
        func close(reason: SubscriberCloseReason) {}
        var ids: [UInt64] { lock.lock(); defer { lock.unlock() }; return received }
    }

    @Test func aFullDatabaseAnswersUnavailableAndTheRouterKeepsServing() async throws {
        let folder = TempFolder()
        let root = try KillDuringBurstTests.makeRoot(folder)
        var configuration = SQLiteHistoryConfiguration()
        configuration.maxDatabaseBytes = 48 * 1024
        configuration.synchronous = .normal
        let store = try SQLiteHistoryStore(path: folder.path + "/h.sqlite", configuration: configuration)
        let router = Router(registry: try SchemaRegistry(root: root), store: store)
        let inbox = Inbox()
        try await router.subscribe(inbox, filters: [try TopicFilter("burst.events")]) { _ in }
        var refusal: PublishError?
        var accepted = 0
        for n in 0..<2_000 {
            do {
                _ = try await router.publish(topic: "burst.events", data: ["n": .int(Int64(n))])
                accepted += 1
            } catch {
                refusal = error
                break
            }
        }
        let error = try #require(refusal)
        #expect(error.code == .unavailable && error.code.rawValue == "unavailable")
        #expect(error.message.contains("full"))
        #expect(inbox.ids.count == accepted, "a refused notification is not delivered")
        // Still serving: subscriptions, history reads and unknown-topic answers work.
        let late = Inbox()
        var result: SubscribeResult?
        try await router.subscribe(late, filters: [try TopicFilter("burst.>")], since: UInt64(accepted) - 2) { result = $0 }
        #expect(result?.recovered == true && late.ids == [UInt64(accepted) - 1, UInt64(accepted)])
        let page = try await router.history(filters: [try TopicFilter("burst.events")], since: 0, limit: 5)
        #expect(page.notifications.map(\.id) == [1, 2, 3, 4, 5] && page.head == UInt64(accepted))
        await router.shutdown()
    }
}
