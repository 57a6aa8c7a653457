import Foundation
import PostgresNIO
import Testing
import WokHistoryPostgres
import WokJSON
import WokRouterCore

/// A commit whose answer is lost (the connection cut after the statement was sent) is answered
/// exactly: stored, with its ids, or not stored (and then never stored later).
@Suite(.enabled(if: PostgresTestServer.skipReason == nil,
                Comment(rawValue: "WOK_TEST_POSTGRES_SKIP: \(PostgresTestServer.skipReason ?? "")")))
struct PostgresCommitOutcomeTests {
    /// The store's connections go through a proxy; the test database is reached directly.
    struct Setup {
        let url: String
        let proxy: CuttingProxy
        let store: PostgresHistoryStore

        init(statementTimeoutSeconds: Double = 30) async throws {
            url = try await PostgresTestServer.newDatabase()
            let components = try #require(URLComponents(string: url))
            proxy = try CuttingProxy(to: components.host ?? "127.0.0.1", port: components.port ?? 5432)
            var quick = PostgresHistoryConfiguration()
            quick.statementTimeoutSeconds = statementTimeoutSeconds
            quick.reconnectDelaySeconds = 0.05
            quick.heartbeatSeconds = 600  // the listener stays quiet: the proxy's next client bytes are the writer's
            store = try await PostgresHistoryStore(url: proxy.rewrite(url), configuration: quick)
        }

        /// Head and row count, read directly.
        func stored() async throws -> (head: Int64, rows: Int64) {
            let connection = try await PostgresTestServer.connect(to: url)
            defer { connection.close().whenComplete { _ in _ = connection } }
            var result: (Int64, Int64) = (-1, -1)
            for try await row in try await connection.query(
                "SELECT (SELECT head FROM wok_history_meta), (SELECT count(*) FROM wok_notifications)",
                logger: connection.logger).decode((Int64, Int64).self) {
                result = row
            }
            return result
        }

        func close() async {
            await store.close()
            proxy.shutdown()
        }
    }

    @Test func aCommitWhoseAnswerIsCutOffIsAnsweredWithItsIdsWhenItWasStored() async throws {
        let setup = try await Setup()
        let log = CommitLog()
        setup.store.setCommitHandler { log.record($0) }
        _ = try await setup.store.append([pending("kimchi.vms", 1)])

        setup.proxy.cutNextAnswer()
        let stored = try await setup.store.append([pending("kimchi.vms", 2), pending("kimchi.vms", 3)])
        #expect(setup.proxy.cuts == 1, "the answer was cut off")
        #expect(stored.map(\.id) == [2, 3], "the publisher learns its notifications were stored, with their ids")
        #expect(stored.map { $0.data["n"]?.int } == [2, 3])
        let (head, rows) = try await setup.stored()
        #expect(head == 3 && rows == 3, "stored once")
        try await waitUntil { log.ids.count >= 3 }
        #expect(log.ids == [1, 2, 3], "handed to the fan-out once, in order")
        #expect(try await setup.store.append([pending("kimchi.vms", 4)]).map(\.id) == [4])
        await setup.close()
    }

    /// The answer never comes and the connection says nothing (no FIN, no RST): after the answer
    /// bound (statement timeout + 10 s) the writer gives the connection up and asks.
    @Test func aCommitWhoseAnswerNeverComesIsAnsweredWithItsIdsAfterTheAnswerBound() async throws {
        let setup = try await Setup(statementTimeoutSeconds: 0.5)
        _ = try await setup.store.append([pending("kimchi.vms", 1)])
        setup.proxy.swallowNextAnswer()
        let stored = try await setup.store.append([pending("kimchi.vms", 2)])
        #expect(stored.map(\.id) == [2], "stored, and the publisher learns it")
        let (head, rows) = try await setup.stored()
        #expect(head == 2 && rows == 2)
        await setup.close()
    }

