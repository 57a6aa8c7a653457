import Metrics
import NIOConcurrencyHelpers

/// Counts open push, SSE and long-poll connections against `max_connections` and publishes the
/// `wok_router_connections{transport}` gauge.
package final class ConnectionGauge: Sendable {
    /// A kind of subscriber connection.
    package enum Transport: String, Sendable, CaseIterable {
        case websocket, sse, longpoll
    }

    private let counts = NIOLockedValueBox([Transport: Int]())
    private let gauges: [Transport: Gauge]
    /// The bound over all transports.
    package let max: Int

    package init(max: Int) {
        self.max = max
        var gauges: [Transport: Gauge] = [:]
        for t in Transport.allCases {
            gauges[t] = Gauge(label: "wok_router_connections", dimensions: [("transport", t.rawValue)])
            gauges[t]?.record(0)
        }
        self.gauges = gauges
    }

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
