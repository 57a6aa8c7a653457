"""Security, PROTOCOL section 6: HS256 JWTs for subscribers and publishers, and the Origin allowlist."""

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest

from harness import SSEClient, WSClient, metric, router_config

pytestmark = pytest.mark.wok_router_only("JWT authentication")

SECRET = "integration-test-secret-0123456789abcdef"


def token(secret=SECRET, lifetime=300, **claims):
    payload = dict(claims)
    if lifetime is not None:
        payload["exp"] = int(time.time()) + lifetime
    return jwt.encode(payload, secret, algorithm="HS256")


def forged(header, secret=SECRET, **claims):
    """A token whose header is `header` verbatim, HS256-signed with `secret` whatever it claims."""
    def b64(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    payload = {"exp": int(time.time()) + 300, **claims}
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())
    return signing_input + "." + b64(hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest())


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


# Signed with the right secret, but the header does not say HS256 (or asks for critical
# extensions): RFC 8725 section 3.1, a verifier uses only the algorithm it expects.
WRONG_HEADERS = [
    pytest.param({"alg": "none"}, id="alg-none"),
    pytest.param({"alg": "RS256"}, id="alg-RS256"),
    pytest.param({"alg": "HS512"}, id="alg-HS512"),
    pytest.param({"typ": "JWT"}, id="no-alg"),
    pytest.param({"alg": "HS256", "crit": ["exp"]}, id="crit"),
]


@pytest.mark.parametrize("header", WRONG_HEADERS)
def test_a_token_whose_header_is_not_hs256_is_refused_everywhere(secured, header):
    bad = forged(header, **SUBSCRIBER)
    ws = WSClient(secured, token=bad)
    try:
        assert ws.expect_close() == 1008
    finally:
        ws.close()
    history = secured.http("GET", "/notifications", params={"topics": "itest.events"}, token=bad)
    assert history.status_code == 401 and history.json()["error"] == "unauthorized"
    assert secured.publish("itest.events", {"seq": 1}, token=forged(header, pub=True)).status_code == 401
    # The same claims under an HS256 header pass: only the header was wrong.
    assert secured.http("GET", "/notifications", params={"topics": "itest.events"},
                        token=forged({"alg": "HS256", "typ": "JWT"}, **SUBSCRIBER)).status_code == 200


def test_a_token_is_refused_before_its_nbf(secured):
    early = token(nbf=int(time.time()) + 3600, **SUBSCRIBER)
    ws = WSClient(secured, token=early)
    try:
        assert ws.expect_close() == 1008
    finally:
        ws.close()
    assert secured.http("GET", "/notifications", params={"topics": "itest.events"}, token=early).status_code == 401
    assert secured.publish("itest.events", {"seq": 1}, token=token(nbf=int(time.time()) + 3600, pub=True)).status_code == 401
    valid = token(nbf=int(time.time()) - 5, **SUBSCRIBER)
    assert secured.http("GET", "/notifications", params={"topics": "itest.events"}, token=valid).status_code == 200


def test_two_different_tokens_in_one_request_are_refused(secured):
    """RFC 6750 section 2: one method per request. Which of two tokens counts is never guessed."""
    narrow, wide = token(**SUBSCRIBER), token(topics=["itest.>"])
    for headers, params in [
        ({"Authorization": f"Bearer {narrow}"}, {"token": wide}),
        ({}, [("token", narrow), ("token", wide)]),
    ]:
        query = [("topics", "itest.user")] + (list(params.items()) if isinstance(params, dict) else params)
        response = secured.http("GET", "/notifications", params=query, headers=headers)
        assert response.status_code == 400 and response.json()["error"] == "bad_request", response.text
        assert "invalid_request" in response.headers.get("WWW-Authenticate", "")
    ws = WSClient(secured, token=wide, headers={"Authorization": f"Bearer {narrow}"})
    try:
        assert ws.expect_close() == 1008
    finally:
        ws.close()
    publisher = token(pub=True)
    refused = secured.http("POST", "/notifications", params={"token": publisher}, token=token(pub=True, topics=["itest.vm.*"]),
                           json={"topic": "itest.events", "data": {"seq": 1}})
    assert refused.status_code == 400, refused.text
    # The same token in both places is that token.
    same = secured.http("GET", "/notifications", params={"topics": "itest.events", "token": narrow}, token=narrow)
    assert same.status_code == 200, same.text


def test_401_answers_carry_a_bearer_challenge(secured):
    """RFC 9110 section 15.5.2: a 401 carries WWW-Authenticate; RFC 6750 section 3 says what it holds."""
    missing = secured.http("GET", "/notifications", params={"topics": "itest.events"})
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer ")
    refused = secured.http("GET", "/notifications", params={"topics": "itest.events"}, token="not.a.jwt")
    assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    published = secured.publish("itest.events", {"seq": 1})
    assert published.status_code == 401 and published.headers["WWW-Authenticate"].startswith("Bearer ")


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


