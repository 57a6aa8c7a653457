import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The process's file descriptor limit (`RLIMIT_NOFILE`) and the descriptors it has open.
enum DescriptorLimit {
    /// Raises the soft limit to the hard one when it is lower (always allowed). Returns the soft
    /// limit in force, and the one before when it was raised; nil when the limit cannot be read.
    static func raiseSoftLimit() -> (soft: Int, raisedFrom: Int?)? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        let before = limit.rlim_cur
        // RLIM_INFINITY has no meaning as a count: leave such a limit as it is.
        guard limit.rlim_cur < limit.rlim_max, limit.rlim_max != Self.infinity else {
            return (count(limit.rlim_cur), nil)
        }
        limit.rlim_cur = limit.rlim_max
        guard setrlimit(resource, &limit) == 0 else { return (count(before), nil) }
        return (count(limit.rlim_cur), count(before))
    }

    /// Descriptors open in this process (Linux: the entries of `/proc/self/fd`, less the one
    /// listing them); nil when that cannot be read.
    static func openDescriptors() -> Int? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return nil }
        return Swift.max(entries.count - 1, 0)
    }

    /// Raises the soft limit (logged), then fits `max_connections` and `max_refusals` under it
    /// (``DescriptorBudget``; a warning when they are lowered). Call it once the event loops and
    /// the store are open: what is open then counts as in use, with the listeners still to bind.
    /// - Throws: ``ConfigurationError`` when the limit leaves no room for connections.
    static func budget(for configuration: WokServerConfiguration, logger: Logger) throws(ConfigurationError) -> DescriptorBudget {
        let reserve = configuration.descriptorReserve
        let connections = configuration.maxConnections, refusals = configuration.maxRefusals
        guard let (soft, raisedFrom) = raiseSoftLimit() else {
            logger.warning("cannot read the file descriptor limit (getrlimit): max_connections and max_refusals are not checked against it")
            return DescriptorBudget(softLimit: Int.max, inUse: 0, reserve: reserve, maxConnections: connections, maxRefusals: refusals)!
        }
        if let raisedFrom { logger.info("file descriptor limit raised from \(raisedFrom) to the hard limit \(soft)") }
        let listeners = configuration.unixSocket == nil ? 1 : 2
        let inUse = (openDescriptors() ?? 0) + listeners + openedAfterStart
        guard let budget = DescriptorBudget(softLimit: soft, inUse: inUse, reserve: reserve,
                                            maxConnections: connections, maxRefusals: refusals) else {
            throw .invalid(DescriptorBudget.noRoom(softLimit: soft, inUse: inUse, reserve: reserve))
        }
        if budget.lowered { logger.warning("\(budget.warning)") }
        return budget
    }

    /// Descriptors opened once the service group runs, besides the listeners (measured): a
    /// signalfd for each graceful shutdown signal (SIGTERM, SIGINT) and libdispatch's timerfd.
    static let openedAfterStart = 3

    private static func count(_ value: rlim_t) -> Int {
        value == Self.infinity || value > rlim_t(Int.max) ? Int.max : Int(value)
    }

    /// `RLIM_INFINITY` (all bits set), which Swift imports as the literal -1.
    private static let infinity = rlim_t.max

    #if canImport(Glibc)
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resource = RLIMIT_NOFILE
    #endif
}
