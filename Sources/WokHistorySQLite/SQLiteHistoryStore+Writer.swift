import CoreMetrics
import Foundation
import Logging
import WokJSON
import WokRouterCore

extension SQLiteHistoryStore {
    /// The writer thread: takes every job queued while the previous commit ran and writes all of
    /// its appends in one transaction (group commit), then hands them to the commit handler in
    /// id order and resumes their publishers.
    func runWriter() {
        let writing = writeRefusal == nil
        let insert = writing ? try? writer.prepare("INSERT INTO notifications(id, topic, time_ms, data) VALUES (?, ?, ?, ?)") : nil
        let setHead = writing ? try? writer.prepare("UPDATE meta SET value = ? WHERE key = 'head'") : nil
        while true {
            condition.lock()
            while shared.jobs.isEmpty || shared.paused { condition.wait() }
            let jobs = shared.jobs
            shared.jobs = []
            let handler = shared.handler
            condition.unlock()
            queueDepth.record(0)

            var group: [([PendingNotification], @Sendable (Result<[WokNotification], HistoryError>) -> Void)] = []
            var groupSize = 0
            func flush() {
                guard !group.isEmpty else { return }
                commit(group, insert: insert, setHead: setHead, handler: handler)
                group = []
                groupSize = 0
            }
            for job in jobs {
                switch job {
                case .append(let items, let completion):
                    if groupSize + items.count > configuration.maxBatch { flush() }
                    group.append((items, completion))
                    groupSize += items.count
                case .trim(var pass):
                    flush()
                    do throws(HistoryError) {
                        let (deleted, finished) = try trimChunk(
                            pass.rules, now: pass.now, limit: max(1, configuration.trimChunk), plan: &pass.plan)
                        pass.deleted += deleted
                        if finished {
                            pass.continuation.resume(returning: .success(pass.deleted))
                        } else {
                            requeue(pass)
                        }
                    } catch {
                        pass.continuation.resume(returning: .failure(error))
                    }
                case .close(let continuation):
                    flush()
                    continuation.resume()
                    return
                }
            }
            flush()
        }
    }

    /// Writes a group of appends as one transaction; when that fails, retries each append alone
    /// so that one failure (say, a full disk hit by the last one) fails only its own publisher.
    private func commit(_ group: [([PendingNotification], @Sendable (Result<[WokNotification], HistoryError>) -> Void)],
                        insert: SQLiteStatement?, setHead: SQLiteStatement?, handler: (@Sendable ([WokNotification]) -> Void)?) {
        guard let insert, let setHead else {
            for (_, completion) in group { completion(.failure(.unavailable("\(path): cannot prepare statements"))) }
            return
        }
        switch write(group.map(\.0), insert: insert, setHead: setHead) {
        case .success(let stored):
            let all = stored.flatMap { $0 }
            handler?(all)
            for ((_, completion), notifications) in zip(group, stored) { completion(.success(notifications)) }
        case .failure(let error) where group.count == 1:
            logger.error("append failed: \(error)")
            group[0].1(.failure(error))
        case .failure:
            for member in group { commit([member], insert: insert, setHead: setHead, handler: handler) }
        }
    }

    /// One transaction: numbers and inserts every batch, moves the head. Nothing changes on failure.
    private func write(_ batches: [[PendingNotification]], insert: SQLiteStatement, setHead: SQLiteStatement)
        -> Result<[[WokNotification]], HistoryError> {
        var next = head
        do throws(HistoryError) {
            try writer.execute("BEGIN IMMEDIATE")
            var stored: [[WokNotification]] = []
            for batch in batches {
                var notifications: [WokNotification] = []
                notifications.reserveCapacity(batch.count)
                for item in batch {
                    next += 1
                    try insert.bind([.integer(Int64(next)), .text(item.topic.name), .integer(item.time.millisecondsSince1970),
                                     .blob(item.serializedData)])
                    _ = try insert.step()
                    notifications.append(WokNotification(id: next, topic: item.topic, time: item.time, data: item.data, epoch: epoch,
                                                         serializedData: item.serializedData))
                }
                stored.append(notifications)
            }
            try setHead.run([.integer(Int64(next))])
            try writer.execute("COMMIT")
            storeHead(next)
            condition.lock()
            shared.commits += 1
            condition.unlock()
            commitsTotal.increment()
            return .success(stored)
        } catch {
            try? writer.execute("ROLLBACK")
            return .failure(error)
        }
    }

