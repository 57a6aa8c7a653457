"""POST /notifications over one raw keep-alive socket: pipelining, Connection: close, body limits
and idle timeouts, and the two ways wok-router serves a publish.

wok-router answers a publish whose grant is known without verifying a signature (no auth
configured, the trusted UNIX socket, or a token verified recently and not expired) on the
connection's event loop, ahead of Hummingbird; a token it has not verified yet goes through
Hummingbird's route, which remembers it. These tests pin what a client must not be able to tell
apart: answers in request order whatever serves each request, the same bodies from every path,
token scopes and expiry on the remembered path, limits and timeouts.
"""

import itertools

import json
import signal
import time

import pytest

from harness import RawHTTP, router_config
from test_auth import SECRET, token

BAD_BODIES = [
    b"not json",
    b'{"topic":"itest.events"}',
    b'{"data":{}}',
    b'{"topic":5,"data":{}}',
    b'{"topic":"itest.events","data":{"seq":1},"x":1}',
    b"[]",
    b'{"topic":"itest.evnts","data":{"seq":1}}',
    b'{"topic":"itest.events","data":{"seq":-1}}',
    b'[{"topic":"itest.events","data":{"seq":"x"}},{"topic":"nope.x","data":1},{"data":1}]',
]


def publish_body(seq):
    return json.dumps({"topic": "itest.events", "data": {"seq": seq}}).encode()


@pytest.fixture(scope="module")
def memory_server(server_factory):
    """The memory store commits inline, so the answer is written while the request is still being
    handled (SQLite, the default, completes on its writer thread and the answer hops back)."""
    return server_factory(store="memory")


@pytest.mark.wok_router_only("the event-loop publish path")
@pytest.mark.parametrize("store", ["sqlite", "memory"])
def test_pipelined_requests_are_answered_in_request_order(request, store):
    server = request.getfixturevalue("server" if store == "sqlite" else "memory_server")
    with RawHTTP(server) as raw:
        raw.send(
            RawHTTP.request("POST", "/notifications", publish_body(1))
            + RawHTTP.request("GET", "/healthz", None)
            + RawHTTP.request("POST", "/notifications", b'{"topic":"itest.events","data":{"seq":"x"}}')
            + RawHTTP.request("GET", "/topics", None)
            + RawHTTP.request("POST", "/notifications", publish_body(2))
            + RawHTTP.request("POST", "/notifications", b"[" + publish_body(3) + b"," + publish_body(4) + b"]")
        )
        first = raw.response()
        assert first[0] == 202 and json.loads(first[2])["topic"] == "itest.events"
        health = raw.response()
        assert health[0] == 200
        invalid = raw.response()
        assert invalid[0] == 422 and json.loads(invalid[2])["error"] == "invalid"
        topics = raw.response()
        assert topics[0] == 200 and "itest.events" in topics[2].decode()
        second = raw.response()
        assert second[0] == 202 and json.loads(second[2])["id"] == json.loads(first[2])["id"] + 1
        batch = raw.response()
        assert batch[0] == 207
        assert [item["id"] for item in json.loads(batch[2])] == [json.loads(second[2])["id"] + 1, json.loads(second[2])["id"] + 2]


@pytest.mark.wok_router_only("the event-loop publish path")
def test_answers_carry_json_date_and_server_headers(server):
    with RawHTTP(server) as raw:
        raw.send(RawHTTP.request("POST", "/notifications", publish_body(1)))
        status, headers, body = raw.response()
        assert status == 202
        assert headers["content-type"] == "application/json"
        assert headers["server"] == "wok-router"
        assert headers["date"].endswith(" GMT") and len(headers["date"]) == len("Sun, 06 Nov 1994 08:49:37 GMT")
        assert int(headers["content-length"]) == len(body)


@pytest.mark.parametrize("request_bytes", [
    RawHTTP.request("POST", "/notifications", publish_body(1), {"Connection": "close"}),
    # HTTP/1.0 without keep-alive: one request per connection.
    b"POST /notifications HTTP/1.0\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n" % len(publish_body(1))
    + publish_body(1),
], ids=["connection-close", "http-1.0"])
def test_a_last_request_is_answered_then_closed(server, request_bytes):
    with RawHTTP(server) as raw:
        raw.send(request_bytes)
        assert raw.response()[0] == 202
        assert raw.closed_by_peer()


