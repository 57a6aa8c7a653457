"""The bad-input catalogue (issue 4, part 7): one table of hostile or broken inputs.

Each case sends one bad input and checks the documented answer: an `error` frame with its code
(the socket then still answers a ping), a close code, or an HTTP status with a JSON `error` body.
Throughout, a healthy client stays subscribed to `itest.healthy`; after every case a marker is
published and the healthy client must have received every marker so far, in order, once. The
router process must still be up and `/healthz` must answer.
"""

import json
import socket
import threading
import time

import pytest

from harness import WSClient

FRAME_LIMIT = 64 * 1024
BODY_LIMIT = 1024 * 1024


# -- the healthy client ----------------------------------------------------------------------


class Healthy:
    def __init__(self, server):
        self.server = server
        self.ws = WSClient(server)
        self.ws.subscribe(["itest.healthy"])
        self.frames = []
        self.cond = threading.Condition()
        self.failure = None
        self.seq = 0
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            while True:
                frame = self.ws.recv(timeout=None)
                with self.cond:
                    self.frames.append(frame)
                    self.cond.notify_all()
        except Exception as error:  # a close or a bad frame: reported by check()
            with self.cond:
                self.failure = error
                self.cond.notify_all()

    def check(self):
        """Publishes the next marker and asserts everything so far arrived, in order, once."""
        seq = self.seq
        self.seq += 1
        self.server.publish_ok("itest.healthy", {"seq": seq})
        with self.cond:
            self.cond.wait_for(lambda: self.failure is not None or len(self.frames) > seq, timeout=15)
            assert self.failure is None, f"the healthy client lost its socket: {self.failure!r}"
            frames = list(self.frames)
        assert all(f["type"] == "notification" for f in frames), frames[-3:]
        assert [f["data"]["seq"] for f in frames] == list(range(seq + 1)), "the healthy client missed a marker"
        ids = [f["id"] for f in frames]
        assert ids == sorted(set(ids)), "markers out of order or duplicated"

    def close(self):
        self.ws.close()


@pytest.fixture(scope="module")
def healthy(server):
    watcher = Healthy(server)
    watcher.check()
    yield watcher
    watcher.close()


# -- expectations ----------------------------------------------------------------------------


def error_then_alive(ws, code):
    frame = ws.reply()
    assert frame["type"] == "error" and frame["code"] == code, frame
    ws.ping()  # the socket stays open
    return frame


def closed_with(ws, *codes):
    code = ws.expect_close()
    assert code in codes, f"closed with {code}, expected one of {codes}"


def error_or_close(ws, code, close_codes):
    """Either the documented error frame (socket stays usable) or one of `close_codes`."""
    try:
        frame = ws.reply()
    except Exception as closed:
        assert getattr(closed, "code", None) in close_codes, closed
        return
    assert frame["type"] == "error" and frame["code"] == code, frame
    ws.ping()


def http_error(response, *statuses):
    assert response.status_code in statuses, (response.status_code, response.text[:300])
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str), body
    return body


def post_raw(server, body, content_type="application/json"):
    return server.http("POST", "/notifications", data=body, headers={"Content-Type": content_type})


def raw_http(server, data, *, read=True, timeout=10):
    """Sends raw bytes on a fresh TCP connection and returns what came back before close/timeout."""
    with socket.create_connection((server.host, server.port), timeout=timeout) as sock:
        sock.sendall(data)
        if not read:
            return b""
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks):
                    break
        except (socket.timeout, ConnectionResetError):
            pass
        return b"".join(chunks)


def status_of(raw):
    line = raw.split(b"\r\n", 1)[0]
    parts = line.split()
    return int(parts[1]) if len(parts) >= 2 and parts[0].startswith(b"HTTP/1.") else None


# -- the cases -------------------------------------------------------------------------------
# Each takes (server, ws) where `ws` opens a new WebSocket client to the server.