    /// Applies retention in one transaction deleting at most `limit` notifications (the oldest
    /// first within each topic), remembering per topic the highest id deleted.
    ///
    /// A pass deletes what the rules condemned when it started: its first chunk makes the pass's
    /// `plan` (the topics stored then, and each one's count bound turned into an id), which the
    /// later chunks reuse, and the age bound counts back from the pass's `now`. So the rows a pass
    /// may delete are a set fixed at its start that every chunk shrinks: the pass ends however
    /// many appends commit between its chunks. What those appends push past a bound (a topic
    /// first stored during the pass included) is left to the next pass.
    /// - Returns: how many were deleted, and whether the pass is done (false: call again).
    func trimChunk(_ rules: RetentionRules, now: NotificationTime, limit: Int,
                   plan: inout TrimPass.Plan?) throws(HistoryError) -> (deleted: Int, finished: Bool) {
        try writer.execute("BEGIN IMMEDIATE")
        do throws(HistoryError) {
            var current: TrimPass.Plan
            if let plan {
                current = plan
            } else {
                current = try makeTrimPlan(rules)
            }
            let highest = try writer.prepare("""
                SELECT max(id), count(*) FROM notifications WHERE topic = ?1 AND (id <= ?2 OR time_ms < ?3)
                """)
            // The last id of the oldest `?4` deletable notifications of a topic: where a chunk stops.
            let chunkEnd = try writer.prepare("""
                SELECT id FROM notifications WHERE topic = ?1 AND (id <= ?2 OR time_ms < ?3) ORDER BY id LIMIT 1 OFFSET ?4
                """)
            let delete = try writer.prepare("""
                DELETE FROM notifications WHERE topic = ?1 AND id <= ?4 AND (id <= ?2 OR time_ms < ?3)
                """)
            let remember = try writer.prepare("""
                INSERT INTO trims(topic, through) VALUES (?1, ?2)
                ON CONFLICT(topic) DO UPDATE SET through = max(through, excluded.through)
                """)
            var deleted = 0
            var finished = true
            var done = 0  // topics at the front of the plan this chunk finished
            for name in current.topics {
                let retention = rules.retention(for: name)
                let throughID = current.countCutoffs[name] ?? 0
                let oldest = retention.maxAgeSeconds.map { now.millisecondsSince1970 - $0 * 1000 } ?? Int64.min
                try highest.bind([.text(name), .integer(throughID), .integer(oldest)])
                guard try highest.step(), !highest.isNull(0) else {
                    done += 1
                    continue
                }
                var maxDeleted = highest.int(0), count = Int(highest.int(1))
                let room = limit - deleted
                if room <= 0 { finished = false; break }
                if count > room {
                    try chunkEnd.bind([.text(name), .integer(throughID), .integer(oldest), .integer(Int64(room - 1))])
                    guard try chunkEnd.step() else {
                        done += 1
                        continue
                    }
                    maxDeleted = chunkEnd.int(0)
                    count = room
                    finished = false
                }
                try delete.run([.text(name), .integer(throughID), .integer(oldest), .integer(maxDeleted)])
                try remember.run([.text(name), .integer(maxDeleted)])
                deleted += count
                if !finished { break }
                done += 1
            }
            try writer.execute("COMMIT")
            current.topics.removeFirst(done)
            plan = current
            condition.lock()
            shared.trimChunks += 1
            condition.unlock()
            return (deleted, finished)
        } catch {
            try? writer.execute("ROLLBACK")
            throw error
        }
    }

    /// A pass's plan, read inside its first chunk's transaction (before anything is deleted):
    /// the topics stored, and the count cutoff of each one with a count bound.
    private func makeTrimPlan(_ rules: RetentionRules) throws(HistoryError) -> TrimPass.Plan {
        let topics = try writer.prepare("SELECT DISTINCT topic FROM notifications")
        try topics.bind([])
        var names: [String] = []
        while try topics.step() { names.append(topics.text(0)) }
        let cutoff = try writer.prepare("""
            SELECT id FROM notifications WHERE topic = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2
            """)
        var cutoffs: [String: Int64] = [:]
        for name in names {
            guard let count = rules.retention(for: name).count else { continue }
            try cutoff.bind([.text(name), .integer(Int64(count))])
            cutoffs[name] = try cutoff.step() ? cutoff.int(0) : 0
        }
        condition.lock()
        shared.trimPlans += 1
        condition.unlock()
        return TrimPass.Plan(topics: names, countCutoffs: cutoffs)
    }
}