# -- the Origin allowlist, at its edges --------------------------------------------------------


@pytest.mark.parametrize("headers", [
    pytest.param([], id="no-origin"),
    pytest.param([("Origin", "null")], id="null"),
    pytest.param([("Origin", "HTTPS://WOK.EXAMPLE")], id="upper-case"),
    pytest.param([("Origin", "https://wok.example.evil.example")], id="suffix"),
    pytest.param([("Origin", "https://wok.example:8443")], id="other-port"),
    pytest.param([("Origin", "https://wok.example"), ("Origin", "https://evil.example")], id="two-origins"),
])
def test_push_refuses_every_origin_not_exactly_listed(origin_server, headers):
    ws = WSClient(origin_server, headers=headers)
    try:
        assert ws.expect_close() == 1008
    finally:
        ws.close()


def test_events_checks_origin_and_lets_a_same_origin_request_without_one_through(origin_server):
    for origin in ["https://evil.example", "null", "HTTPS://WOK.EXAMPLE"]:
        refused = origin_server.http("GET", "/events", params={"topics": "itest.events"}, headers={"Origin": origin}, stream=True)
        assert refused.status_code == 403 and refused.json()["error"] == "forbidden", origin
    for headers in [{"Origin": "https://wok.example"}, {}]:
        allowed = origin_server.http("GET", "/events", params={"topics": "itest.events"}, headers=headers, stream=True)
        try:
            assert allowed.status_code == 200 and allowed.headers["Content-Type"].startswith("text/event-stream"), headers
        finally:
            allowed.close()


# -- a token's exp bounds the connections it opened --------------------------------------------


@pytest.fixture(scope="module")
def quick_pings(server_factory):
    return server_factory(config=router_config(secret=SECRET, ping_interval=0.5))


def test_a_push_socket_is_closed_with_1008_when_its_token_expires(quick_pings):
    ws = WSClient(quick_pings, token=token(lifetime=2, **SUBSCRIBER))
    try:
        assert ws.subscribe(["itest.events"])["type"] == "subscribed"
        assert ws.expect_close(timeout=15) == 1008
    finally:
        ws.close()
    assert metric(quick_pings, "wok_router_disconnects_total", reason="token_expired") >= 1
    # A token with time left is not affected.
    ws = WSClient(quick_pings, token=token(lifetime=300, **SUBSCRIBER))
    try:
        assert ws.subscribe(["itest.events"])["type"] == "subscribed"
        ws.quiet(1.5)
        assert ws.ping()["type"] == "pong"
    finally:
        ws.close()


def test_a_subscribe_after_the_token_expired_closes_the_socket(secured):
    """Between two ping ticks (20 s here) the next subscribe is where an expired token is caught."""
    ws = WSClient(secured, token=token(lifetime=2, **SUBSCRIBER))
    try:
        assert ws.subscribe(["itest.events"])["type"] == "subscribed"
        time.sleep(2.2)  # past exp (whole seconds: exp is at most 2 s away)
        ws.send({"type": "subscribe", "topics": ["itest.vm.*"], "ref": 1})
        assert ws.expect_close() == 1008
        assert not any(f.get("type") == "subscribed" for f in ws.backlog), ws.backlog
    finally:
        ws.close()


def test_an_sse_stream_ends_with_an_error_event_when_its_token_expires(secured):
    sse = SSEClient(secured, ["itest.events"], token=token(lifetime=2, **SUBSCRIBER), timeout=20)
    try:
        assert sse.status == 200
        events = []
        while True:
            event = sse.event()
            events.append(event)
            if event.get("event") == "error":
                break
        frame = json.loads(events[-1]["data"])
        assert frame["type"] == "error" and frame["code"] == "forbidden" and "expired" in frame["message"], frame
        # Then the response ends: the last chunk (the client reads the raw chunked body).
        rest = [sse.response.fp.readline() for _ in range(2)]
        assert b"0\r\n" in rest, rest
    finally:
        sse.close()


def test_listing_the_null_origin_is_warned_about_at_start(server_factory):
    """`null` is the Origin of every sandboxed iframe, data: and file: page, whatever its site."""
    lax = server_factory(config=router_config(origins=["https://wok.example", "null"]))
    assert 'allowed_origins lists "null"' in lax.log_tail(200)
    ws = WSClient(lax, headers=[("Origin", "null")])
    try:
        assert ws.ping()["type"] == "pong"
    finally:
        ws.close()
    strict = server_factory(config=router_config(origins=["https://wok.example"]))
    assert 'allowed_origins lists "null"' not in strict.log_tail(200)