    @Test func aCommitCutOffBeforeReachingTheServerFailsAndCanNoLongerBeStoredLater() async throws {
        let setup = try await Setup()
        _ = try await setup.store.append([pending("kimchi.vms", 1)])

        setup.proxy.holdNextRequest()
        await #expect(throws: HistoryError.self, "not stored: unavailable, as before") {
            try await setup.store.append([pending("kimchi.vms", 2)])
        }
        #expect(setup.proxy.holding)
        // The statement reaches the server after the publisher was told it was not stored.
        setup.proxy.releaseHeld()
        try await waitUntil { setup.proxy.answersToReleased > 0 }
        let (head, rows) = try await setup.stored()
        #expect(head == 1 && rows == 1, "the late statement stored nothing")
        #expect(try await setup.store.append([pending("kimchi.vms", 3)]).map(\.id) == [2], "no id was used")
        await setup.close()
    }

    @Test func tablesWrittenBeforeTheCommitTokensGetTheirTableWhenTheUserMayCreateIt() async throws {
        let url = try await PostgresTestServer.newDatabase()
        try await Self.createVersion1Tables(url, head: 5)
        let store = try await PostgresHistoryStore(url: url)
        #expect(store.head == 5 && store.epoch == "old-epoch", "the history is kept")
        #expect(try await store.append([pending("kimchi.vms", 1)]).map(\.id) == [6])
        await store.close()
    }

    @Test func tablesWrittenBeforeTheCommitTokensAreAClearErrorForAUserWhoMayNotCreateIt() async throws {
        let url = try await PostgresTestServer.newDatabase()
        try await Self.createVersion1Tables(url, head: 0)
        let (limitedURL, role) = try await Self.dmlUser(url, tables: "wok_notifications, wok_history_trims, wok_history_meta")
        await #expect {
            try await PostgresHistoryStore(url: limitedURL)
        } throws: { error in
            let text = "\(error)"
            return text.contains("predate wok_history_commits") && text.contains("CREATE TABLE IF NOT EXISTS wok_history_commits")
                && text.contains("CREATE INDEX IF NOT EXISTS wok_history_commits_by_committed_at ON wok_history_commits(committed_at)")
        }
        // Once the owner ran it (here: a router that may create tables), the limited user needs the grant.
        let owner = try await PostgresHistoryStore(url: url)
        await owner.close()
        await #expect {
            try await PostgresHistoryStore(url: limitedURL)
        } throws: { error in
            "\(error)".contains("GRANT SELECT, INSERT, UPDATE, DELETE ON wok_history_commits")
        }
        try await PostgresTestServer.administer("DROP DATABASE \(try #require(URLComponents(string: url)).path.dropFirst()) WITH (FORCE)")
        try await PostgresTestServer.administer("DROP ROLE \(role)")
    }

    @Test func retentionDeletesCommitTokensOlderThanTheirBound() async throws {
        let url = try await PostgresTestServer.newDatabase()
        var configuration = PostgresHistoryConfiguration()
        configuration.commitRecordSeconds = 3_600
        let store = try await PostgresHistoryStore(url: url, configuration: configuration)
        _ = try await store.append([pending("kimchi.vms", 1)])
        _ = try await store.append([pending("kimchi.vms", 2)])
        let connection = try await PostgresTestServer.connect(to: url)
        try await connection.query(
            "UPDATE wok_history_commits SET committed_at = now() - interval '3601 seconds' WHERE last_id = 1", logger: connection.logger)
        _ = try await store.trim(RetentionRules(defaultRetention: Retention(count: 100)), now: .now())
        var left: [Int64] = []
        for try await id in try await connection.query("SELECT last_id FROM wok_history_commits ORDER BY last_id",
                                                       logger: connection.logger).decode(Int64.self) {
            left.append(id)
        }
        try await connection.close()
        #expect(left == [2])
        await store.close()
    }

    /// The three tables as the first PostgreSQL engine created them.
    static func createVersion1Tables(_ url: String, head: Int64) async throws {
        let connection = try await PostgresTestServer.connect(to: url)
        for statement in [
            """
            CREATE TABLE wok_history_meta(singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                epoch text NOT NULL, head bigint NOT NULL, schema_version integer NOT NULL)
            """,
            "CREATE TABLE wok_notifications(id bigint PRIMARY KEY, topic text NOT NULL, time_ms bigint NOT NULL, data text NOT NULL)",
            "CREATE INDEX wok_notifications_by_topic ON wok_notifications(topic, id)",
            "CREATE TABLE wok_history_trims(topic text PRIMARY KEY, through bigint NOT NULL)",
            "INSERT INTO wok_history_meta(epoch, head, schema_version) VALUES ('old-epoch', \(head), 1)",
        ] {
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: connection.logger)
        }
        try await connection.close()
    }

    /// A role that may only connect and read/write `tables` of `url`'s database; its URL and name.
    static func dmlUser(_ url: String, tables: String) async throws -> (String, String) {
        let role = "wok_dml_" + UUID().uuidString.prefix(8).lowercased()
        let database = try #require(URLComponents(string: url)).path.dropFirst()
        try await PostgresTestServer.administer("CREATE ROLE \(role) LOGIN")
        try await PostgresTestServer.administer("GRANT CONNECT ON DATABASE \(database) TO \(role)")
        let admin = try await PostgresTestServer.connect(to: url)
        try await admin.query("REVOKE CREATE ON SCHEMA public FROM PUBLIC", logger: admin.logger)
        try await admin.query(PostgresQuery(unsafeSQL: "GRANT SELECT, INSERT, UPDATE, DELETE ON \(tables) TO \(role)"), logger: admin.logger)
        try await admin.close()
        var components = try #require(URLComponents(string: url))
        components.user = role
        return (try #require(components.string), role)
    }
}
