"""Security, PROTOCOL section 6: HS256 JWTs for subscribers and publishers, and the Origin allowlist."""

import time

import jwt
import pytest

from harness import SSEClient, WSClient, router_config

pytestmark = pytest.mark.wok_router_only("JWT authentication")

SECRET = "integration-test-secret-0123456789abcdef"


def token(secret=SECRET, lifetime=300, **claims):
    payload = dict(claims)
    if lifetime is not None:
        payload["exp"] = int(time.time()) + lifetime
    return jwt.encode(payload, secret, algorithm="HS256")


@pytest.fixture(scope="module")
def secured(server_factory):
    return server_factory(config=router_config(secret=SECRET))


SUBSCRIBER = {"sub": "alice", "topics": ["itest.events", "itest.vm.*"]}


# -- subscribers on /push --------------------------------------------------------------------


def test_valid_token_in_the_query_opens_the_socket(secured):
    ws = WSClient(secured, token=token(**SUBSCRIBER))
    try:
        ws.subscribe(["itest.events"])
        published = secured.publish_ok("itest.events", {"seq": 1}, token=token(pub=True))
        assert ws.notifications(1)[0]["id"] == published["id"]
    finally:
        ws.close()


def test_valid_token_in_the_authorization_header_opens_the_socket(secured):
    ws = WSClient(secured, headers={"Authorization": f"Bearer {token(**SUBSCRIBER)}"})
    try:
        assert ws.subscribe(["itest.vm.*"])["type"] == "subscribed"
    finally:
        ws.close()


@pytest.mark.parametrize("bad", [
    pytest.param(None, id="no-token"),
    pytest.param("not.a.jwt", id="garbage"),
    pytest.param(token(secret="another-secret-0123456789abcdef012", **SUBSCRIBER), id="wrong-secret"),
    pytest.param(token(lifetime=-60, **SUBSCRIBER), id="expired"),
    pytest.param(token(lifetime=None, **SUBSCRIBER), id="no-exp"),
    pytest.param(jwt.encode({"exp": int(time.time()) + 300, "topics": ["itest.events"]}, None, algorithm="none"), id="alg-none"),
])
def test_refused_token_closes_the_socket_with_1008(secured, bad):
    ws = WSClient(secured, token=bad)
    try:
        assert ws.expect_close() == 1008
    finally:
        ws.close()
    assert secured.alive()


def test_topics_claim_is_enforced_on_every_subscribe(secured):
    ws = WSClient(secured, token=token(**SUBSCRIBER))
    try:
        for refused in (["itest.user"], ["itest.>"], ["itest.*"], ["itest.events", "itest.user"], ["itest.vm.disk.io"]):
            ws.send({"type": "subscribe", "topics": refused, "ref": "no"})
            error = ws.reply()
            assert error["type"] == "error" and error["code"] == "forbidden" and error["ref"] == "no", (refused, error)
        ws.ping()  # still open
        assert ws.subscribe(["itest.vm.state", "itest.vm.*", "itest.events"])["type"] == "subscribed"
        secured.publish_ok("itest.user", {"user": "x"}, token=token(pub=True))  # refused filter: nothing comes
        wanted = secured.publish_ok("itest.vm.state", {"name": "a", "state": "running"}, token=token(pub=True))
        assert [f["id"] for f in ws.notifications(1)] == [wanted["id"]]
        ws.quiet()
    finally:
        ws.close()


# -- publishers ------------------------------------------------------------------------------


def test_publish_needs_a_publisher_token(secured):
    assert secured.publish("itest.events", {"seq": 1}).status_code == 401
    assert secured.publish("itest.events", {"seq": 1}, token="garbage").status_code == 401
    assert secured.publish("itest.events", {"seq": 1}, token=token(lifetime=-60, pub=True)).status_code == 401
    refused = secured.publish("itest.events", {"seq": 1}, token=token(**SUBSCRIBER))
    assert refused.status_code == 403 and refused.json()["error"]
    secured.publish_ok("itest.events", {"seq": 1}, token=token(pub=True))


def test_publisher_topics_claim_limits_what_it_may_publish(secured):
    limited = token(pub=True, topics=["itest.events"])
    secured.publish_ok("itest.events", {"seq": 2}, token=limited)
    refused = secured.publish("itest.user", {"user": "x"}, token=limited)
    assert refused.status_code == 403 and refused.json()["error"]


# -- the other subscriber endpoints ----------------------------------------------------------


def test_history_and_events_need_a_subscriber_token(secured):
    assert secured.http("GET", "/notifications", params={"topics": "itest.events"}).status_code == 401
    ok = secured.http("GET", "/notifications", params={"topics": "itest.events"}, token=token(**SUBSCRIBER))
    assert ok.status_code == 200
    forbidden = secured.http("GET", "/notifications", params={"topics": "itest.user"}, token=token(**SUBSCRIBER))
    assert forbidden.status_code == 403 and forbidden.json()["error"]
    sse = SSEClient(secured, ["itest.events"])
    try:
        assert sse.status == 401
    finally:
        sse.close()
    sse = SSEClient(secured, ["itest.events"], token=token(**SUBSCRIBER))
    try:
        assert sse.status == 200
    finally:
        sse.close()


def test_health_needs_no_token(secured):
    assert secured.http("GET", "/healthz").status_code == 200
    assert secured.http("GET", "/readyz").status_code == 200