def ws_not_json(server, ws):
    c = ws()
    c.send_text("hello, router")
    error_then_alive(c, "invalid_frame")


def ws_truncated_json(server, ws):
    c = ws()
    c.send_text('{"type":"subscribe","topics":["itest.events"]')
    error_then_alive(c, "invalid_frame")


def ws_empty_text(server, ws):
    c = ws()
    c.send_text("")
    error_then_alive(c, "invalid_frame")


def ws_json_array(server, ws):
    c = ws()
    c.send_text('[{"type":"ping"}]')
    error_then_alive(c, "invalid_frame")


def ws_json_scalar(server, ws):
    c = ws()
    for text in ("42", "null", '"ping"', "true"):
        c.send_text(text)
        error_then_alive(c, "invalid_frame")


def ws_binary_frame(server, ws):
    c = ws()
    c.send_bytes(b'{"type":"ping"}')
    error_or_close(c, "invalid_frame", {1003})


def ws_invalid_utf8(server, ws):
    c = ws()
    c.send_bytes(b'{"type":"ping","ref":"\xff\xfe"}', text=True)
    error_or_close(c, "invalid_frame", {1007})


def ws_unknown_type(server, ws):
    c = ws()
    c.send({"type": "publish", "topic": "itest.events", "data": {"seq": 1}})
    error_then_alive(c, "invalid_frame")


def ws_type_wrong_type(server, ws):
    c = ws()
    c.send({"type": ["subscribe"], "topics": ["itest.events"]})
    error_then_alive(c, "invalid_frame")


def ws_missing_type(server, ws):
    c = ws()
    c.send({"topics": ["itest.events"]})
    error_then_alive(c, "invalid_frame")


def ws_subscribe_without_topics(server, ws):
    c = ws()
    c.send({"type": "subscribe", "ref": "x"})
    frame = error_then_alive(c, "invalid_frame")
    assert frame.get("ref") == "x", "an invalid frame with a readable ref should echo it"


def ws_topics_not_a_list(server, ws):
    c = ws()
    c.send({"type": "subscribe", "topics": "itest.events"})
    error_then_alive(c, "invalid_frame")


def ws_topics_of_wrong_type(server, ws):
    c = ws()
    c.send({"type": "subscribe", "topics": [1, None, {"t": "itest.events"}]})
    error_then_alive(c, "invalid_frame")


def ws_unsubscribe_wrong_type(server, ws):
    c = ws()
    c.send({"type": "unsubscribe", "topics": {"itest.events": True}})
    error_then_alive(c, "invalid_frame")


def ws_since_string(server, ws):
    c = ws()
    c.send({"type": "subscribe", "topics": ["itest.events"], "since": "41"})
    error_then_alive(c, "invalid_frame")


def ws_since_negative(server, ws):
    c = ws()
    c.send({"type": "subscribe", "topics": ["itest.events"], "since": -1})
    error_then_alive(c, "invalid_frame")


def ws_since_fraction(server, ws):
    c = ws()
    c.send({"type": "subscribe", "topics": ["itest.events"], "since": 4.5})
    error_then_alive(c, "invalid_frame")


def ws_since_beyond_64_bits(server, ws):
    c = ws()
    c.send_text('{"type":"subscribe","topics":["itest.events"],"since":18446744073709551616}')
    error_then_alive(c, "invalid_frame")


def ws_huge_number(server, ws):
    c = ws()
    c.send_text('{"type":"subscribe","topics":["itest.events"],"since":1e400}')
    error_then_alive(c, "invalid_frame")


def ws_epoch_wrong_type(server, ws):
    c = ws()
    c.send({"type": "subscribe", "topics": ["itest.events"], "since": 1, "epoch": 7})
    error_then_alive(c, "invalid_frame")


def ws_ref_object(server, ws):
    c = ws()
    c.send({"type": "ping", "ref": {"id": 1}})
    error_then_alive(c, "invalid_frame")


def ws_nan_literal(server, ws):
    c = ws()
    c.send_text('{"type":"ping","ref":NaN}')
    error_then_alive(c, "invalid_frame")