def test_expect_100_continue_is_answered_before_the_body(server):
    """curl sends `Expect: 100-continue` for bodies over 1 KiB and waits for 100 Continue."""
    with RawHTTP(server) as raw:
        body = publish_body(5)
        head = RawHTTP.request("POST", "/notifications", b"", {"Expect": "100-continue", "Content-Length": str(len(body))})
        raw.send(head)
        status, _, _ = raw.response()
        assert status == 100
        raw.send(body)
        status, _, answer = raw.response()
        assert status == 202, answer


@pytest.fixture(scope="module")
def small_bodies(server_factory):
    return server_factory(config=router_config(max_body_bytes=1024, idle_timeout=1.5))


@pytest.fixture(scope="module")
def secured_small_bodies(server_factory):
    return server_factory(config=router_config(secret=SECRET, max_body_bytes=1024))


@pytest.mark.wok_router_only("max_body_bytes and idle_timeout settings")
def test_body_over_the_limit_is_413_and_the_connection_stays_usable(small_bodies):
    with RawHTTP(small_bodies) as raw:
        big = json.dumps({"topic": "itest.any", "data": "x" * 2000}).encode()
        raw.send(RawHTTP.request("POST", "/notifications", big))
        status, _, body = raw.response()
        assert status == 413 and json.loads(body)["error"] == "too_large"
        raw.send(RawHTTP.request("POST", "/notifications", publish_body(7)))
        status, _, body = raw.response()
        assert status == 202, body


@pytest.mark.wok_router_only("max_body_bytes and idle_timeout settings")
def test_expect_100_continue_over_the_limit_is_413_and_closed(small_bodies):
    """The client waits for 100 Continue and sends no body: the router refuses and closes, rather
    than read the client's next request as this one's body."""
    with RawHTTP(small_bodies) as raw:
        raw.send(RawHTTP.request("POST", "/notifications", b"", {"Expect": "100-continue", "Content-Length": "2000"}))
        status, headers, body = raw.response()
        assert status == 413 and json.loads(body)["error"] == "too_large"
        assert headers.get("connection") == "close"
        assert raw.closed_by_peer()


@pytest.mark.wok_router_only("max_body_bytes and idle_timeout settings")
def test_body_exactly_at_the_limit_is_accepted(small_bodies):
    prefix, suffix = b'{"topic":"itest.any","data":"', b'"}'
    body = prefix + b"y" * (1024 - len(prefix) - len(suffix)) + suffix
    assert len(body) == 1024
    with RawHTTP(small_bodies) as raw:
        raw.send(RawHTTP.request("POST", "/notifications", body))
        assert raw.response()[0] == 202
        raw.send(RawHTTP.request("POST", "/notifications", body[:-2] + b'y"}'))  # 1025 bytes
        assert raw.response()[0] == 413


@pytest.mark.wok_router_only("max_body_bytes and idle_timeout settings")
def test_chunked_body_over_the_limit_is_413(small_bodies):
    with RawHTTP(small_bodies) as raw:
        chunk = b"z" * 800
        chunked = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(3)) + b"0\r\n\r\n"
        raw.send(RawHTTP.request("POST", "/notifications", chunked, {"Transfer-Encoding": "chunked"}))
        status, _, body = raw.response()
        assert status == 413 and json.loads(body)["error"] == "too_large"
        raw.send(RawHTTP.request("POST", "/notifications", publish_body(8)))
        assert raw.response()[0] == 202


@pytest.mark.wok_router_only("max_body_bytes and idle_timeout settings")
def test_a_connection_that_keeps_publishing_outlives_the_idle_timeout(small_bodies):
    """idle_timeout (1.5 s here) closes idle keep-alive connections, not busy ones."""
    with RawHTTP(small_bodies) as raw:
        deadline = time.monotonic() + 4
        count = 0
        while time.monotonic() < deadline:
            raw.send(RawHTTP.request("POST", "/notifications", publish_body(count)))
            assert raw.response()[0] == 202
            count += 1
            time.sleep(0.25)
        assert count >= 10
        # ...and once it goes quiet, the same connection is closed.
        assert raw.closed_by_peer(timeout=5)


