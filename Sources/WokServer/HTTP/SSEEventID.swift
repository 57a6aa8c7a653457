/// The `id:` of a notification event on `GET /events`, and the `Last-Event-ID` that resumes after
/// it: `<epoch>:<id>` (`153e9a2ff49f:42`).
///
/// An event source resends the last id it saw, and nothing else, when it reconnects (to the URL it
/// was first given), so the id carries the epoch: a resume then counts in the history it was read
/// from. A bare id, without the epoch, counted in whatever history the router holds after a wipe
/// or an in-memory restart, where its notifications are other ones: the resume skipped them, or
/// every later reconnect was told `recovered: false` when the URL's `epoch=` was the old one.
/// A bare decimal id is still read (in the URL's `epoch=`, or the current history).
enum SSEEventID {
    /// The event id of notification `id` of history `epoch`.
    static func text(epoch: String, id: UInt64) -> String { "\(epoch):\(id)" }

    /// The epoch (nil for a bare id) and id of a `Last-Event-ID`, or nil when it is neither form.
    /// The id is decimal digits, at most 2^64 - 1; the epoch is non-empty, without spaces or colons.
    static func parse(_ value: String) -> (epoch: String?, id: UInt64)? {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let digits = parts.last, !digits.isEmpty,
              digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let id = UInt64(digits) else { return nil }
        guard parts.count == 2 else { return (nil, id) }
        let epoch = parts[0]
        guard !epoch.isEmpty, epoch.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return (String(epoch), id)
    }
}
