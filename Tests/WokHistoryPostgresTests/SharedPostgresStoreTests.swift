import Foundation
import PostgresNIO
import Testing
import WokHistoryPostgres
import WokJSON
import WokRouterCore

/// What only a shared engine has: several stores (several routers) on one database.
/// Needs the test server (`PostgresTestServer`); left out only when `WOK_TEST_POSTGRES_SKIP` says why.
@Suite(.enabled(if: PostgresTestServer.skipReason == nil,
                Comment(rawValue: "WOK_TEST_POSTGRES_SKIP: \(PostgresTestServer.skipReason ?? "")")))
struct SharedPostgresStoreTests {
    @Test func interleavedAppendsOfTwoRoutersReachBothHandlersOnceInIdOrder() async throws {
        let url = try await PostgresTestServer.newDatabase()
        let a = try await PostgresHistoryStore(url: url)
        let b = try await PostgresHistoryStore(url: url)
        let logA = CommitLog(), logB = CommitLog()
        a.setCommitHandler { logA.record($0) }
        b.setCommitHandler { logB.record($0) }
        let returned = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for task in 0..<60 {
                let store = task % 2 == 0 ? a : b
                let size = 1 + task % 3
                group.addTask {
                    try await store.append((0..<size).map { pending("kimchi.vms", Int64(task * 10 + $0)) }).map(\.id)
                }
            }
            var all: [UInt64] = []
            for try await ids in group {
                #expect(ids == Array(ids[0]..<ids[0] + UInt64(ids.count)), "a batch is numbered contiguously")
                all += ids
            }
            return all
        }
        let total = UInt64(returned.count)
        #expect(returned.sorted() == Array(1...total), "one id sequence for both routers")
        try await waitUntil { logA.ids.count >= Int(total) && logB.ids.count >= Int(total) }
        #expect(logA.ids == Array(1...total), "router A's handler sees every notification of both, once, in order")
        #expect(logB.ids == Array(1...total), "router B's handler sees every notification of both, once, in order")
        #expect(a.head == total && b.head == total)
        await a.close()
        await b.close()
    }

    @Test func aRouterStartedLaterSharesTheEpochAndHearsLaterCommits() async throws {
        let url = try await PostgresTestServer.newDatabase()
        let a = try await PostgresHistoryStore(url: url)
        _ = try await a.append([pending("kimchi.vms", 1), pending("kimchi.vms", 2), pending("kimchi.vms", 3)])
        let b = try await PostgresHistoryStore(url: url)
        #expect(b.epoch == a.epoch)
        #expect(b.head == 3, "a new router starts at the shared head")
        let logB = CommitLog()
        b.setCommitHandler { logB.record($0) }
        let next = try await a.append([pending("kimchi.vms", 4)])
        try await waitUntil { logB.ids.count >= 1 }
        #expect(logB.ids == [next[0].id], "history before the start is not handed over; later commits are")
        await a.close()
        await b.close()
    }

    @Test func aNotificationAppendedThroughOneRouterIsReadableThroughTheOther() async throws {
        let url = try await PostgresTestServer.newDatabase()
        let a = try await PostgresHistoryStore(url: url)
        let b = try await PostgresHistoryStore(url: url)
        let time = NotificationTime(millisecondsSince1970: 1_764_000_000_123)
        let stored = try await a.append([PendingNotification(topic: try Topic("kimchi.vms.state"), data: ["name": "vm1", "on": true], time: time)])
        let read = try await b.read(filters: [try TopicFilter("kimchi.>")], since: 0, limit: 10)
        #expect(read.notifications.map(\.id) == stored.map(\.id))
        #expect(read.notifications.first?.topic.name == "kimchi.vms.state")
        #expect(read.notifications.first?.data == ["name": "vm1", "on": true])
        #expect(read.notifications.first?.time == time)
        #expect(read.notifications.first?.epoch == a.epoch)
        #expect(read.head == 1 && read.complete)
        await a.close()
        await b.close()
    }

    @Test func routersStartingTogetherOnAnEmptyDatabaseAgreeOnOneEpoch() async throws {
        let url = try await PostgresTestServer.newDatabase()
        let stores = try await withThrowingTaskGroup(of: PostgresHistoryStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresHistoryStore(url: url) } }
            var stores: [PostgresHistoryStore] = []
            for try await store in group { stores.append(store) }
            return stores
        }
        #expect(Set(stores.map(\.epoch)).count == 1, "the tables and the epoch are created once")
        for store in stores { await store.close() }
    }

    @Test func afterItsConnectionsAreCutARouterReconnectsAndHandsOverWhatItMissed() async throws {
        let url = try await PostgresTestServer.newDatabase()
        let a = try await PostgresHistoryStore(url: url)
        var slow = PostgresHistoryConfiguration()
        slow.reconnectDelaySeconds = 1  // B listens again only after A's appends below, usually
        let b = try await PostgresHistoryStore(url: url, configuration: slow)
        let logB = CommitLog()
        b.setCommitHandler { logB.record($0) }
        _ = try await a.append([pending("kimchi.vms", 1)])
        try await waitUntil { logB.ids == [1] }

        try await PostgresTestServer.terminateConnections(to: url)
        // Appends on a cut connection fail with `unavailable` (nothing stored); A reconnects.
        var stored: [UInt64] = []
        var failures: [HistoryError] = []
        for n in 2...12 {
            do {
                stored += try await a.append([pending("kimchi.vms", Int64(n))]).map(\.id)
            } catch {
                failures.append(error)
            }
        }
        #expect(!stored.isEmpty, "the writer reconnects")
        #expect(failures.allSatisfy { !$0.isClosed && $0.description.contains("PostgreSQL") }, "\(failures)")
        let head = try #require(stored.last)
        try await waitUntil { logB.ids.last == head }
        #expect(logB.ids == Array(1...head), "B hands over every commit, the ones made while it was away included")
        await a.close()
        await b.close()
    }

    @Test func aRouterLockedOutFailsItsAppendsThenCatchesUpWithWhatOthersCommittedMeanwhile() async throws {
        let url = try await PostgresTestServer.newDatabase()
        let role = "wok_role_" + UUID().uuidString.prefix(8).lowercased()
        try await PostgresTestServer.administer("CREATE ROLE \(role) LOGIN SUPERUSER")
        var components = try #require(URLComponents(string: url))
        components.user = role
        let a = try await PostgresHistoryStore(url: url)
        var quick = PostgresHistoryConfiguration()
        quick.reconnectDelaySeconds = 0.05
        quick.maxReconnectDelaySeconds = 0.2
        let b = try await PostgresHistoryStore(url: try #require(components.string), configuration: quick)
        let logB = CommitLog()
        b.setCommitHandler { logB.record($0) }
        _ = try await b.append([pending("kimchi.vms", 1)])
        #expect(logB.ids == [1])

        // B's role may no longer log in, and its sessions are cut: B is away.
        try await PostgresTestServer.administer("ALTER ROLE \(role) NOLOGIN")
        let cut = try await PostgresTestServer.integer("SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint")
        try await PostgresTestServer.administer("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '\(role)'")
        // Termination is asynchronous: wait until the sessions that were cut are gone (B's refused
        // reconnection attempts start later).
        let survivors = """
            SELECT count(*) FROM pg_stat_activity WHERE usename = '\(role)' AND backend_start <= to_timestamp(\(cut) / 1000000.0)
            """
        var waits = 0
        while try await PostgresTestServer.integer(survivors) > 0, waits < 1_000 {
            waits += 1
            try await Task.sleep(for: .milliseconds(10))
        }
        var refused: HistoryError?
        for _ in 0..<50 where refused == nil {  // until B has noticed its connection is gone
            do { _ = try await b.append([pending("kimchi.vms", 0)]) } catch { refused = error }
        }
        let error = try #require(refused, "an append while the database refuses B fails")
        #expect(!error.isClosed && "\(error)".contains("PostgreSQL"), "\(error)")
        let stored = try await a.append([pending("kimchi.vms", 2), pending("kimchi.vms", 3)]) + a.append([pending("kimchi.vms", 4)])
        #expect(stored.count == 3)

        // Let B back in: it reconnects, reads what it missed, and goes on.
        try await PostgresTestServer.administer("ALTER ROLE \(role) LOGIN")
        let head = try #require(stored.last?.id)
        try await waitUntil { logB.ids.last == head }
        let mine = try await b.append([pending("kimchi.vms", 5)])
        #expect(mine[0].id == head + 1)
        #expect(logB.ids == Array(1...head + 1), "B handed over every commit once, in order, including those made while it was away")
        await a.close()
        await b.close()
        try await PostgresTestServer.administer("DROP DATABASE \(try #require(URLComponents(string: url)).path.dropFirst()) WITH (FORCE)")
        try await PostgresTestServer.administer("DROP ROLE \(role)")
    }

    @Test func anAppendStuckBehindALockFailsAfterTheStatementTimeoutAndStoresNothing() async throws {
        let url = try await PostgresTestServer.newDatabase()
        var impatient = PostgresHistoryConfiguration()
        impatient.statementTimeoutSeconds = 1
        let store = try await PostgresHistoryStore(url: url, configuration: impatient)
        _ = try await store.append([pending("kimchi.vms", 1)])
        // Another session holds the head row's lock (as a stuck router would).
        let holder = try await PostgresTestServer.connect(to: url)
        try await holder.query("BEGIN", logger: holder.logger)
        try await holder.query("UPDATE wok_history_meta SET head = head", logger: holder.logger)
        // Several appends at once: grouped, and failed together (not retried one by one).
        let outcomes = try await withThrowingTaskGroup(of: Result<[WokNotification], HistoryError>.self) { group in
            for n in 0..<5 {
                group.addTask {
                    await withCheckedContinuation { continuation in
                        store.append([pending("kimchi.vms", Int64(100 + n))]) { continuation.resume(returning: $0) }
                    }
                }
            }
            var all: [Result<[WokNotification], HistoryError>] = []
            for try await outcome in group { all.append(outcome) }
            return all
        }
        #expect(outcomes.count == 5)
        for outcome in outcomes {
            guard case .failure(let error) = outcome else {
                Issue.record("an append behind the lock succeeded")
                continue
            }
            #expect(!error.isClosed && "\(error)".contains("statement timeout"), "\(error)")
        }
        try await holder.query("ROLLBACK", logger: holder.logger)
        try await holder.close()
        let next = try await store.append([pending("kimchi.vms", 3)])
        #expect(next[0].id == 2, "the timed-out append was rolled back: no id was used, none is missing")
        let read = try await store.read(filters: [try TopicFilter("kimchi.vms")], since: 0, limit: 10)
        #expect(read.notifications.map { $0.data["n"]?.int } == [1, 3])
        await store.close()
    }

    /// A commit whose NOTIFY never reaches this router (its LISTEN connection silently cut, say)
    /// is handed over at the next heartbeat, not only when something else is committed.
    @Test func aCommitWhoseNotifyNeverArrivesIsHandedOverAtTheNextHeartbeat() async throws {
        let url = try await PostgresTestServer.newDatabase()
        var quick = PostgresHistoryConfiguration()
        quick.heartbeatSeconds = 0.2
        let store = try await PostgresHistoryStore(url: url, configuration: quick)
        let log = CommitLog()
        store.setCommitHandler { log.record($0) }
        // Another router's commit, as the engine writes one, but announced to nobody.
        let other = try await PostgresTestServer.connect(to: url)
        try await other.query("""
            WITH head AS (UPDATE wok_history_meta SET head = head + 1 RETURNING head)
            INSERT INTO wok_notifications(id, topic, time_ms, data) SELECT head, 'kimchi.vms', 0, '{"n":1}' FROM head
            """, logger: other.logger)
        try await other.close()
        try await waitUntil { log.ids == [1] }
        #expect(store.head == 1)
        await store.close()
    }

    @Test func aRouterWhoseUserMayOnlyReadAndWriteTheTablesOpensTheStore() async throws {
        let url = try await PostgresTestServer.newDatabase()
        let owner = try await PostgresHistoryStore(url: url)  // creates the tables
        _ = try await owner.append([pending("kimchi.vms", 1)])
        let role = "wok_dml_" + UUID().uuidString.prefix(8).lowercased()
        let database = try #require(URLComponents(string: url)).path.dropFirst()
        try await PostgresTestServer.administer("CREATE ROLE \(role) LOGIN")
        try await PostgresTestServer.administer("GRANT CONNECT ON DATABASE \(database) TO \(role)")
        let admin = try await PostgresTestServer.connect(to: url)
        try await admin.query(PostgresQuery(unsafeSQL: """
            REVOKE CREATE ON SCHEMA public FROM PUBLIC;
            """), logger: admin.logger)
        try await admin.query(PostgresQuery(unsafeSQL: """
            GRANT SELECT, INSERT, UPDATE, DELETE ON wok_notifications, wok_history_trims, wok_history_meta, wok_history_commits TO \(role)
            """), logger: admin.logger)
        try await admin.close()
        var components = try #require(URLComponents(string: url))
        components.user = role
        let limited = try await PostgresHistoryStore(url: try #require(components.string))
        #expect(limited.epoch == owner.epoch && limited.head == 1)
        #expect(try await limited.append([pending("kimchi.vms", 2)]).map(\.id) == [2])
        #expect(try await limited.trim(RetentionRules(defaultRetention: Retention(count: 1)), now: .now()) == 1)
        await limited.close()
        await owner.close()
        try await PostgresTestServer.administer("DROP DATABASE \(database) WITH (FORCE)")
        try await PostgresTestServer.administer("DROP ROLE \(role)")
    }

    @Test func closeFinishesAppendsStillQueued() async throws {
        let store = try await PostgresHistoryStore(url: try await PostgresTestServer.newDatabase())
        let log = CommitLog()
        store.setCommitHandler { log.record($0) }
        let results = Locked<[Result<[WokNotification], HistoryError>]>([])
        for n in 0..<20 {
            store.append([pending("kimchi.vms", Int64(n))]) { result in results.withLock { $0.append(result) } }
        }
        await store.close()
        let outcomes = results.current
        #expect(outcomes.count == 20, "every append completed before close returned")
        #expect(outcomes.allSatisfy { (try? $0.get()) != nil })
        #expect(log.ids == Array(1...20))
    }

    @Test func theDefaultTLSModeUsesPlainTCPWhenTheServerOffersNoTLS() async throws {
        var components = try #require(URLComponents(string: try await PostgresTestServer.newDatabase()))
        components.queryItems = nil  // sslmode=prefer, the default; the test server has no TLS
        let store = try await PostgresHistoryStore(url: try #require(components.string))
        #expect(try await store.append([pending("kimchi.vms")]).map(\.id) == [1])
        await store.close()
    }

    @Test func anUnreachableServerIsAClearError() async throws {
        let port = try closedPort()
        await #expect {
            try await PostgresHistoryStore(url: "postgres://wok@127.0.0.1:\(port)/wok?sslmode=disable&connect_timeout=2")
        } throws: { error in
            let text = "\(error)"
            return (error as? HistoryError) != nil && text.contains("cannot connect to PostgreSQL") && text.contains("127.0.0.1:\(port)")
        }
    }
}

func pending(_ topic: String, _ n: Int64 = 0, time: NotificationTime = .now()) -> PendingNotification {
    PendingNotification(topic: try! Topic(topic), data: ["n": .int(n)], time: time)
}

/// A value behind a lock, for callbacks.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R { lock.lock(); defer { lock.unlock() }; return body(&value) }
    var current: Value { withLock { $0 } }
}

/// Collects what a store hands its commit handler.
final class CommitLog: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [UInt64] = []
    func record(_ notifications: [WokNotification]) { lock.lock(); seen += notifications.map(\.id); lock.unlock() }
    var ids: [UInt64] { lock.lock(); defer { lock.unlock() }; return seen }
}

struct TimedOut: Error {}

/// Waits (up to 30 s, a bound against hangs, not a timing assertion) until `condition` holds.
func waitUntil(_ condition: () -> Bool) async throws {
    for _ in 0..<3_000 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    if !condition() { throw TimedOut() }
}

/// A loopback port nothing listens on.
func closedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}
