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
