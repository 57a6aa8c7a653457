import Metrics
import NIOConcurrencyHelpers

/// Counts connections against `max_connections`, two ways, and publishes their gauges:
///
/// - every connection accepted on the TCP listener, whatever it becomes (push, SSE, long-poll,
///   plain HTTP, or nothing yet): ``admitConnection()`` when it is accepted (past the bound it is
///   refused), ``connectionClosed()`` when it closes; `wok_router_open_connections`. The refusals
///   in progress are bounded too (``startRefusal()``, ``refusalEnded()``, `maxRefusals`), so that
///   the descriptors in use stay below `max + maxRefusals` whatever clients do. Connections of the
///   trusted UNIX socket are not counted here, so TCP clients cannot starve the publishers;
/// - push, SSE and long-poll connections on both listeners: ``acquire(_:)`` and ``release(_:)``;
///   `wok_router_connections{transport}`.
package final class ConnectionGauge: Sendable {
    /// A kind of subscriber connection.
    package enum Transport: String, Sendable, CaseIterable {
        case websocket, sse, longpoll
    }

    private let counts = NIOLockedValueBox([Transport: Int]())
    private let gauges: [Transport: Gauge]
    private let open = NIOLockedValueBox(0)
    private let openGauge = Gauge(label: "wok_router_open_connections")
    private let refusing = NIOLockedValueBox(0)
    /// The bound over all transports.
    package let max: Int
    /// The bound on TCP connections being refused (answered 503) at once.
    package let maxRefusals: Int

    package init(max: Int, maxRefusals: Int = 1000) {
        self.max = max
        self.maxRefusals = maxRefusals
        var gauges: [Transport: Gauge] = [:]
        for t in Transport.allCases {
            gauges[t] = Gauge(label: "wok_router_connections", dimensions: [("transport", t.rawValue)])
            gauges[t]?.record(0)
        }
        self.gauges = gauges
        openGauge.record(0)
    }

    /// Counts a connection accepted on the TCP listener; false (nothing counted) when `max` are open.
    package func admitConnection() -> Bool {
        let now = open.withLockedValue { open -> Int? in
            if open >= max { return nil }
            open += 1
            return open
        }
        guard let now else { return false }
        openGauge.record(now)
        return true
    }

    /// A connection ``admitConnection()`` counted has closed.
    package func connectionClosed() {
        openGauge.record(open.withLockedValue { open in
            open -= 1
            return open
        })
    }

    /// Counts a TCP connection ``admitConnection()`` refused, while it is answered 503; false
    /// (nothing counted) when `maxRefusals` are in progress: it must be closed at once.
    package func startRefusal() -> Bool {
        refusing.withLockedValue { refusing in
            if refusing >= maxRefusals { return false }
            refusing += 1
            return true
        }
    }

    /// A refusal ``startRefusal()`` counted has ended (its connection closed).
    package func refusalEnded() {
        refusing.withLockedValue { $0 -= 1 }
    }

    /// TCP connections being refused.
    package var refusals: Int { refusing.withLockedValue { $0 } }

    /// Connections open on the TCP listener.
    package var openConnections: Int { open.withLockedValue { $0 } }

    /// Takes a slot; false when `max` connections are open.
    package func acquire(_ t: Transport) -> Bool {
        let now = counts.withLockedValue { counts -> Int? in
            if counts.values.reduce(0, +) >= max { return nil }
            counts[t, default: 0] += 1
            return counts[t]
        }
        guard let now else { return false }
        gauges[t]?.record(now)
        return true
    }

    /// Gives a slot back.
    package func release(_ t: Transport) {
        let now = counts.withLockedValue { counts -> Int in
            counts[t, default: 0] -= 1
            return counts[t]!
        }
        gauges[t]?.record(now)
    }

    /// Open connections of transport `t`.
    package func count(_ t: Transport) -> Int { counts.withLockedValue { $0[t, default: 0] } }
}
