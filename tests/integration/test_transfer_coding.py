"""Transfer codings wok-router does not implement (RFC 9112 section 6.1, RFC 9110 section 15.6.2).

wok-router implements `chunked` only. A request that applies another coding before the final
`chunked` (`Transfer-Encoding: gzip, chunked`) is answered `501 {"error":"not_implemented"}` and
the connection closed (lingering: a client still sending its body reads the answer), on every
path a request head can take: a connection's first request (the upgrade handler, `/push`
included, before any 101), later requests (the event-loop publish handler), publishes served on
the event loop or by Hummingbird's route (a token not verified yet), other routes, over TCP and
over the trusted UNIX socket. (It used to be read as if the coding were not there: a gzip body
then failed as JSON with a 400, and a body the coding left readable was published.)

A final coding other than `chunked`, or `chunked` twice, stays `400` (RFC 9112 section 6.3; see
test_http_edge.py), as does `Transfer-Encoding` with `Content-Length`. Raw sockets, exact bytes.
"""

import base64
import gzip
import json
import os
import socket
import zlib

import pytest

from harness import RawHTTP, router_config
from test_auth import SECRET, token
from test_http_edge import closed_after

DATA = b'{"topic":"itest.events","data":{"seq":1}}'


def chunked(body):
    return b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)


# (Transfer-Encoding lines, body as the client would send it, the coding named in the answer)
CODINGS = {
    "gzip": (b"Transfer-Encoding: gzip, chunked\r\n", chunked(gzip.compress(DATA)), "gzip"),
    "deflate": (b"Transfer-Encoding: deflate, chunked\r\n", chunked(zlib.compress(DATA)), "deflate"),
    "two-lines": (b"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", chunked(gzip.compress(DATA)), "gzip"),
    "any-case": (b"transfer-encoding: GZip , Chunked\r\n", chunked(gzip.compress(DATA)), "GZip"),
    # A coding that leaves the body readable: ignoring it published the notification.
    "unregistered": (b"Transfer-Encoding: x-wok, chunked\r\n", chunked(DATA), "x-wok"),
}


class UnixRawHTTP(RawHTTP):
    """RawHTTP over the router's UNIX socket (the trusted publishers' listener)."""

    def __init__(self, server, timeout=10):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(timeout)
        self.sock.connect(server.unix_socket)
        self.buffer = b""


def connect(server, listener):
    return UnixRawHTTP(server) if listener == "unix" else RawHTTP(server)


def coded(method, target, name, extra=b""):
    lines, body, _ = CODINGS[name]
    return b"%s %s HTTP/1.1\r\nHost: localhost\r\n%s%s\r\n%s" % (method.encode(), target.encode(), extra, lines, body)


def publish_body(seq):
    return json.dumps({"topic": "itest.events", "data": {"seq": seq}}).encode()


def assert_not_implemented(raw, name):
    """The next answer is the 501 naming the coding, with `Connection: close`; the connection
    then closes, and nothing sent after the refused request was answered."""
    status, headers, body = raw.response()
    assert status == 501, (status, body)
    assert headers.get("content-type") == "application/json"
    answer = json.loads(body)
    assert answer["error"] == "not_implemented", answer
    assert f'"{CODINGS[name][2]}"' in answer["message"], answer
    assert headers.get("connection") == "close"
    assert closed_after(raw), "the connection stayed open after the 501"
    assert raw.buffer == b"", raw.buffer[:200]


@pytest.fixture(scope="module")
def router(server_factory):
    """Open (publishes answered on the event loop), with the trusted UNIX socket."""
    return server_factory(unix_socket=True)


@pytest.fixture(scope="module")
def secured(server_factory):
    """Publishes need a token: one not verified yet goes through Hummingbird's route."""
    return server_factory(config=router_config(secret=SECRET))


def stored_head(server, **kwargs):
    return server.http("GET", "/notifications", params={"topics": "itest.>", "limit": 1}, **kwargs).json()["head"]


