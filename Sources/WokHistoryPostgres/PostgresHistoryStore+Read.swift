import Logging
import PostgresNIO
import WokJSON
import WokRouterCore

extension PostgresHistoryStore {
    /// Reads on the reader connection. `head` is the committed head read from the database (it
    /// may be ahead of the ids this router has handed to its commit handler yet).
    public func read(filters: [TopicFilter], since: UInt64, limit: Int) async throws(HistoryError) -> HistoryRead {
        if isClosed { throw .closed }
        let (exact, patterns) = Self.sqlFilters(filters)
        let since = Int64(clamping: since)
        let epoch = epoch
        let logger = logger
        // Rows first, then head and trims: a trim committed in between makes `complete` false
        // (cautious), never true for rows that went missing.
        return try await readerConnection.run("reading history") { connection in
            var found: [WokNotification] = []
            if limit > 0, !filters.isEmpty {
                let rows = try await connection.query("""
                    SELECT id, topic, time_ms, data FROM wok_notifications
                    WHERE id > \(since) AND (topic = ANY(\(exact)::text[]) OR topic ~ ANY(\(patterns)::text[]))
                    ORDER BY id LIMIT \(Int64(limit))
                    """, logger: logger)
                found = try await Self.notifications(rows, epoch: epoch).filter { notification in
                    filters.contains { $0.matches(notification.topic) }
                }
            }
            var head: Int64 = 0
            var trimmed = false
            for try await (value, anyTrimmed) in try await connection.query("""
                SELECT (SELECT head FROM wok_history_meta), EXISTS (
                    SELECT 1 FROM wok_history_trims
                    WHERE through > \(since) AND (topic = ANY(\(exact)::text[]) OR topic ~ ANY(\(patterns)::text[])))
                """, logger: logger).decode((Int64, Bool).self) {
                head = value
                trimmed = anyTrimmed
            }
            return HistoryRead(notifications: found, head: UInt64(max(0, head)), complete: !trimmed)
        }
    }

    /// Deletes what `rules` no longer keep (for every router: the history is shared), in one statement (one transaction), and remembers per
    /// topic the highest id deleted. Also deletes the commit tokens older than `commitRecordSeconds`.
    public func trim(_ rules: RetentionRules, now: NotificationTime) async throws(HistoryError) -> Int {
        if isClosed { throw .closed }
        let nowMs = now.millisecondsSince1970
        func keep(_ retention: Retention) -> Int64 { retention.count.map(Int64.init) ?? Int64.max }
        func oldest(_ retention: Retention) -> Int64 { retention.maxAgeSeconds.map { nowMs - $0 * 1000 } ?? Int64.min }
        let overrides = rules.perTopic.sorted { $0.key < $1.key }
        let topics = overrides.map(\.key)
        let keeps = overrides.map { keep($0.value) }
        let oldests = overrides.map { oldest($0.value) }
        let defaultKeep = keep(rules.defaultRetention)
        let defaultOldest = oldest(rules.defaultRetention)
        let logger = logger
        let recordSeconds = configuration.commitRecordSeconds
        return try await readerConnection.run("trimming history") { connection in
            try await connection.query(Self.deleteOldCommits(olderThan: recordSeconds), logger: logger)
            var deleted: Int64 = 0
            for try await count in try await connection.query("""
                WITH rules AS (
                    SELECT * FROM unnest(\(topics)::text[], \(keeps)::bigint[], \(oldests)::bigint[]) AS r(topic, keep, oldest)
                ), ranked AS (
                    SELECT n.id, n.topic, n.time_ms, row_number() OVER (PARTITION BY n.topic ORDER BY n.id DESC) AS rank
                    FROM wok_notifications n
                ), doomed AS (
                    SELECT ranked.id FROM ranked LEFT JOIN rules ON rules.topic = ranked.topic
                    WHERE ranked.rank > COALESCE(rules.keep, \(defaultKeep)) OR ranked.time_ms < COALESCE(rules.oldest, \(defaultOldest))
                ), deleted AS (
                    DELETE FROM wok_notifications n USING doomed WHERE n.id = doomed.id RETURNING n.id, n.topic
                ), remembered AS (
                    INSERT INTO wok_history_trims(topic, through) SELECT topic, max(id) FROM deleted GROUP BY topic
                    ON CONFLICT (topic) DO UPDATE SET through = GREATEST(wok_history_trims.through, excluded.through)
                )
                SELECT count(*) FROM deleted
                """, logger: logger).decode(Int64.self) {
                deleted = count
            }
            return Int(deleted)
        }
    }

