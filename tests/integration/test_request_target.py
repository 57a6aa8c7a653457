"""RFC 9112 section 3.2 on every path a request head can take through wok-router: a connection's
first request (read by the upgrade handler), later requests (read by the event-loop publish
handler), publishes served on the event loop, routes served by Hummingbird, and the /push upgrade.

- `Host`: an HTTP/1.1 request without one, any request with two, or one that is not a valid
  `host[:port]`, is answered `400 bad_request` (JSON) and the connection closed; HTTP/1.0 may
  leave it out.
- Absolute-form targets (`GET http://127.0.0.1:8080/push HTTP/1.1`, which a server must accept)
  are routed by their path and query; their authority stands for the host.
Raw sockets, exact bytes.
"""

import base64
import json
import os

import pytest

from harness import RawHTTP
from test_http_edge import closed_after

PUBLISH = b'{"topic":"itest.events","data":{"seq":1}}'


def request(method, target, *, host=b"localhost", extra=b"", body=None, version=b"HTTP/1.1"):
    """A request's bytes; `host` None leaves Host out, a list sends each value as its own line."""
    lines = [b"%s %s %s" % (method.encode(), target.encode(), version)]
    for value in host if isinstance(host, list) else ([] if host is None else [host]):
        lines.append(b"Host: " + value)
    if body is not None:
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n" + extra + b"\r\n" + (body or b"")


def upgrade_headers():
    key = base64.b64encode(os.urandom(16))
    return b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + b"\r\n"


HEALTHZ = ("GET", "/healthz", None)
PUBLISH_REQUEST = ("POST", "/notifications", PUBLISH)

BAD_HOSTS = {
    "missing": None,
    "twice": [b"localhost", b"localhost"],
    "twice-different": [b"a.example", b"b.example"],
    "space-inside": b"local host",
    "slash": b"localhost/x",
    "user-info": b"user@localhost",
    "port-not-digits": b"localhost:80a",
    "unclosed-ip-literal": b"[::1",
    "bad-percent-escape": b"local%zzhost",
}

GOOD_HOSTS = {
    "name": b"localhost",
    "name-and-port": b"wok.example:8080",
    "ipv4-and-port": b"127.0.0.1:1",
    "ipv6-literal": b"[::1]:8080",
    "empty": b"",  # RFC 9110 section 7.2: a target without an authority
    "upper-case-name": b"WOK.Example",
}


def assert_refused_and_closed(raw):
    status, headers, body = raw.response()
    assert status == 400, (status, body)
    assert headers.get("content-type") == "application/json" and json.loads(body)["error"] == "bad_request", body
    assert headers.get("connection") == "close"
    assert closed_after(raw), "the connection stayed open after the 400"


@pytest.mark.wok_router_only("Host checks")
@pytest.mark.parametrize("host", BAD_HOSTS.values(), ids=BAD_HOSTS.keys())
@pytest.mark.parametrize("method,target,body", [HEALTHZ, PUBLISH_REQUEST], ids=["route", "publish"])
@pytest.mark.parametrize("position", ["first", "later"])
def test_a_bad_host_is_400_json_and_closed(server, host, method, target, body, position):
    with RawHTTP(server) as raw:
        if position == "later":
            raw.send(request("GET", "/healthz"))
            assert raw.response()[0] == 200
        raw.send(request(method, target, host=host, body=body))
        assert_refused_and_closed(raw)


@pytest.mark.wok_router_only("Host checks")
@pytest.mark.parametrize("host", [BAD_HOSTS["missing"], BAD_HOSTS["twice"], BAD_HOSTS["slash"]], ids=["missing", "twice", "slash"])
def test_a_push_upgrade_with_a_bad_host_is_refused_before_the_101(server, host):
    with RawHTTP(server) as raw:
        raw.send(request("GET", "/push", host=host, extra=upgrade_headers()))
        assert_refused_and_closed(raw)


