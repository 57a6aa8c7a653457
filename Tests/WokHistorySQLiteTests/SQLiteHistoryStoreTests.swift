import Foundation
import Testing
import WokJSON
@testable import WokHistorySQLite
import WokRouterCore

@Suite struct SQLiteHistoryStoreTests {
    @Test func idsHeadAndEpochPersistAcrossReopen() async throws {
        let folder = TempFolder()
        let path = folder.path + "/h.sqlite"
        let first = try SQLiteHistoryStore(path: path)
        _ = try await first.append([pending("kimchi.vms", 1), pending("kimchi.vms", 2)])
        let epoch = first.epoch
        await first.close()

        let second = try SQLiteHistoryStore(path: path)
        #expect(second.epoch == epoch, "the epoch is stored in the database")
        #expect(second.head == 2)
        let next = try await second.append([pending("wok.userlog")])
        #expect(next[0].id == 3)
        let read = try await second.read(filters: [try TopicFilter("kimchi.vms")], since: 0, limit: 10)
        #expect(read.notifications.map { $0.data["n"]?.int } == [1, 2])
        await second.close()

        let other = try SQLiteHistoryStore(path: folder.path + "/other.sqlite")
        #expect(other.epoch != epoch, "a new database is a new history")
        #expect(other.head == 0)
        await other.close()
    }

    @Test func appendsArrivingDuringACommitShareTheNextOne() async throws {
        let folder = TempFolder()
        let store = try SQLiteHistoryStore(path: folder.path + "/h.sqlite")
        store.setWriterPaused(true)
        let tasks = (0..<50).map { n in Task { try await store.append([pending("kimchi.vms", Int64(n))]) } }
        while store.queuedJobs < 50 { try await Task.sleep(for: .milliseconds(5)) }
        store.setWriterPaused(false)
        var ids: [UInt64] = []
        for task in tasks { ids += try await task.value.map(\.id) }
        #expect(ids.sorted() == Array(1...50))
        #expect(store.commitCount == 1, "50 queued appends are one transaction (one fsync)")
        await store.close()
    }

    @Test func aFullDatabaseRefusesAppendsClearlyAndKeepsServingReads() async throws {
        let folder = TempFolder()
        var configuration = SQLiteHistoryConfiguration()
        configuration.maxDatabaseBytes = 64 * 1024
        configuration.synchronous = .normal
        let store = try SQLiteHistoryStore(path: folder.path + "/h.sqlite", configuration: configuration)
        let big = JSON.string(String(repeating: "x", count: 2_000))
        var stored = 0
        var failure: HistoryError?
        for _ in 0..<200 {
            do {
                _ = try await store.append([PendingNotification(topic: try Topic("kimchi.vms"), data: big, time: .now())])
                stored += 1
            } catch {
                failure = error as? HistoryError
                break
            }
        }
        let error = try #require(failure, "a 64 KiB database fills up")
        #expect(error.message.contains("full"))
        #expect(store.head == UInt64(stored), "a refused append stores nothing")
        let read = try await store.read(filters: [try TopicFilter("kimchi.vms")], since: 0, limit: 1_000)
        #expect(read.notifications.count == stored, "reads keep working")
        // Retention frees pages; appends work again.
        _ = try await store.trim(RetentionRules(defaultRetention: Retention(count: 2)), now: .now())
        let after = try await store.append([pending("kimchi.vms")])
        #expect(after[0].id == UInt64(stored) + 1)
        await store.close()
    }

    @Test func aReadOnlyFileRefusesAppendsClearlyAndKeepsServingReads() async throws {
        let folder = TempFolder()
        let path = folder.path + "/h.sqlite"
        let writable = try SQLiteHistoryStore(path: path)
        _ = try await writable.append([pending("kimchi.vms", 7)])
        await writable.close()
        try makeReadOnly(path)
        defer { makeWritable(path) }

        let store = try SQLiteHistoryStore(path: path)
        #expect(store.head == 1)
        await #expect {
            try await store.append([pending("kimchi.vms")])
        } throws: { error in
            (error as? HistoryError)?.message.contains("read-only") == true
        }
        let read = try await store.read(filters: [try TopicFilter("kimchi.vms")], since: 0, limit: 10)
        #expect(read.notifications.map { $0.data["n"]?.int } == [7])
        await store.close()
    }

    @Test func aFileThatIsNotADatabaseIsRefused() throws {
        let folder = TempFolder()
        let path = folder.path + "/h.sqlite"
        try Data("this is not sqlite, just text long enough to have a header................".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: HistoryError.self) { try SQLiteHistoryStore(path: path) }
    }
}

/// Makes `path` unwritable even for root (`chattr +i`), or by permissions for other users.
func makeReadOnly(_ path: String) throws {
    if geteuid() == 0 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = ["+i", path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteNoPermission) }
    } else {
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
    }
}

func makeWritable(_ path: String) {
    if geteuid() == 0 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = ["-i", path]
        try? process.run()
        process.waitUntilExit()
    } else {
        try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
    }
}
