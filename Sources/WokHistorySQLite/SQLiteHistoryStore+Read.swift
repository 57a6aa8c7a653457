import Foundation
import WokJSON
import WokRouterCore

extension SQLiteHistoryStore {
    public func read(filters: [TopicFilter], since: UInt64, limit: Int) async throws(HistoryError) -> HistoryRead {
        if isClosed { throw .closed }
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<HistoryRead, HistoryError>, Never>) in
            readQueue.async { [self] in
                continuation.resume(returning: Result { () throws(HistoryError) -> HistoryRead in
                    try readNow(filters: filters, since: since, limit: limit)
                })
            }
        }
        return try result.get()
    }

    /// On the read queue: one read transaction, so the head, the trims and the rows agree.
    private func readNow(filters: [TopicFilter], since: UInt64, limit: Int) throws(HistoryError) -> HistoryRead {
        try reader.execute("BEGIN")
        defer { try? reader.execute("COMMIT") }
        let headRow = try reader.prepare("SELECT value FROM meta WHERE key = 'head'")
        try headRow.bind([])
        let head = try headRow.step() ? UInt64(max(0, headRow.int(0))) : 0

        let trims = try reader.prepare("SELECT topic FROM trims WHERE through > ?")
        try trims.bind([.integer(Int64(clamping: since))])
        var complete = true
        while try trims.step() {
            let topic = trims.text(0)
            if filters.contains(where: { $0.matches(topicName: topic) }) { complete = false; break }
        }

        var found: [WokNotification] = []
        guard limit > 0, !filters.isEmpty else { return HistoryRead(notifications: [], head: head, complete: complete) }
        let (condition, binds) = Self.sqlCondition(for: filters)
        let rows = try reader.prepare("SELECT id, topic, time_ms, data FROM notifications WHERE id > ? AND (\(condition)) ORDER BY id")
        try rows.bind([.integer(Int64(clamping: since))] + binds)
        while found.count < limit, try rows.step() {
            let name = rows.text(1)
            guard filters.contains(where: { $0.matches(topicName: name) }), let topic = try? Topic(name) else { continue }
            let data: JSON
            do {
                data = try rows.withBytes(3) { bytes throws(JSONParseError) in try JSON.parse(bytes) }
            } catch {
                throw .corrupt("\(path): notification \(rows.int(0)) holds data that is not JSON")
            }
            found.append(WokNotification(id: UInt64(rows.int(0)), topic: topic, time: NotificationTime(millisecondsSince1970: rows.int(2)),
                                      data: data, epoch: epoch))
        }
        return HistoryRead(notifications: found, head: head, complete: complete)
    }

    /// A WHERE condition narrowing rows to the filters' literal prefixes (the exact match is
    /// checked in Swift): `topic = ?` for exact filters, a range for `kimchi.*`-like ones.
    static func sqlCondition(for filters: [TopicFilter]) -> (String, [SQLiteValue]) {
        var terms: [String] = []
        var binds: [SQLiteValue] = []
        for filter in filters {
            var prefix: [String] = []
            for segment in filter.segments {
                guard case .literal(let name) = segment else { break }
                prefix.append(name)
            }
            if prefix.count == filter.segments.count {
                terms.append("topic = ?")
                binds.append(.text(filter.text))
            } else if prefix.isEmpty {
                return ("1", [])
            } else {
                // Every topic starting "a.b." sorts in ["a.b.", "a.b/") ('/' follows '.').
                let start = prefix.joined(separator: ".") + "."
                terms.append("(topic >= ? AND topic < ?)")
                binds.append(.text(start))
                binds.append(.text(String(start.dropLast()) + "/"))
            }
        }
        return (terms.joined(separator: " OR "), binds)
    }
}
