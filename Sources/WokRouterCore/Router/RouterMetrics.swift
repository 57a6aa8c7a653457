import CoreMetrics
import Metrics

/// The router's metrics (swift-metrics facade; the server bootstraps a backend).
final class RouterMetrics: Sendable {
    private let publishedByTopic = Locked<[String: Counter]>([:])
    private let refusedByReason = Locked<[String: Counter]>([:])
    private let deliveredTotal = Counter(label: "wok_router_delivered_total")
    private let subscriptionsGauge = Gauge(label: "wok_router_subscriptions")
    private let subscribersGauge = Gauge(label: "wok_router_subscribers")
    private let validationTimer = Timer(label: "wok_router_validation_seconds")
    private let gapClosedTotal = Counter(label: "wok_router_history_gap_closed_total")

    /// Subscribers closed because the store skipped notifications they may match (`HistoryGap`).
    func gapClosed(_ count: Int) { if count > 0 { gapClosedTotal.increment(by: count) } }
    func delivered(_ count: Int) { if count > 0 { deliveredTotal.increment(by: count) } }
    func validation(nanoseconds: Int64) { validationTimer.recordNanoseconds(nanoseconds) }
    /// Records the filters held and subscribers registered.
    func held(subscriptions: Int, subscribers: Int) {
        subscriptionsGauge.record(subscriptions)
        subscribersGauge.record(subscribers)
    }

    func published(_ topic: String, count: Int = 1) {
        let counter = publishedByTopic.withLock { counters in
            if let counter = counters[topic] { return counter }
            let counter = Counter(label: "wok_router_published_total", dimensions: [("topic", topic)])
            counters[topic] = counter
            return counter
        }
        counter.increment(by: count)
    }

    func refused(_ reason: RouterError.Code) {
        let counter = refusedByReason.withLock { counters in
            if let counter = counters[reason.rawValue] { return counter }
            let counter = Counter(label: "wok_router_refused_total", dimensions: [("reason", reason.rawValue)])
            counters[reason.rawValue] = counter
            return counter
        }
        counter.increment()
    }
}