    /// The rows with id in (`after`, `through`], in id order, at most `limit` (the dispatcher's
    /// catch-up read).
    static func rows(_ slot: PostgresConnectionSlot, after: UInt64, through: UInt64, limit: Int, epoch: String,
                     logger: Logger) async throws(HistoryError) -> [WokNotification] {
        try await slot.run("reading commits of other routers") { connection in
            let rows = try await connection.query("""
                SELECT id, topic, time_ms, data FROM wok_notifications
                WHERE id > \(Int64(clamping: after)) AND id <= \(Int64(clamping: through)) ORDER BY id LIMIT \(Int64(limit))
                """, logger: logger)
            return try await notifications(rows, epoch: epoch)
        }
    }

    /// The topics of which a row with id > `after` was trimmed (`wok_history_trims`).
    static func trimmedTopics(_ slot: PostgresConnectionSlot, after: UInt64, logger: Logger) async throws(HistoryError) -> Set<String> {
        try await slot.run("reading which topics were trimmed") { connection in
            var topics: Set<String> = []
            for try await topic in try await connection.query(
                "SELECT topic FROM wok_history_trims WHERE through > \(Int64(clamping: after))", logger: logger).decode(String.self) {
                topics.insert(topic)
            }
            return topics
        }
    }

    /// The notifications of rows selected as `id, topic, time_ms, data`, in their order.
    static func notifications(_ rows: PostgresRowSequence, epoch: String) async throws -> [WokNotification] {
        var found: [WokNotification] = []
        for try await (id, name, time, data) in rows.decode((Int64, String, Int64, String).self) {
            found.append(try notification(id: id, topic: name, time: time, data: data, epoch: epoch))
        }
        return found
    }

    /// A stored row as a notification.
    /// - Throws: `HistoryError.corrupt` when the row is not what this engine writes.
    static func notification(id: Int64, topic name: String, time: Int64, data: String, epoch: String) throws(HistoryError) -> WokNotification {
        guard id > 0, let topic = try? Topic(name) else {
            throw .corrupt("PostgreSQL: notification \(id) has an invalid id or topic \"\(name)\"")
        }
        let json: JSON
        do {
            json = try JSON.parse(data)
        } catch {
            throw .corrupt("PostgreSQL: notification \(id) holds data that is not JSON")
        }
        return WokNotification(id: UInt64(id), topic: topic, time: NotificationTime(millisecondsSince1970: time), data: json, epoch: epoch)
    }

    /// The filters as SQL: exact topics for `topic = ANY(...)`, the others as anchored POSIX
    /// regular expressions for `topic ~ ANY(...)` (`*` one segment, `>` one or more). Segments
    /// hold only `[a-z0-9_-]`, which need no escaping.
    static func sqlFilters(_ filters: [TopicFilter]) -> (exact: [String], patterns: [String]) {
        var exact: [String] = []
        var patterns: [String] = []
        for filter in filters {
            if filter.isExact {
                exact.append(filter.text)
                continue
            }
            let parts = filter.segments.map { segment -> String in
                switch segment {
                case .literal(let name): name
                case .any: "[^.]+"
                case .rest: ".+"
                }
            }
            patterns.append("^" + parts.joined(separator: "\\.") + "$")
        }
        return (exact, patterns)
    }
}
