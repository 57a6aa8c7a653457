"""`GET /metrics`: Prometheus text with PROTOCOL section 5's series."""

import pytest

from harness import SSEClient, eventually, metric

pytestmark = pytest.mark.wok_router_only("Prometheus metrics")
METRICS_BUG = ("metrics created before MetricsSystem.bootstrap stay no-ops: WokRouterServer.init builds the Router "
               "(RouterMetrics: delivered_total, subscriptions) and ConnectionGauge before ServerMetrics.shared "
               "bootstraps Prometheus")


@pytest.mark.wok_router_bug(METRICS_BUG)
def test_metrics_is_prometheus_text_with_the_documented_series(server):
    server.publish_ok("itest.events", {"seq": 1})
    response = server.http("GET", "/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain"), response.headers
    text = response.text
    for name in ["wok_router_connections", "wok_router_subscriptions", "wok_router_published_total",
                 "wok_router_delivered_total", "wok_router_refused_total", "wok_router_disconnects_total"]:
        assert name in text, f"{name} missing from /metrics"


@pytest.mark.wok_router_bug(METRICS_BUG)
def test_connection_gauge_counts_websockets(server, client):
    before = metric(server, "wok_router_connections", transport="websocket")
    sockets = [client() for _ in range(3)]
    for ws in sockets:
        ws.ping()
    assert eventually(lambda: metric(server, "wok_router_connections", transport="websocket") == before + 3), \
        metric(server, "wok_router_connections", transport="websocket")
    for ws in sockets:
        ws.close()
    assert eventually(lambda: metric(server, "wok_router_connections", transport="websocket") == before), \
        metric(server, "wok_router_connections", transport="websocket")


@pytest.mark.wok_router_bug(METRICS_BUG)
def test_connection_gauge_counts_sse(server):
    before = metric(server, "wok_router_connections", transport="sse")
    sse = SSEClient(server, ["itest.events"])
    try:
        assert eventually(lambda: metric(server, "wok_router_connections", transport="sse") == before + 1)
    finally:
        sse.close()
    assert eventually(lambda: metric(server, "wok_router_connections", transport="sse") == before)


@pytest.mark.wok_router_bug(METRICS_BUG)
def test_subscriptions_gauge_counts_filters(server, client):
    before = metric(server, "wok_router_subscriptions")
    ws = client()
    ws.subscribe(["itest.events", "itest.vm.*", "itest.q.>"])
    assert eventually(lambda: metric(server, "wok_router_subscriptions") == before + 3)
    ws.request({"type": "unsubscribe", "topics": ["itest.vm.*"]})
    assert eventually(lambda: metric(server, "wok_router_subscriptions") == before + 2)
    ws.close()
    assert eventually(lambda: metric(server, "wok_router_subscriptions") == before)


@pytest.mark.wok_router_bug(METRICS_BUG)
def test_published_and_delivered_counters(server, client):
    published = metric(server, "wok_router_published_total", topic="itest.vm.other")
    delivered = metric(server, "wok_router_delivered_total")
    one, two = client(), client()
    one.subscribe(["itest.vm.other"])
    two.subscribe(["itest.vm.*"])
    for n in range(4):
        server.publish_ok("itest.vm.other", {"n": n})
    one.notifications(4)
    two.notifications(4)
    assert metric(server, "wok_router_published_total", topic="itest.vm.other") == published + 4
    assert eventually(lambda: metric(server, "wok_router_delivered_total") >= delivered + 8)


def test_refusals_are_counted(server):
    before = metric(server, "wok_router_refused_total")
    server.publish("itest.nope", {})
    server.publish("itest.user", {"user": 1})
    assert eventually(lambda: metric(server, "wok_router_refused_total") >= before + 2)
