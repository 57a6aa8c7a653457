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

    /// A store in chunks of 7 holding 40 `kimchi.vms` notifications, then 12 `wok.userlog` ones.
    private func twoTopics(_ folder: TempFolder) async throws -> SQLiteHistoryStore {
        let store = try store(folder, chunk: 7)
        _ = try await store.append((1...40).map { pending("kimchi.vms", $0) })
        _ = try await store.append((1...12).map { pending("wok.userlog", $0) })
        return store
    }

    @Test func aPassLargerThanAChunkDeletesEverythingItShould() async throws {
        let folder = TempFolder()
        let store = try await twoTopics(folder)
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

    /// The topic list (`SELECT DISTINCT topic`, a read of the whole topic index) and the count
    /// cutoffs are read by a pass's first chunk and reused by the others.
    @Test func aPassReadsItsTopicsOnceHoweverManyChunksItTakes() async throws {
        let folder = TempFolder()
        let store = try await twoTopics(folder)
        let rules = RetentionRules(defaultRetention: Retention(count: 3))
        #expect(try await store.trim(rules, now: .now()) == 37 + 9)
        #expect(store.trimChunkCount == 7, "46 deletions in chunks of 7")
        #expect(store.trimPlanCount == 1, "one topic list for the whole pass")
        #expect(try await store.read(filters: [try TopicFilter("wok.userlog")], since: 0, limit: 100).notifications.map(\.id) == [50, 51, 52])
        #expect(try await store.trim(rules, now: .now()) == 0)
        #expect(store.trimPlanCount == 2, "and one for the next pass")
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

    /// Appends one notification at a time, each one queued by the previous one's completion (on
    /// the writer thread, so it is queued before the retention pass's next chunk), `count` in all.
    private final class AppendChain: @unchecked Sendable {
        private let store: SQLiteHistoryStore
        private let lock = NSLock()
        private var left: Int
        private var done: CheckedContinuation<Void, Never>?
        private var finished = false

        init(store: SQLiteHistoryStore, count: Int) {
            self.store = store
            left = count
        }

        func next() {
            lock.lock()
            left -= 1
            let more = left >= 0
            if !more { finished = true }
            let waiting = more ? nil : done
            lock.unlock()
            guard more else { waiting?.resume(); return }
            store.append([pending("kimchi.vms")]) { _ in self.next() }
        }

        func wait() async {
            await withCheckedContinuation { continuation in
                lock.lock()
                if finished {
                    lock.unlock()
                    continuation.resume()
                } else {
                    done = continuation
                    lock.unlock()
                }
            }
        }
    }

    @Test func aPassEndsWhileAppendsKeepArrivingBetweenItsChunks() async throws {
        let folder = TempFolder()
        let store = try store(folder, chunk: 1)
        _ = try await store.append((1...20).map { pending("kimchi.vms", $0) })
        store.setWriterPaused(true)
        let pass = Task { try await store.trim(RetentionRules(defaultRetention: Retention(count: 1)), now: .now()) }
        while store.queuedJobs < 1 { try await Task.sleep(for: .milliseconds(5)) }
        // Every chunk is followed by an append to the same topic, 300 of them: each pushes one
        // more notification past the bound. The pass deletes what the bound condemned when it
        // started (ids 1...19), one per chunk, and ends: recomputing the bound at every chunk, it
        // found 19 to delete every time and ran until the appends stopped (319 deleted).
        let chain = AppendChain(store: store, count: 300)
        chain.next()
        while store.queuedJobs < 2 { try await Task.sleep(for: .milliseconds(5)) }
        store.setWriterPaused(false)
        #expect(try await pass.value == 19)
        await chain.wait()
        // What the appends pushed past the bound is the next pass's.
        #expect(try await store.trim(RetentionRules(defaultRetention: Retention(count: 1)), now: .now()) == 300)
        #expect(try await store.read(filters: [try TopicFilter("kimchi.vms")], since: 0, limit: 10).notifications.map(\.id) == [320])
        await store.close()
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
