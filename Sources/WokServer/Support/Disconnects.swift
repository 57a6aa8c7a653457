import Metrics

/// The `wok_router_disconnects_total{reason}` counter.
enum Disconnects {
    static func count(_ reason: String) {
        Counter(label: "wok_router_disconnects_total", dimensions: [("reason", reason)]).increment()
    }
}
