/// How many connections the router's file descriptors allow: the soft `RLIMIT_NOFILE`, less the
/// descriptors already open at start (event loops, store, listeners), less `descriptor_reserve`,
/// less ``acceptSlack``, is what TCP connections (`max_connections`) and refusals in progress
/// (`max_refusals`) may hold.
///
/// The reserve is never given to connections: the store (SQLite temporary files, PostgreSQL
/// reconnections), the schema-tree scans, public files, connections accepted past
/// `max_refusals` before they are closed, the UNIX socket's publishers, and libdispatch (which
/// crashes the process when it cannot open `/proc/<tid>/stat` to check its worker threads) take
/// theirs from it. When the configured bounds do not fit, they are lowered: connections come
/// first, refusals keep a sixteenth of the room (at least one) and take what connections leave.
struct DescriptorBudget: Equatable {
    /// The effective `max_connections`.
    let maxConnections: Int
    /// The effective `max_refusals`.
    let maxRefusals: Int
    /// Descriptors left for connections and refusals.
    let available: Int
    /// The soft limit, the descriptors in use, the reserve it was computed from.
    let softLimit: Int, inUse: Int, reserve: Int
    /// The configured bounds.
    let configuredConnections: Int, configuredRefusals: Int

    /// The budget; nil when the limit leaves fewer than 2 descriptors (one connection, one
    /// refusal) above what is in use and the reserve.
    init?(softLimit: Int, inUse: Int, reserve: Int, maxConnections: Int, maxRefusals: Int) {
        self.softLimit = softLimit
        self.inUse = inUse
        self.reserve = reserve
        configuredConnections = maxConnections
        configuredRefusals = maxRefusals
        available = softLimit - inUse - reserve - Self.acceptSlack
        guard available >= 2 else { return nil }
        // Connections first; refusals keep a sixteenth of the room (at least one; max_refusals
        // when that is less), and take what connections leave, up to max_refusals.
        let keptForRefusals = Swift.min(maxRefusals, Swift.max(1, available / 16))
        self.maxConnections = Swift.min(maxConnections, available - keptForRefusals)
        self.maxRefusals = Swift.min(maxRefusals, available - self.maxConnections)
    }

    /// Descriptors set aside, besides the reserve, for connections accepted but not yet set up
    /// or closed: the listener's ``AcceptGate`` stops accepting at `maxConnections + maxRefusals
    /// + acceptSlack / 2`, and may accept a few more in the same read (NIO accepts up to 4).
    static let acceptSlack = 16

    /// The bound of the TCP listener's ``AcceptGate``.
    var acceptBound: Int { Self.sum(maxConnections, [maxRefusals, Self.acceptSlack / 2]) }

    /// The configured bounds were lowered to fit.
    var lowered: Bool { maxConnections < configuredConnections || maxRefusals < configuredRefusals }

    /// The soft limit that would let the configured bounds stand.
    var neededLimit: Int {
        Self.sum(configuredConnections, [configuredRefusals, inUse, reserve, Self.acceptSlack])
    }

    /// `first` plus `others`, at most `Int.max` (bounds may be configured that high).
    private static func sum(_ first: Int, _ others: [Int]) -> Int {
        others.reduce(first) { $0 > Int.max - $1 ? Int.max : $0 + $1 }
    }

    /// Why the bounds were lowered, with the numbers and how to raise the limit.
    var warning: String {
        "the file descriptor limit (ulimit -n) is \(softLimit): \(inUse) descriptors in use at start, "
            + "descriptor_reserve \(reserve) and \(Self.acceptSlack) kept for accepting leave \(available) for connections, "
            + "fewer than max_connections "
            + "\(configuredConnections) + max_refusals \(configuredRefusals); max_connections lowered to "
            + "\(maxConnections), max_refusals to \(maxRefusals). Raise the limit to at least \(neededLimit) "
            + "(ulimit -n, LimitNOFILE= in a systemd unit) or lower max_connections"
    }

    /// Why the router cannot start under `softLimit`.
    static func noRoom(softLimit: Int, inUse: Int, reserve: Int) -> String {
        "the file descriptor limit (ulimit -n) is \(softLimit): \(inUse) descriptors in use at start, "
            + "descriptor_reserve \(reserve) and \(acceptSlack) kept for accepting leave no room for connections; "
            + "raise it (ulimit -n, LimitNOFILE= in a systemd unit) or lower descriptor_reserve"
    }
}
