"""The WebSocket opening handshake on /push (RFC 6455 section 4.2), with hand-made requests.

Each request is sent in one `sendall` (one segment on loopback), so what a client sends right
after its handshake arrives together with it and must not be lost.
"""

import base64
import hashlib
import json
import os

import pytest

from harness import RawHTTP

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def handshake(server, *, path="/push", key=None, version="13", method="GET", http="HTTP/1.1",
              upgrade="websocket", connection="Upgrade", extra=""):
    key = key if key is not None else base64.b64encode(os.urandom(16)).decode()
    lines = [f"{method} {path} {http}", f"Host: {server.host}:{server.port}"]
    if upgrade is not None:
        lines.append(f"Upgrade: {upgrade}")
    if connection is not None:
        lines.append(f"Connection: {connection}")
    if key:
        lines.append(f"Sec-WebSocket-Key: {key}")
    if version is not None:
        lines.append(f"Sec-WebSocket-Version: {version}")
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode(), key


def client_frame(text):
    """A masked text frame, as a client must send it."""
    payload = text.encode()
    mask = os.urandom(4)
    header = bytes([0x81])
    if len(payload) < 126:
        header += bytes([0x80 | len(payload)])
    else:
        header += bytes([0x80 | 126]) + len(payload).to_bytes(2, "big")
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def expected_accept(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def test_accept_value_is_sha1_of_key_and_guid(server):
    data, key = handshake(server)
    with RawHTTP(server, data) as raw:
        status, headers = raw.head()
        assert status == 101
        assert headers["upgrade"].lower() == "websocket"
        assert "upgrade" in headers["connection"].lower()
        assert headers["sec-websocket-accept"] == expected_accept(key)


def test_frames_in_the_same_segment_as_the_handshake_are_not_lost(server):
    """A subscribe and a ping sent with the upgrade request, in one segment: both are answered, in order."""
    data, _ = handshake(server)
    data += client_frame(json.dumps({"type": "subscribe", "topics": ["itest.events"], "ref": "s"}))
    data += client_frame(json.dumps({"type": "ping", "ref": "p"}))
    with RawHTTP(server, data) as raw:
        status, _ = raw.head()
        assert status == 101
        subscribed = raw.json_frame()
        assert subscribed["type"] == "subscribed" and subscribed["ref"] == "s", subscribed
        assert raw.json_frame() == {"type": "pong", "ref": "p"}
        published = server.publish_ok("itest.events", {"seq": 7})
        notification = raw.json_frame()
        assert notification["id"] == published["id"] and notification["data"] == {"seq": 7}


@pytest.mark.wok_router_only("the router's own answers to malformed handshakes")
@pytest.mark.parametrize("case, kwargs", [
    ("version 8", {"version": "8"}),
    ("no version", {"version": None}),
    ("no key", {"key": ""}),
    ("key of 15 bytes", {"key": base64.b64encode(b"x" * 15).decode()}),
    ("key of 17 bytes", {"key": base64.b64encode(b"x" * 17).decode()}),
    ("key not base64", {"key": "!!!!!!!!!!!!!!!!!!!!!!=="}),
    ("POST", {"method": "POST"}),
    ("HTTP/1.0", {"http": "HTTP/1.0"}),
    ("Connection without upgrade", {"connection": "keep-alive"}),
    ("no Connection", {"connection": None}),
    ("another protocol", {"upgrade": "h2c"}),
])
def test_malformed_handshake_gets_400_with_a_json_error_and_is_closed(server, case, kwargs):
    data, _ = handshake(server, **kwargs)
    with RawHTTP(server, data) as raw:
        status, headers = raw.head()
        assert status == 400, case
        assert headers.get("connection", "").lower() == "close"
        body = raw.rest_until_close()
        assert json.loads(body[:int(headers["content-length"])])["error"] == "bad_request"


@pytest.mark.wok_router_only("the router's 404 for WebSocket upgrades to other paths")
def test_handshake_to_another_path_gets_404_and_is_closed(server):
    data, _ = handshake(server, path="/healthz")
    with RawHTTP(server, data) as raw:
        status, headers = raw.head()
        assert status == 404
        body = raw.rest_until_close()
        assert json.loads(body[:int(headers["content-length"])])["error"] == "not_found"


def test_plain_requests_still_reach_the_http_api(server):
    """Two pipelined plain requests on one connection: both answered (no upgrade handling in the way)."""
    request = f"GET /healthz HTTP/1.1\r\nHost: {server.host}:{server.port}\r\n\r\n".encode()
    with RawHTTP(server, request + request) as raw:
        for _ in range(2):
            status, _, _ = raw.response()
            assert status == 200
