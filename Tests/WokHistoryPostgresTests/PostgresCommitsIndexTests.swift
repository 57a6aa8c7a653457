import Foundation
import PostgresNIO
import Testing
@testable import WokHistoryPostgres
import WokRouterCore

/// `wok_history_commits_by_committed_at`: the index the retention passes delete old commit tokens
/// by, created when missing (databases written by routers that predate it included).
@Suite(.enabled(if: PostgresTestServer.skipReason == nil,
                Comment(rawValue: "WOK_TEST_POSTGRES_SKIP: \(PostgresTestServer.skipReason ?? "")")))
struct PostgresCommitsIndexTests {
    /// Whether the index exists in `url`'s database.
    static func indexExists(_ url: String) async throws -> Bool {
        let connection = try await PostgresTestServer.connect(to: url)
        var exists = false
        for try await value in try await connection.query(
            "SELECT to_regclass('wok_history_commits_by_committed_at') IS NOT NULL", logger: connection.logger).decode(Bool.self) {
            exists = value
        }
        try await connection.close()
        return exists
    }

    /// The tables as the routers before the index wrote them: version 1 plus `wok_history_commits`.
    static func createTablesWithoutTheIndex(_ url: String, head: Int64) async throws {
        try await PostgresCommitOutcomeTests.createVersion1Tables(url, head: head)
        let connection = try await PostgresTestServer.connect(to: url)
        try await connection.query(PostgresQuery(unsafeSQL: PostgresHistoryStore.commitsTableDDL), logger: connection.logger)
        try await connection.close()
    }

    @Test func aNewDatabaseGetsTheIndex() async throws {
        let url = try await PostgresTestServer.newDatabase()
        let store = try await PostgresHistoryStore(url: url)
        await store.close()
        #expect(try await Self.indexExists(url))
    }

    @Test func aDatabaseWrittenBeforeTheIndexGetsItWhenTheUserMayCreateIt() async throws {
        let url = try await PostgresTestServer.newDatabase()
        try await Self.createTablesWithoutTheIndex(url, head: 5)
        #expect(!(try await Self.indexExists(url)))
        let store = try await PostgresHistoryStore(url: url)
        #expect(store.head == 5 && store.epoch == "old-epoch", "the history is kept")
        #expect(try await store.append([pending("kimchi.vms", 1)]).map(\.id) == [6])
        await store.close()
        #expect(try await Self.indexExists(url))
    }

    @Test func aDatabaseWrittenBeforeTheIndexIsAClearErrorForAUserWhoMayNotCreateIt() async throws {
        let url = try await PostgresTestServer.newDatabase()
        try await Self.createTablesWithoutTheIndex(url, head: 0)
        let (limitedURL, role) = try await PostgresCommitOutcomeTests.dmlUser(
            url, tables: "wok_notifications, wok_history_trims, wok_history_meta, wok_history_commits")
        await #expect {
            try await PostgresHistoryStore(url: limitedURL)
        } throws: { error in
            let text = "\(error)"
            return text.contains("predates its index") && text.contains(PostgresHistoryStore.commitsIndexDDL)
        }
        // Once the owner created it (here: a router that may), the limited user opens the store.
        let owner = try await PostgresHistoryStore(url: url)
        await owner.close()
        let limited = try await PostgresHistoryStore(url: limitedURL)
        #expect(try await limited.append([pending("kimchi.vms", 1)]).map(\.id) == [1])
        await limited.close()
        try await PostgresTestServer.administer("DROP DATABASE \(try #require(URLComponents(string: url)).path.dropFirst()) WITH (FORCE)")
        try await PostgresTestServer.administer("DROP ROLE \(role)")
    }

    /// EXPLAIN of the retention pass's very statement, over a table of 20,000 tokens of which a
    /// few are old enough to go: the planner reaches them through the index, not a full scan.
    @Test func theRetentionDeleteOfOldCommitTokensUsesTheIndex() async throws {
        let url = try await PostgresTestServer.newDatabase()
        let store = try await PostgresHistoryStore(url: url)
        await store.close()
        let connection = try await PostgresTestServer.connect(to: url)
        try await connection.query("""
            INSERT INTO wok_history_commits(token, last_id, committed_at)
            SELECT gen_random_uuid(), n, now() - (n % 3000) * interval '1 second' FROM generate_series(1, 20000) AS n
            """, logger: connection.logger)
        try await connection.query("""
            INSERT INTO wok_history_commits(token, last_id, committed_at)
            SELECT gen_random_uuid(), 20000 + n, now() - interval '2 hours' FROM generate_series(1, 10) AS n
            """, logger: connection.logger)
        try await connection.query("ANALYZE wok_history_commits", logger: connection.logger)
        var explain = PostgresHistoryStore.deleteOldCommits(olderThan: PostgresHistoryConfiguration().commitRecordSeconds)
        explain.sql = "EXPLAIN " + explain.sql
        var plan: [String] = []
        for try await line in try await connection.query(explain, logger: connection.logger).decode(String.self) {
            plan.append(line)
        }
        try await connection.close()
        let text = plan.joined(separator: "\n")
        #expect(text.contains("wok_history_commits_by_committed_at"), "the plan:\n\(text)")
        #expect(!text.contains("Seq Scan"), "the plan:\n\(text)")
    }
}
