import Metrics
import NIOConcurrencyHelpers
import Prometheus

/// The Prometheus registry behind `/metrics`. swift-metrics is bootstrapped once per process
/// (tests start many servers in one process: they share it).
package final class ServerMetrics: Sendable {
    /// The process-wide instance.
    package static let shared = ServerMetrics()

    let registry = PrometheusCollectorRegistry()
    let queueDepth: Metrics.Gauge

    private init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        // Validation and publish times are microseconds to milliseconds, not seconds.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(10), .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
            .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .seconds(1),
        ]
        MetricsSystem.bootstrap(factory)
        queueDepth = Metrics.Gauge(label: "wok_router_push_queue_depth")
    }

    /// The metrics in Prometheus text format.
    func render() -> [UInt8] {
        var out: [UInt8] = []
        registry.emit(into: &out)
        return out
    }
}
