import Foundation
import Testing
import WokJSON
@testable import WokHistorySQLite
import WokRouterCore

/// Retention passes of the SQLite store delete in chunks (`trimChunk` per transaction), so that
/// appends queued during a large pass commit between its chunks.
@Suite struct SQLiteTrimChunkTests {
    private func store(_ folder: TempFolder, chunk: Int) throws -> SQLiteHistoryStore {
        var configuration = SQLiteHistoryConfiguration()
        configuration.synchronous = .normal
        configuration.trimChunk = chunk
        return try SQLiteHistoryStore(path: folder.path + "/h.sqlite", configuration: configuration)
    }

    @Test func aPassLargerThanAChunkDeletesEverythingItShould() async throws {
        let folder = TempFolder()
        let store = try store(folder, chunk: 7)
        _ = try await store.append((1...40).map { pending("kimchi.vms", $0) })
        _ = try await store.append((1...12).map { pending("wok.userlog", $0) })
        let rules = RetentionRules(defaultRetention: Retention(count: 3))
        #expect(try await store.trim(rules, now: .now()) == 37 + 9)
        let vms = try await store.read(filters: [try TopicFilter("kimchi.vms")], since: 0, limit: 100)
        #expect(vms.notifications.map(\.id) == [38, 39, 40])
        #expect(!vms.complete)
        #expect(try await store.read(filters: [try TopicFilter("kimchi.vms")], since: 37, limit: 100).complete,
                "the trims table holds the highest id deleted over every chunk")
        #expect(try await store.read(filters: [try TopicFilter("wok.userlog")], since: 0, limit: 100).notifications.map(\.id) == [50, 51, 52])
        #expect(try await store.trim(rules, now: .now()) == 0)
        await store.close()
    }

    @Test func aPassOfExactlyOneChunkEndsInOneGo() async throws {
        let folder = TempFolder()
        let store = try store(folder, chunk: 5)
        _ = try await store.append((1...8).map { pending("kimchi.vms", $0) })
        #expect(try await store.trim(RetentionRules(defaultRetention: Retention(count: 3)), now: .now()) == 5)
        #expect(try await store.read(filters: [try TopicFilter("kimchi.vms")], since: 0, limit: 100).notifications.map(\.id) == [6, 7, 8])
        await store.close()
    }

    /// Runs a retention pass deleting 90 notifications with an append queued right behind it.
    /// - Returns: the retention transactions committed when the append committed (read on the
    ///   writer thread, in the append's completion), and in all.
    private func appendDuringALargePass(chunk: Int) async throws -> (atAppend: Int, total: Int) {
        let folder = TempFolder()
        let store = try store(folder, chunk: chunk)
        _ = try await store.append((1...100).map { pending("kimchi.vms", $0) })
        store.setWriterPaused(true)
        let pass = Task { try await store.trim(RetentionRules(defaultRetention: Retention(count: 10)), now: .now()) }
        while store.queuedJobs < 1 { try await Task.sleep(for: .milliseconds(5)) }
        let appended = AsyncStream.makeStream(of: Int.self)
        store.append([pending("wok.userlog")]) { _ in
            appended.continuation.yield(store.trimChunkCount)
            appended.continuation.finish()
        }
        while store.queuedJobs < 2 { try await Task.sleep(for: .milliseconds(5)) }
        store.setWriterPaused(false)
        #expect(try await pass.value == 90)
        var atAppend = -1
        for await count in appended.stream { atAppend = count }
        let total = store.trimChunkCount
        await store.close()
        return (atAppend, total)
    }

    @Test func anAppendQueuedDuringALargePassCommitsBetweenItsChunks() async throws {
        let chunked = try await appendDuringALargePass(chunk: 20)
        #expect(chunked.total == 5, "90 deletions in chunks of 20")
        #expect(chunked.atAppend == 1, "the append committed right after the first chunk")
        // The same queue with a chunk larger than the pass: the pass runs whole, then the append.
        let whole = try await appendDuringALargePass(chunk: 1_000)
        #expect(whole.total == 1 && whole.atAppend == 1)
    }

    @Test func closingDuringAPassEndsItWithWhatItDeleted() async throws {
        let folder = TempFolder()
        let store = try store(folder, chunk: 10)
        _ = try await store.append((1...50).map { pending("kimchi.vms", $0) })
        store.setWriterPaused(true)
        let pass = Task { try await store.trim(RetentionRules(defaultRetention: Retention(count: 5)), now: .now()) }
        while store.queuedJobs < 1 { try await Task.sleep(for: .milliseconds(5)) }
        let closing = Task { await store.close() }
        while store.queuedJobs < 2 { try await Task.sleep(for: .milliseconds(5)) }
        store.setWriterPaused(false)
        let deleted = try await pass.value
        await closing.value
        #expect(deleted == 10, "one chunk ran before the close; the pass answered instead of hanging")
    }
}