@pytest.mark.wok_router_only("idle_timeout setting")
def test_a_connection_idle_after_another_route_is_closed(small_bodies):
    """The idle clock also runs after requests the publish handler passes to Hummingbird."""
    with RawHTTP(small_bodies) as raw:
        raw.send(RawHTTP.request("POST", "/notifications", publish_body(1)))
        assert raw.response()[0] == 202
        raw.send(RawHTTP.request("GET", "/healthz", body=None))
        assert raw.response()[0] == 200
        assert raw.closed_by_peer(timeout=5)


def test_sigterm_closes_an_idle_publish_connection_and_exits_0(server_factory):
    router = server_factory()
    with RawHTTP(router) as raw:
        raw.send(RawHTTP.request("POST", "/notifications", publish_body(1)))
        assert raw.response()[0] == 202
        assert router.stop(signal.SIGTERM) == 0
        assert raw.closed_by_peer()


@pytest.fixture(scope="module")
def secured(server_factory):
    return server_factory(config=router_config(secret=SECRET))


_fresh = itertools.count()


def fresh_token(**claims):
    """A token no earlier request carried (a new `jti`), so the router must verify its signature."""
    return token(jti=f"t{next(_fresh)}", **claims)


@pytest.mark.wok_router_only("JWT authentication")
def test_every_publish_path_gives_the_same_answers(server, secured):
    """The open router answers on the event loop; the secured one verifies a token it has not seen
    through Hummingbird's route, and answers a remembered token on the event loop again. Every
    bad body gets the same status and body from the three."""
    remembered = token(pub=True, sub="remembered")
    assert secured.publish("itest.events", {"seq": 0}, token=remembered).status_code == 202
    for body in BAD_BODIES:
        plain = server.http("POST", "/notifications", data=body)
        verified = secured.http("POST", "/notifications", data=body, token=fresh_token(pub=True))
        cached = secured.http("POST", "/notifications", data=body, token=remembered)
        assert plain.status_code == verified.status_code == cached.status_code, (body, plain.text, verified.text, cached.text)
        assert plain.json() == verified.json() == cached.json(), body


@pytest.mark.wok_router_only("JWT authentication")
def test_token_checks_still_apply_to_tcp_publishes(secured):
    assert secured.publish("itest.events", {"seq": 1}).status_code == 401
    assert secured.publish("itest.events", {"seq": 1}, token=fresh_token(topics=["itest.events"])).status_code == 403
    assert secured.publish("itest.events", {"seq": 1}, token=fresh_token(pub=True)).status_code == 202


@pytest.mark.wok_router_only("JWT authentication")
def test_a_remembered_token_keeps_its_scope(secured):
    """A publisher token limited to itest.vm.* is remembered with its scope: its later publishes,
    answered on the event loop, are refused outside it exactly like the first."""
    scoped = fresh_token(pub=True, topics=["itest.vm.*"])
    with RawHTTP(secured) as raw:
        vm = json.dumps({"topic": "itest.vm.state", "data": {"name": "a", "state": "running"}}).encode()
        for _ in range(3):
            raw.send(RawHTTP.request("POST", "/notifications", vm, {"Authorization": f"Bearer {scoped}"}))
            assert raw.response()[0] == 202
            raw.send(RawHTTP.request("POST", "/notifications", publish_body(1), {"Authorization": f"Bearer {scoped}"}))
            status, _, body = raw.response()
            assert status == 403 and json.loads(body)["error"] == "forbidden"
        # A subscriber's token (no "pub") is refused every time, remembered or not.
        reader = fresh_token(topics=["itest.events"])
        for _ in range(2):
            raw.send(RawHTTP.request("POST", f"/notifications?token={reader}", publish_body(2)))
            assert raw.response()[0] == 403