def ws_bad_filter_syntax(server, ws):
    c = ws()
    for bad in ["Itest.Events", "itest", "itest..events", "itest.>.events", "itest.ev*", ">", "itest.events ", "", "a." * 8 + "b"]:
        c.send({"type": "subscribe", "topics": [bad]})
        error_then_alive(c, "invalid_frame")


def ws_topic_over_255_bytes(server, ws):
    c = ws()
    c.send({"type": "subscribe", "topics": ["itest." + "a" * 250 + ".>"]})
    error_then_alive(c, "invalid_frame")


def ws_unknown_topic(server, ws):
    c = ws()
    c.send({"type": "subscribe", "topics": ["itest.evnets"]})
    frame = error_then_alive(c, "unknown_topic")
    assert "itest.events" in json.dumps(frame.get("details")), frame


def ws_10000_filters_in_frames(server, ws):
    """10,000 filters in frames of 250: the first frame fits the 256 limit, every later one is refused."""
    c = ws()
    filters = [f"itest.q{i}.>" for i in range(10_000)]
    c.subscribe(filters[:250])
    for start in range(250, 10_000, 250):
        c.send({"type": "subscribe", "topics": filters[start:start + 250]})
        error_then_alive(c, "limit_exceeded")


def ws_300_filters_in_one_frame(server, ws):
    """More filters in one frame than a connection may hold: client-frame.json's maxItems or the limit."""
    c = ws()
    c.send({"type": "subscribe", "topics": [f"itest.r{i}.>" for i in range(300)]})
    frame = c.reply()
    assert frame["type"] == "error" and frame["code"] in ("limit_exceeded", "invalid_frame"), frame
    c.ping()


def ws_10000_filters_in_one_frame(server, ws):
    c = ws()
    c.send({"type": "subscribe", "topics": [f"itest.q{i}.>" for i in range(10_000)]})
    closed_with(c, 1009)


def ws_frame_over_limit(server, ws):
    c = ws()
    c.send_text('{"type":"ping"' + " " * FRAME_LIMIT + "}")
    closed_with(c, 1009)


def ws_deep_nesting_100000(server, ws):
    c = ws()
    c.send_text("[" * 100_000 + "]" * 100_000)
    closed_with(c, 1009)


def ws_deep_nesting_under_frame_limit(server, ws):
    c = ws()
    depth = 30_000
    c.send_text('{"type":"ping","ref":' + "[" * depth + "]" * depth + "}")
    error_then_alive(c, "invalid_frame")


def ws_many_frames_then_ping(server, ws):
    """Fifty bad frames in a row: fifty errors, and the socket still works."""
    c = ws()
    for _ in range(50):
        c.send_text("{")
    for _ in range(50):
        assert c.reply()["code"] in ("invalid_frame", "limit_exceeded")
    c.ping()