@pytest.mark.wok_router_only("the router's transfer codings")
@pytest.mark.parametrize("name", sorted(CODINGS))
@pytest.mark.parametrize("before", [None, "publish", "route"], ids=["first-request", "behind-a-publish", "behind-a-route"])
@pytest.mark.parametrize("listener", ["tcp", "unix"])
def test_a_publish_with_an_unimplemented_coding_is_501_and_closed(router, name, before, listener):
    """Nothing of it is published, and the publish pipelined behind it is never served."""
    head = stored_head(router)
    smuggled = RawHTTP.request("POST", "/notifications", publish_body(2))
    with connect(router, listener) as raw:
        if before == "publish":
            raw.send(RawHTTP.request("POST", "/notifications", publish_body(1)))
            assert raw.response()[0] == 202
        elif before == "route":
            raw.send(RawHTTP.request("GET", "/healthz", None))
            assert raw.response()[0] == 200
        raw.send(coded("POST", "/notifications", name) + smuggled)
        assert_not_implemented(raw, name)
    assert stored_head(router) == head + (1 if before == "publish" else 0)


@pytest.mark.wok_router_only("the router's transfer codings")
@pytest.mark.parametrize("position", ["first", "later"])
def test_a_publish_on_hummingbirds_route_is_501_too(secured, position):
    """A token seen for the first time: the publish would be verified and answered by Hummingbird."""
    reader = token(topics=["itest.>"])
    head = stored_head(secured, token=reader)
    auth = b"Authorization: Bearer %s\r\n" % token(pub=True, jti=f"te-{position}").encode()
    with RawHTTP(secured) as raw:
        if position == "later":
            raw.send(RawHTTP.request("GET", "/healthz", None))
            assert raw.response()[0] == 200
        raw.send(coded("POST", "/notifications", "unregistered", extra=auth))
        assert_not_implemented(raw, "unregistered")
    assert stored_head(secured, token=reader) == head


@pytest.mark.wok_router_only("the router's transfer codings")
@pytest.mark.parametrize("target", ["/healthz", "/topics", "/notifications?topics=itest.events"])
@pytest.mark.parametrize("position", ["first", "later"])
@pytest.mark.parametrize("listener", ["tcp", "unix"])
def test_another_route_with_an_unimplemented_coding_is_501(router, target, position, listener):
    with connect(router, listener) as raw:
        if position == "later":
            raw.send(RawHTTP.request("GET", "/healthz", None))
            assert raw.response()[0] == 200
        raw.send(coded("GET", target, "gzip") + RawHTTP.request("GET", "/healthz", None))
        assert_not_implemented(raw, "gzip")


@pytest.mark.wok_router_only("the router's transfer codings")
@pytest.mark.parametrize("listener", ["tcp", "unix"])
def test_a_push_upgrade_with_an_unimplemented_coding_is_501_before_any_101(router, listener):
    upgrade = (b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
               + base64.b64encode(os.urandom(16)) + b"\r\n")
    with connect(router, listener) as raw:
        raw.send(coded("GET", "/push", "gzip", extra=upgrade))
        assert_not_implemented(raw, "gzip")


@pytest.mark.wok_router_only("the router's transfer codings")
@pytest.mark.parametrize("before", [None, "publish"], ids=["first-request", "behind-a-publish"])
def test_the_501_is_read_by_a_client_still_sending_its_body(router, before):
    """The 501 goes out as soon as the head is read; a client that sends its whole body (3 MiB,
    within linger_bytes) before it reads is not reset: the router drains it, then closes."""
    piece = b"x" * 65536
    frame = b"%x\r\n%s\r\n" % (len(piece), piece)
    with RawHTTP(router) as raw:
        if before == "publish":
            raw.send(RawHTTP.request("POST", "/notifications", publish_body(1)))
            assert raw.response()[0] == 202
        raw.send(b"POST /notifications HTTP/1.1\r\nHost: localhost\r\n" + CODINGS["gzip"][0] + b"\r\n")
        for sent in range(48):
            try:
                raw.send(frame)
            except (ConnectionResetError, BrokenPipeError) as error:
                raise AssertionError(f"the router reset the connection after {sent} chunks of body: {error!r}") from None
        raw.send(b"0\r\n\r\n")
        raw.sock.shutdown(socket.SHUT_WR)
        assert_not_implemented(raw, "gzip")