@pytest.mark.wok_router_only("Host checks")
@pytest.mark.parametrize("first", [HEALTHZ, PUBLISH_REQUEST], ids=["behind-a-route", "behind-a-publish"])
def test_a_bad_host_behind_pipelined_requests_is_answered_after_them(server, first):
    """The 400 does not overtake the answers owed to the requests before it."""
    method, target, body = first
    with RawHTTP(server) as raw:
        raw.send(request(method, target, body=body) * 2 + request("GET", "/topics", host=None) + request("GET", "/healthz"))
        first_status = 202 if method == "POST" else 200
        assert raw.response()[0] == first_status
        assert raw.response()[0] == first_status
        assert_refused_and_closed(raw)
        assert b"HTTP/1.1" not in raw.buffer, "the request after the refused one was served"


@pytest.mark.parametrize("host", GOOD_HOSTS.values(), ids=GOOD_HOSTS.keys())
@pytest.mark.parametrize("method,target,body", [HEALTHZ, PUBLISH_REQUEST], ids=["route", "publish"])
def test_a_valid_host_is_served(server, host, method, target, body):
    with RawHTTP(server) as raw:
        raw.send(request(method, target, host=host, body=body) * 2)
        expected = 202 if method == "POST" else 200
        assert raw.response()[0] == expected
        assert raw.response()[0] == expected


@pytest.mark.parametrize("method,target,body", [HEALTHZ, PUBLISH_REQUEST], ids=["route", "publish"])
def test_http_1_0_may_leave_host_out(server, method, target, body):
    with RawHTTP(server) as raw:
        raw.send(request(method, target, host=None, body=body, version=b"HTTP/1.0"))
        assert raw.response()[0] == (202 if method == "POST" else 200)


@pytest.mark.wok_router_only("absolute-form targets")
@pytest.mark.parametrize("host", [b"localhost", None, [b"a.example", b"b.example"]], ids=["host", "no-host", "two-hosts"])
@pytest.mark.parametrize("position", ["first", "later"])
def test_absolute_form_targets_are_routed_by_their_path(server, host, position):
    """Publish (event loop), a route with a query (Hummingbird) and a path with no slash: the
    authority in the target replaces whatever Host lines came (RFC 9112 section 3.2.2)."""
    authority = f"{server.host}:{server.port}"
    with RawHTTP(server) as raw:
        if position == "later":
            raw.send(request("GET", "/healthz"))
            assert raw.response()[0] == 200
        raw.send(request("POST", f"http://{authority}/notifications", host=host, body=PUBLISH))
        status, _, body = raw.response()
        assert status == 202, body
        raw.send(request("GET", f"HTTP://{authority}/notifications?topics=itest.events&limit=1", host=host))
        status, _, body = raw.response()
        assert status == 200 and len(json.loads(body)["notifications"]) == 1, body
        raw.send(request("GET", f"https://{authority}?x=1", host=host))
        status, headers, _ = raw.response()
        assert status == 303 and headers["location"] == "/demo/userlog.html"


@pytest.mark.wok_router_only("absolute-form targets")
def test_an_absolute_form_push_upgrade_is_served(server):
    with RawHTTP(server) as raw:
        raw.send(request("GET", f"http://{server.host}:{server.port}/push?x=1", host=None, extra=upgrade_headers()))
        status, _ = raw.head()
        assert status == 101
        payload = b'{"type":"ping","ref":1}'
        mask = os.urandom(4)
        raw.send(bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        assert raw.json_frame() == {"type": "pong", "ref": 1}


@pytest.mark.wok_router_only("absolute-form targets")
@pytest.mark.parametrize("target", [
    "http:///healthz",            # no host
    "http://:8080/healthz",       # no host, a port
    "http://user@localhost/healthz",
    "http://local%zzhost/healthz",
    "ftp://localhost/healthz",
    "healthz",
    "localhost:8080",             # authority-form is for CONNECT only
], ids=["empty-host", "port-only", "user-info", "bad-escape", "ftp", "relative", "authority-form"])
@pytest.mark.parametrize("upgrade", [False, True], ids=["plain", "upgrade"])
def test_a_target_that_is_not_a_path_nor_an_http_uri_is_400(server, target, upgrade):
    with RawHTTP(server) as raw:
        raw.send(request("GET", target, extra=upgrade_headers() if upgrade else b""))
        assert_refused_and_closed(raw)
