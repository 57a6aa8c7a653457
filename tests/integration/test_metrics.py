"""`GET /metrics`: Prometheus text with PROTOCOL section 5's series."""

import pytest

from harness import SSEClient, eventually, metric, router_config

pytestmark = pytest.mark.wok_router_only("Prometheus metrics")


def test_metrics_is_prometheus_text_with_the_documented_series(server, client):
    # Labelled counters appear with their first sample: publish, refuse and disconnect once.
    server.publish_ok("itest.events", {"seq": 1})
    server.publish("itest.nope", {})
    client().close()
    eventually(lambda: "wok_router_disconnects_total" in server.http("GET", "/metrics").text)
    response = server.http("GET", "/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain"), response.headers
    text = response.text
    for name in ["wok_router_connections", "wok_router_subscriptions", "wok_router_published_total",
                 "wok_router_delivered_total", "wok_router_refused_total", "wok_router_disconnects_total"]:
        assert name in text, f"{name} missing from /metrics"


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


def test_connection_gauge_counts_sse(server_factory):
    """An SSE stream counts while open; a client that left is noticed at the next heartbeat."""
    quick = server_factory(config=router_config(sse_heartbeat=0.3))
    before = metric(quick, "wok_router_connections", transport="sse")
    sse = SSEClient(quick, ["itest.events"])
    try:
        assert eventually(lambda: metric(quick, "wok_router_connections", transport="sse") == before + 1)
    finally:
        sse.close()
    assert eventually(lambda: metric(quick, "wok_router_connections", transport="sse") == before)


def test_subscriptions_gauge_counts_filters(server, client):
    before = metric(server, "wok_router_subscriptions")
    ws = client()
    ws.subscribe(["itest.events", "itest.vm.*", "itest.q.>"])
    assert eventually(lambda: metric(server, "wok_router_subscriptions") == before + 3)
    ws.request({"type": "unsubscribe", "topics": ["itest.vm.*"]})
    assert eventually(lambda: metric(server, "wok_router_subscriptions") == before + 2)
    ws.close()
    assert eventually(lambda: metric(server, "wok_router_subscriptions") == before)


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
