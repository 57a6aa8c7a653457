import Foundation
import Testing
import WokJSON
import WokHistoryPostgres
import WokHistorySQLite
import WokRouterCore

/// The engines the shared contract runs against. A new engine adds a case here.
enum Engine: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory, sqlite, postgres

    var testDescription: String { rawValue }

    /// Every engine; PostgreSQL only left out when `WOK_TEST_POSTGRES_SKIP` says why (see
    /// `PostgresTestServer`).
    static var allCases: [Engine] { PostgresTestServer.skipReason == nil ? [.memory, .sqlite, .postgres] : [.memory, .sqlite] }

    /// A new, empty store of this engine (PostgreSQL: in a new database of the test server).
    func make(_ folder: TempFolder) async throws -> any HistoryStore {
        switch self {
        case .memory: MemoryHistoryStore()
        case .sqlite: try SQLiteHistoryStore(path: folder.path + "/history.sqlite")
        case .postgres: try await PostgresHistoryStore(url: try await PostgresTestServer.newDatabase())
        }
    }
}

func pending(_ topic: String, _ n: Int64 = 0, time: NotificationTime = .now()) -> PendingNotification {
    PendingNotification(topic: try! Topic(topic), data: ["n": .int(n)], time: time)
}

/// Collects what a store hands its commit handler.
final class CommitLog: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [UInt64] = []
    func record(_ notifications: [WokNotification]) { lock.lock(); seen += notifications.map(\.id); lock.unlock() }
    var ids: [UInt64] { lock.lock(); defer { lock.unlock() }; return seen }
}

/// The contract every `HistoryStore` engine passes (see `HistoryStore`'s documentation).
@Suite struct HistoryStoreContract {
    /// Shows, as a skipped test with its reason, when the PostgreSQL engine was left out.
    @Test(.disabled(if: PostgresTestServer.skipReason != nil,
                    Comment(rawValue: "PostgreSQL engine left out: WOK_TEST_POSTGRES_SKIP: \(PostgresTestServer.skipReason ?? "")")))
    func everyEngineIsInTheContract() {
        #expect(Engine.allCases == [.memory, .sqlite, .postgres])
    }

    @Test(arguments: Engine.allCases)
    func idsStartAtOneAndIncreaseAcrossBatches(engine: Engine) async throws {
        let folder = TempFolder()
        let store = try await engine.make(folder)
        #expect(store.head == 0)
        let first = try await store.append([pending("kimchi.vms", 1), pending("kimchi.vms", 2)])
        let second = try await store.append([pending("wok.userlog", 3)])
        #expect(first.map(\.id) == [1, 2])
        #expect(second.map(\.id) == [3])
        #expect(store.head == 3)
        #expect(first.allSatisfy { $0.epoch == store.epoch })
        #expect(first[1].data["n"]?.int == 2)
        await store.close()
    }

