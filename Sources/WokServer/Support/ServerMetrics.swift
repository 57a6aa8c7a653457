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
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        queueDepth = Metrics.Gauge(label: "wok_router_push_queue_depth")
    }

    /// The metrics in Prometheus text format.
    func render() -> [UInt8] {
        var out: [UInt8] = []
        registry.emit(into: &out)
        return out
    }
}
