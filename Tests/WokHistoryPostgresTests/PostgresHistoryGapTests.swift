import Foundation
import Testing
@testable import WokHistoryPostgres
import WokJSON
import WokRouterCore

/// A router that lags behind the others by more than retention keeps learns which notifications
/// it could not hand over (a `HistoryGap`), in order with the ones it could.
@Suite(.enabled(if: PostgresTestServer.skipReason == nil,
                Comment(rawValue: "WOK_TEST_POSTGRES_SKIP: \(PostgresTestServer.skipReason ?? "")")))
struct PostgresHistoryGapTests {
    /// What a store hands over: notifications and gaps, in the order it hands them.
    final class EventLog: @unchecked Sendable {
        private let lock = NSLock()
        private var seen: [String] = []
        private(set) var gaps: [HistoryGap] = []
        func record(_ notifications: [WokNotification]) { lock.withLock { seen += notifications.map { "n\($0.id)" } } }
        func record(_ gap: HistoryGap) {
            lock.withLock {
                seen.append("gap\(gap.after + 1)-\(gap.through)")
                gaps.append(gap)
            }
        }
        var events: [String] { lock.withLock { seen } }
    }

    @Test func aRouterStalledWhileAnotherPublishesAndTrimsReportsTheTrimmedIdsBetweenTheOthers() async throws {
        let url = try await PostgresTestServer.newDatabase()
        let components = try #require(URLComponents(string: url))
        let proxy = try CuttingProxy(to: components.host ?? "127.0.0.1", port: components.port ?? 5432)
        let a = try await PostgresHistoryStore(url: url)
        var quiet = PostgresHistoryConfiguration()
        quiet.heartbeatSeconds = 600
        let b = try await PostgresHistoryStore(url: proxy.rewrite(url), configuration: quiet)
        let log = EventLog()
        b.setCommitHandler { log.record($0) }
        b.setGapHandler { log.record($0) }
        _ = try await a.append([pending("kimchi.vms", 1)])
        try await waitUntil { log.events == ["n1"] }

        proxy.pause()  // B hears nothing and reads nothing
        _ = try await a.append([pending("kimchi.vms", 2), pending("kimchi.vms", 3)])
        _ = try await a.append([pending("kimchi.vms", 4), pending("kimchi.other", 5)])
        let rules = RetentionRules(defaultRetention: .standard, perTopic: ["kimchi.vms": Retention(count: 1)])
        #expect(try await a.trim(rules, now: .now()) == 3, "ids 1, 2, 3 trimmed")
        proxy.resume()

        try await waitUntil { log.events.count >= 4 }
        #expect(log.events == ["n1", "gap2-3", "n4", "n5"], "the gap is reported after what came before it and before what follows")
        let gap = try #require(log.gaps.first)
        #expect(gap.missing == 2)
        #expect(gap.topics == ["kimchi.vms"], "only the topic that was trimmed")
        #expect(b.head == 5)
        await a.close()
        await b.close()
        proxy.shutdown()
    }
}

/// `PostgresCommitDispatcher.gap`: which ids a catch-up read did not find.
struct DispatcherGapTests {
    func rows(_ ids: [UInt64]) -> [WokNotification] {
        ids.map { WokNotification(id: $0, topic: try! Topic("kimchi.vms"), time: .now(), data: [:], epoch: "e") }
    }

    @Test func aCompleteReadHasNoGap() {
        #expect(PostgresCommitDispatcher.gap(in: rows([3, 4, 5]), after: 2, reached: 5) == nil)
        #expect(PostgresCommitDispatcher.gap(in: [], after: 5, reached: 5) == nil)
    }

    @Test func missingIdsAtTheStartInTheMiddleAndAtTheEndAreOneGapFromTheFirstToTheLast() {
        let start = PostgresCommitDispatcher.gap(in: rows([5, 6]), after: 2, reached: 6)
        #expect(start == HistoryGap(after: 2, through: 4, missing: 2, topics: nil))
        let middle = PostgresCommitDispatcher.gap(in: rows([3, 6]), after: 2, reached: 6)
        #expect(middle == HistoryGap(after: 3, through: 5, missing: 2, topics: nil))
        let end = PostgresCommitDispatcher.gap(in: rows([3]), after: 2, reached: 6)
        #expect(end == HistoryGap(after: 3, through: 6, missing: 3, topics: nil))
        let scattered = PostgresCommitDispatcher.gap(in: rows([4, 6]), after: 2, reached: 7)
        #expect(scattered == HistoryGap(after: 2, through: 7, missing: 3, topics: nil))
        let everything = PostgresCommitDispatcher.gap(in: [], after: 2, reached: 4)
        #expect(everything == HistoryGap(after: 2, through: 4, missing: 2, topics: nil))
    }
}