def ws_handshake_without_key(server, ws):
    raw = raw_http(server, b"GET /push HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           b"Sec-WebSocket-Version: 13\r\n\r\n")
    status = status_of(raw)
    assert status is not None and 400 <= status < 500, raw[:200]


def ws_abrupt_disconnect_mid_frame(server, ws):
    """A client that sends half a frame header and vanishes."""
    c = ws()
    c.ws.socket.sendall(b"\x81\xfe")  # text frame, 16-bit length follows... never
    c.ws.socket.shutdown(socket.SHUT_RDWR)
    c.close()


def http_not_json(server, ws):
    http_error(post_raw(server, b"hello, router"), 400)


def http_empty_body(server, ws):
    http_error(post_raw(server, b""), 400)


def http_truncated_json(server, ws):
    http_error(post_raw(server, b'{"topic":"itest.events","data":{"seq":1}'), 400)


def http_not_an_object(server, ws):
    http_error(post_raw(server, b"42"), 400)


def http_missing_data(server, ws):
    http_error(post_raw(server, b'{"topic":"itest.events"}'), 400)


def http_topic_wrong_type(server, ws):
    http_error(post_raw(server, b'{"topic":["itest.events"],"data":{"seq":1}}'), 400)


def http_bad_topic_name(server, ws):
    http_error(post_raw(server, b'{"topic":"Not A Topic","data":{}}'), 400, 404)


def http_unknown_topic(server, ws):
    body = http_error(server.publish("itest.evnets", {"seq": 1}), 404)
    assert body["error"] == "unknown_topic"


def http_schema_invalid(server, ws):
    body = http_error(server.publish("itest.events", {"seq": "one"}), 422)
    assert body["error"] == "invalid" and body["errors"][0]["instanceLocation"] == "/data/seq", body


def http_schema_invalid_missing_required(server, ws):
    body = http_error(server.publish("itest.events", {"msg": "no seq"}), 422)
    assert body["error"] == "invalid", body


def http_invalid_utf8(server, ws):
    http_error(post_raw(server, b'{"topic":"itest.any","data":"\xff\xfe"}'), 400)


def http_nan(server, ws):
    http_error(post_raw(server, b'{"topic":"itest.any","data":NaN}'), 400)


def http_huge_number(server, ws):
    http_error(post_raw(server, b'{"topic":"itest.any","data":1e400}'), 400)


def http_big_integer(server, ws):
    """Beyond 64 bits: refused (400), or accepted and stored as valid JSON holding that number."""
    response = post_raw(server, b'{"topic":"itest.any","data":{"n":123456789012345678901234567890}}')
    if response.status_code == 400:
        http_error(response, 400)
        return
    assert response.status_code == 202, response.text
    got = server.http("GET", "/notifications", params={"topics": "itest.any", "since": response.json()["id"] - 1, "limit": 1})
    assert got.json()["notifications"][0]["data"]["n"] in (123456789012345678901234567890, 1.2345678901234568e29)


def http_deep_nesting_100000(server, ws):
    depth = 100_000
    body = b'{"topic":"itest.any","data":' + b"[" * depth + b"]" * depth + b"}"
    http_error(post_raw(server, body), 400)


def http_body_over_limit(server, ws):
    head, tail = b'{"topic":"itest.any","data":"', b'"}'
    http_error(post_raw(server, head + b"x" * (BODY_LIMIT + 1 - len(head) - len(tail)) + tail), 413)


def http_body_far_over_limit(server, ws):
    http_error(post_raw(server, b"[" + b"1," * (4 * BODY_LIMIT) + b"1]"), 413)


def http_chunked_over_limit(server, ws):
    def chunks():
        yield b'{"topic":"itest.any","data":"'
        for _ in range(20):
            yield b"z" * 65536
        yield b'"}'

    http_error(server.http("POST", "/notifications", data=chunks(), headers={"Content-Type": "application/json"}), 413)


def http_batch_with_bad_items(server, ws):
    response = server.http("POST", "/notifications", json=[{"topic": "itest.nope", "data": {}}, {"topic": "itest.events", "data": {"seq": "x"}}])
    assert response.status_code == 207, response.text
    body = response.json()
    results = body["results"] if isinstance(body, dict) else body
    assert [r["error"] for r in results] == ["unknown_topic", "invalid"], results


def http_history_bad_parameters(server, ws):
    for params in ({"topics": "itest.events", "since": "abc"}, {"topics": "itest.events", "limit": "-3"},
                   {"topics": "Bad Filter"}, {"topics": "itest.events", "wait": "soon"}):
        http_error(server.http("GET", "/notifications", params=params), 400)


def http_history_unknown_topic(server, ws):
    assert http_error(server.http("GET", "/notifications", params={"topics": "itest.nope"}), 404)["error"] == "unknown_topic"


def http_unknown_path(server, ws):
    http_error(server.http("GET", "/definitely/not/here"), 404)


def http_wrong_method(server, ws):
    http_error(server.http("DELETE", "/notifications"), 404, 405)


def http_garbage_request_line(server, ws):
    raw = raw_http(server, b"\x16\x03\x01\x02\x00 GARBAGE\r\n\r\n")
    status = status_of(raw)
    assert status is None or 400 <= status < 500, raw[:200]


def http_slowloris_headers(server, ws):
    """Twenty connections each sending half a request and stalling: the router keeps serving."""
    stalled = []
    try:
        for _ in range(20):
            sock = socket.create_connection((server.host, server.port), timeout=5)
            sock.sendall(b"POST /notifications HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
            stalled.append(sock)
        time.sleep(0.2)
        server.publish_ok("itest.events", {"seq": 1})  # served while they stall
    finally:
        for sock in stalled:
            sock.close()


def http_slowloris_body(server, ws):
    """A body announced as 100 bytes of which 10 come: the router keeps serving others."""
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(b"POST /notifications HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"topic\":")
        time.sleep(0.2)
        server.publish_ok("itest.events", {"seq": 2})


CASES = [
    ws_not_json, ws_truncated_json, ws_empty_text, ws_json_array, ws_json_scalar, ws_binary_frame,
    ws_invalid_utf8, ws_unknown_type, ws_type_wrong_type, ws_missing_type, ws_subscribe_without_topics,
    ws_topics_not_a_list, ws_topics_of_wrong_type, ws_unsubscribe_wrong_type, ws_since_string,
    ws_since_negative, ws_since_fraction, ws_since_beyond_64_bits, ws_huge_number, ws_epoch_wrong_type,
    ws_ref_object, ws_nan_literal, ws_bad_filter_syntax, ws_topic_over_255_bytes, ws_unknown_topic,
    ws_10000_filters_in_frames, ws_300_filters_in_one_frame, ws_10000_filters_in_one_frame, ws_frame_over_limit, ws_deep_nesting_100000,
    ws_deep_nesting_under_frame_limit, ws_many_frames_then_ping, ws_handshake_without_key,
    ws_abrupt_disconnect_mid_frame,
    http_not_json, http_empty_body, http_truncated_json, http_not_an_object, http_missing_data,
    http_topic_wrong_type, http_bad_topic_name, http_unknown_topic, http_schema_invalid,
    http_schema_invalid_missing_required, http_invalid_utf8, http_nan, http_huge_number, http_big_integer,
    http_deep_nesting_100000, http_body_over_limit, http_body_far_over_limit, http_chunked_over_limit,
    http_batch_with_bad_items, http_history_bad_parameters, http_history_unknown_topic, http_unknown_path,
    http_wrong_method, http_garbage_request_line, http_slowloris_headers, http_slowloris_body,
]

# Cases the tornado peer is known to get wrong (strict xfail under --server=tornado), with why.
PEER_BUGS = {
    "ws_invalid_utf8": "tornado aborts the TCP connection on invalid UTF-8 without a close frame",
}


# Cases wok-router is known to get wrong (strict xfail under --server=wok-router), with why.
ROUTER_BUGS = {
    # (ws_handshake_without_key was fixed in the server: malformed upgrades now get a 400.)
}


def _params():
    out = []
    for case in CASES:
        marks = []
        if case.__name__ in ROUTER_BUGS:
            marks.append(pytest.mark.wok_router_bug(ROUTER_BUGS[case.__name__]))
        if case.__name__ in PEER_BUGS:
            marks.append(pytest.mark.tornado_bug(PEER_BUGS[case.__name__]))
        out.append(pytest.param(case, id=case.__name__, marks=marks))
    return out


@pytest.mark.parametrize("case", _params())
def test_bad_input(case, server, healthy, client):
    case(server, client)
    assert server.alive(), f"the router went down on {case.__name__}:\n{server.log_tail()}"
    healthy.check()


def test_catalogue_is_at_least_thirty_cases():
    assert len(CASES) >= 30 and len({c.__name__ for c in CASES}) == len(CASES)