    @Test(arguments: Engine.allCases)
    func concurrentAppendsReachTheHandlerOnceInIdOrder(engine: Engine) async throws {
        let folder = TempFolder()
        let store = try await engine.make(folder)
        let log = CommitLog()
        store.setCommitHandler { log.record($0) }
        let returned = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for task in 0..<40 {
                group.addTask { try await store.append([pending("kimchi.vms", Int64(task)), pending("kimchi.pools", Int64(task))]).map(\.id) }
            }
            var all: [UInt64] = []
            for try await ids in group {
                #expect(ids.count == 2 && ids[1] == ids[0] + 1, "a batch is numbered contiguously")
                all += ids
            }
            return all
        }
        #expect(returned.sorted() == Array(1...80))
        #expect(log.ids == Array(1...80), "the handler sees every id once, in order")
        await store.close()
    }

    @Test(arguments: Engine.allCases)
    func readsGiveBackTheDataAndTimeAsAppended(engine: Engine) async throws {
        let folder = TempFolder()
        let store = try await engine.make(folder)
        let data = try JSON.parse(#"""
            {"name": "vm-ü €", "n": 9007199254740993, "ratio": 0.1, "tiny": 1e-300, "on": true, "off": false,
             "none": null, "disks": [{"id": "a", "size": 10}, []], "escaped": "tab\tquote\"slash\\", "empty": {}}
            """#)
        let time = NotificationTime(millisecondsSince1970: 1_790_000_000_123)
        let stored = try await store.append([PendingNotification(topic: try Topic("kimchi.vms"), data: data, time: time)])
        let read = try await store.read(filters: [try TopicFilter("kimchi.vms")], since: 0, limit: 10).notifications
        #expect(read.count == 1)
        #expect(read.first?.data == data)
        #expect(read.first?.data.serialized(sortKeys: true) == data.serialized(sortKeys: true), "same members, same numbers, same text")
        #expect(read.first?.time == time && read.first?.id == stored[0].id && read.first?.epoch == store.epoch)
        #expect(read.first?.topic.name == "kimchi.vms")
        await store.close()
    }

    @Test(arguments: Engine.allCases)
    func readsBySinceFiltersAndLimit(engine: Engine) async throws {
        let folder = TempFolder()
        let store = try await engine.make(folder)
        for topic in ["kimchi.vms", "kimchi.vms.state", "gingerbase.packages", "kimchi.pools", "wok.userlog"] {
            _ = try await store.append([pending(topic)])
        }
        func read(_ filters: [String], since: UInt64 = 0, limit: Int = 100) async throws -> [String] {
            try await store.read(filters: filters.map { try TopicFilter($0) }, since: since, limit: limit).notifications.map(\.topic.name)
        }
        #expect(try await read(["kimchi.*"]) == ["kimchi.vms", "kimchi.pools"])
        #expect(try await read(["kimchi.>"]) == ["kimchi.vms", "kimchi.vms.state", "kimchi.pools"])
        #expect(try await read(["*.vms"]) == ["kimchi.vms"])
        #expect(try await read(["*.>"]).count == 5)
        #expect(try await read(["kimchi.>"], since: 2) == ["kimchi.pools"])
        #expect(try await read(["kimchi.>", "wok.userlog"], limit: 2) == ["kimchi.vms", "kimchi.vms.state"])
        #expect(try await read(["gingerbase.packages", "wok.userlog"]) == ["gingerbase.packages", "wok.userlog"])
        #expect(try await read(["kimchi.vm"]) == [])
        let page = try await store.read(filters: [try TopicFilter("kimchi.>")], since: 5, limit: 10)
        #expect(page.notifications.isEmpty && page.head == 5 && page.complete)
        await store.close()
    }

    @Test(arguments: Engine.allCases)
    func retentionByCountKeepsTheNewestAndReportsTrimming(engine: Engine) async throws {
        let folder = TempFolder()
        let store = try await engine.make(folder)
        for n in 1...10 { _ = try await store.append([pending("kimchi.vms", Int64(n))]) }
        _ = try await store.append([pending("wok.userlog")])  // id 11
        let rules = RetentionRules(defaultRetention: Retention(count: 100), perTopic: ["kimchi.vms": Retention(count: 3)])
        let deleted = try await store.trim(rules, now: .now())
        #expect(deleted == 7)
        let vms = try await store.read(filters: [try TopicFilter("kimchi.vms")], since: 0, limit: 100)
        #expect(vms.notifications.map(\.id) == [8, 9, 10])
        #expect(!vms.complete, "ids 1...7 were trimmed after since=0")
        #expect(try await store.read(filters: [try TopicFilter("kimchi.vms")], since: 7, limit: 100).complete)
        #expect(!(try await store.read(filters: [try TopicFilter("kimchi.*")], since: 6, limit: 100).complete))
        #expect(try await store.read(filters: [try TopicFilter("wok.userlog")], since: 0, limit: 100).complete,
                "trimming one topic does not affect another")
        #expect(store.head == 11, "trimming never moves the head")
        let next = try await store.append([pending("kimchi.vms")])
        #expect(next[0].id == 12, "ids are never reused after trimming")
        await store.close()
    }

    @Test(arguments: Engine.allCases)
    func retentionByAgeDropsOlderNotifications(engine: Engine) async throws {
        let folder = TempFolder()
        let store = try await engine.make(folder)
        let now = NotificationTime.now()
        let old = NotificationTime(millisecondsSince1970: now.millisecondsSince1970 - 3_600_000)
        _ = try await store.append([pending("kimchi.vms", 1, time: old), pending("kimchi.vms", 2, time: now)])
        let deleted = try await store.trim(RetentionRules(defaultRetention: Retention(maxAgeSeconds: 60)), now: now)
        #expect(deleted == 1)
        let read = try await store.read(filters: [try TopicFilter("kimchi.vms")], since: 0, limit: 10)
        #expect(read.notifications.map(\.id) == [2])
        #expect(read.notifications[0].time == now)
        await store.close()
    }

    @Test(arguments: Engine.allCases)
    func aClosedStoreRefusesAppendsReadsAndTrims(engine: Engine) async throws {
        let folder = TempFolder()
        let store = try await engine.make(folder)
        _ = try await store.append([pending("kimchi.vms")])
        await store.close()
        await #expect { try await store.append([pending("kimchi.vms")]) } throws: { ($0 as? HistoryError)?.isClosed == true }
        await #expect { try await store.read(filters: [try TopicFilter("kimchi.vms")], since: 0, limit: 1) } throws: {
            ($0 as? HistoryError)?.isClosed == true
        }
        await #expect { try await store.trim(RetentionRules(), now: .now()) } throws: { ($0 as? HistoryError)?.isClosed == true }
        await store.close()  // closing twice is harmless
    }
}

/// A temporary folder removed when the value goes.
final class TempFolder: @unchecked Sendable {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "wok-history-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