@pytest.mark.wok_router_only("JWT authentication")
def test_a_remembered_token_expires(secured):
    """A token verified once is remembered only until its exp: then it is refused (401) again."""
    short = fresh_token(pub=True, lifetime=2)
    deadline = time.time() + 1
    assert secured.publish("itest.events", {"seq": 1}, token=short).status_code == 202
    assert secured.publish("itest.events", {"seq": 2}, token=short).status_code == 202
    assert time.time() < deadline, "the machine was too slow to publish twice within the token's life"
    time.sleep(3.2)
    assert secured.publish("itest.events", {"seq": 3}, token=short).status_code == 401


# Lingering close: an answer sent before the request was read whole (413 on Content-Length, 400 on
# a bad Host) closes the connection; closing with the client's bytes unread would reset it, and a
# client still sending its body then fails in its send and never reads the answer. The router
# reads and drops what still comes (up to linger_timeout / linger_bytes) before it closes.

BIG = 3 * 1024 * 1024  # past max_body_bytes (1 KiB here), within linger_bytes (4 MiB by default)


def send_body_then_read(raw, head, size, *, chunk=64 * 1024, pause=0.0):
    """Sends `head` then `size` bytes of body (in chunks, `pause` seconds apart), as a client that
    reads only once its request is sent; returns the answer. A reset or broken pipe while sending
    fails the test: the client would never have read the answer."""
    raw.send(head)
    sent = 0
    while sent < size:
        piece = min(chunk, size - sent)
        try:
            raw.send(b"x" * piece)
        except (ConnectionResetError, BrokenPipeError) as error:
            raise AssertionError(f"the router reset the connection after {sent} bytes of body: {error!r}") from None
        sent += piece
        if pause:
            time.sleep(pause)
    return raw.response()


@pytest.mark.wok_router_only("max_body_bytes and lingering close")
@pytest.mark.parametrize("pace", ["fast", "slow"])
@pytest.mark.parametrize("path", ["event-loop", "hummingbird"])
def test_a_413_that_closes_is_read_by_a_client_still_sending(small_bodies, secured_small_bodies, pace, path):
    """`Connection: close` with a Content-Length past the bound: 413 at once, then close. The
    event-loop path (no token to verify) and Hummingbird's route (a token seen for the first time)."""
    server, headers = small_bodies, {}
    if path == "hummingbird":
        server, headers = secured_small_bodies, {"Authorization": f"Bearer {fresh_token(pub=True)}"}
    size = BIG if pace == "fast" else 40 * 16 * 1024
    head = RawHTTP.request("POST", "/notifications", None, {**headers, "Connection": "close", "Content-Length": str(size)})
    with RawHTTP(server) as raw:
        status, _, body = send_body_then_read(
            raw, head, size, chunk=64 * 1024 if pace == "fast" else 16 * 1024, pause=0 if pace == "fast" else 0.02)
        assert status == 413 and json.loads(body)["error"] == "too_large", (status, body)
        assert raw.closed_by_peer(), "the connection was not closed after the 413"


@pytest.mark.wok_router_only("Host checks and lingering close")
def test_a_400_for_a_missing_host_is_read_by_a_client_still_sending(small_bodies):
    head = b"POST /notifications HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % BIG
    with RawHTTP(small_bodies) as raw:
        status, _, body = send_body_then_read(raw, head, BIG)
        assert status == 400 and json.loads(body)["error"] == "bad_request", (status, body)
        assert raw.closed_by_peer()


@pytest.mark.wok_router_only("lingering close")
def test_a_client_that_keeps_sending_is_cut_at_linger_bytes(server_factory):
    """The drain is bounded: past linger_bytes the connection closes (the client's sends then fail)."""
    router = server_factory(config=router_config(max_body_bytes=1024, linger_bytes=256 * 1024, linger_timeout=60))
    head = RawHTTP.request("POST", "/notifications", None, {"Connection": "close", "Content-Length": str(1 << 30)})
    with RawHTTP(router) as raw:
        raw.send(head)
        sent = 0
        with pytest.raises((ConnectionResetError, BrokenPipeError)):
            while sent < 64 * 1024 * 1024:  # kernel buffers hold a few MiB; the drain stops at 256 KiB
                raw.send(b"x" * 65536)
                sent += 65536
        assert sent >= 256 * 1024, sent
