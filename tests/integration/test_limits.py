"""Every limit is configurable and holds at its edge (PROTOCOL section 6), on a router with small limits."""

import base64
import os
import time

import pytest

from harness import RawHTTP, WSClient, eventually, router_config

pytestmark = pytest.mark.wok_router_only("configurable limits")


@pytest.fixture(scope="module")
def tight(server_factory):
    return server_factory(config=router_config(
        max_frame_bytes=1024, max_filters=4, max_body_bytes=2048, client_frame_rate=5, client_frame_burst=10,
        outbound_queue_frames=8, max_connections=6,
    ))


def padded_ping(size):
    """A valid ping frame of exactly `size` bytes (padded with JSON whitespace)."""
    frame = '{"type":"ping"' + " " * (size - len('{"type":"ping"}')) + "}"
    assert len(frame.encode()) == size
    return frame


def test_frame_size_limit_edge(tight):
    ws = WSClient(tight)
    ws.send_text(padded_ping(1024))
    assert ws.reply()["type"] == "pong"
    ws.send_text(padded_ping(1025))
    assert ws.expect_close() == 1009


def test_filter_limit_edge(tight):
    ws = WSClient(tight)
    ws.subscribe(["itest.a.>", "itest.b.>", "itest.c.>", "itest.d.>"])
    ws.send({"type": "subscribe", "topics": ["itest.e.>"], "ref": 5})
    error = ws.reply()
    assert error["code"] == "limit_exceeded" and error["ref"] == 5
    ws.close()


@pytest.fixture(scope="module")
def two_filters(server_factory):
    return server_factory(config=router_config(max_filters=2))


def test_filter_limit_holds_when_a_subscribe_in_flight_fails(two_filters):
    """A resume (`since`) that fails on an unknown topic, followed at once by a subscribe of one
    of its filters: the second must count that filter. Before, the failure took it off the
    connection's count while the router kept it, so a client could hold any number of filters."""
    ws = WSClient(two_filters)
    answers = {}
    for i in range(5):
        ws.send({"type": "subscribe", "topics": [f"itest.race{i}.>", "itest.nope"], "since": 0, "ref": f"a{i}"})
        ws.send({"type": "subscribe", "topics": [f"itest.race{i}.>"], "ref": f"b{i}"})
        for _ in range(2):
            answer = ws.reply()
            answers[answer["ref"]] = answer
    assert all(answers[f"a{i}"]["code"] == "unknown_topic" for i in range(5)), answers
    kinds = [answers[f"b{i}"]["type"] for i in range(5)]
    assert kinds == ["subscribed"] * 2 + ["error"] * 3, answers
    assert all(answers[f"b{i}"]["code"] == "limit_exceeded" for i in range(2, 5)), answers
    ws.close()


@pytest.fixture(scope="module")
def wide(server_factory):
    return server_factory(config=router_config(max_filters=300))


def test_filter_limit_above_the_default_holds_in_one_frame(wide):
    """A configured max_filters above 256 (the default) is honoured by one subscribe frame: 300
    filters pass, 301 are limit_exceeded. Before, client-frame.json's maxItems 256 refused any
    frame of more than 256 filters as invalid_frame whatever the setting."""
    ws = WSClient(wide)
    ws.send({"type": "subscribe", "topics": [f"itest.w{i}.>" for i in range(301)], "ref": "over"})
    error = ws.reply()
    assert error["code"] == "limit_exceeded" and error["details"]["max"] == 300, error
    ws.subscribe([f"itest.w{i}.>" for i in range(300)])
    ws.close()


def test_filter_limit_counts_a_filter_named_twice_once(tight):
    ws = WSClient(tight)
    answer = ws.subscribe(["itest.a.>", "itest.b.>", "itest.a.>", "itest.c.>", "itest.d.>"])
    assert answer["type"] == "subscribed"
    ws.send({"type": "subscribe", "topics": ["itest.e.>", "itest.e.>"], "ref": 1})
    assert ws.reply()["code"] == "limit_exceeded"
    ws.close()


def test_filter_limit_frees_unsubscribed_filters(tight):
    ws = WSClient(tight)
    ws.subscribe(["itest.a.>", "itest.b.>", "itest.c.>", "itest.d.>"])
    assert ws.request({"type": "unsubscribe", "topics": ["itest.a.>", "itest.zz.>"]})["type"] == "unsubscribed"
    ws.subscribe(["itest.e.>"])
    ws.send({"type": "subscribe", "topics": ["itest.f.>"], "ref": 2})
    assert ws.reply()["code"] == "limit_exceeded"
    ws.close()


def test_body_size_limit_edge(tight):
    head, tail = b'{"topic":"itest.any","data":"', b'"}'
    exact = head + b"x" * (2048 - len(head) - len(tail)) + tail
    assert tight.http("POST", "/notifications", data=exact).status_code == 202
    over = head + b"x" * (2049 - len(head) - len(tail)) + tail
    response = tight.http("POST", "/notifications", data=over)
    assert response.status_code == 413 and response.json()["error"]


def test_client_frame_rate_limit(tight):
    """A burst of 10 frames passes; frames beyond the burst at 5/s get limit_exceeded; the socket stays."""
    ws = WSClient(tight)
    for i in range(30):
        ws.send({"type": "ping", "ref": i})
    answers = [ws.reply() for _ in range(30)]
    pongs = [a for a in answers if a["type"] == "pong"]
    refused = [a for a in answers if a["type"] == "error"]
    assert len(pongs) >= 10, answers
    assert refused and all(a["code"] == "limit_exceeded" for a in refused), answers
    assert len(pongs) + len(refused) == 30
    ws.close()


def test_frames_over_the_rate_are_refused_with_their_ref(tight):
    """PROTOCOL section 4: the reply to any client frame echoes its ref, the refusal of a frame over
    the rate included (string and integer refs alike): each frame gets exactly one answer with its ref."""
    ws = WSClient(tight)
    refs = [i if i % 2 else f"r{i}" for i in range(30)]
    for ref in refs:
        ws.send({"type": "ping", "ref": ref})
    answers = [ws.reply() for _ in refs]
    refused = [a for a in answers if a["type"] == "error"]
    assert refused and all(a["code"] == "limit_exceeded" for a in refused), answers
    assert sorted(map(str, (a["ref"] for a in answers))) == sorted(map(str, refs)), answers
    ws.close()


def test_frame_over_the_rate_that_is_not_utf8_still_closes_1007(tight):
    ws = WSClient(tight)
    for i in range(20):
        ws.send({"type": "ping", "ref": i})
    ws.send_bytes(b'{"type":"ping","ref":"\xff"}', text=True)
    assert ws.expect_close() == 1007


@pytest.fixture(scope="module")
def small_queue(server_factory):
    return server_factory(config=router_config(outbound_queue_frames=8))


def test_outbound_queue_frame_bound_closes_a_reader_that_stalls(small_queue):
    """With an 8-frame queue, a reader that stalls is closed with 1013 once the kernel buffers are full."""
    slow = WSClient(small_queue, rcvbuf=4096, max_queue=1)
    slow.subscribe(["itest.any"])
    healthy = WSClient(small_queue)
    healthy.subscribe(["itest.any"])
    ids = []
    for b in range(300):  # 300 x 4 x 5 KB = 6 MB: more than the kernel buffers hold
        response = small_queue.publish_batch([("itest.any", {"b": b, "pad": "p" * 5000}) for _ in range(4)])
        batch = [r["id"] for r in response.json()]
        ids += batch
        assert [f["id"] for f in healthy.notifications(4)] == batch
    time.sleep(3)  # the stalled reader stays frozen a little longer, then reads again
    assert slow.expect_close(timeout=30) == 1013
    assert len(slow.backlog) < len(ids)
    slow.close()
    healthy.close()


def test_protocol_pings_from_a_client_that_never_reads_hit_the_outbound_bound(small_queue):
    """Pongs go through the bounded outbound queue like every frame: a client that sends
    protocol pings and never reads is closed 1013 once the kernel buffers and the queue are
    full. Before, pongs bypassed the queue and piled up in the router's memory without bound."""
    raw = RawHTTP(small_queue, timeout=30)  # default buffers: a tiny receive window reads slowly
    raw.send(RawHTTP.request("GET", "/push", body=None, headers={
        "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
    }))
    assert raw.head()[0] == 101
    ping = bytes([0x89, 0x80 | 125]) + b"\0\0\0\0" + b"p" * 125  # masked with a zero key
    sent = 0
    for _ in range(150):  # 150 x 1,000 pings = 19 MB of pongs: more than the kernel buffers hold
        raw.send(ping * 1000)
        sent += 1000
    pongs = 0
    while True:
        opcode, payload = raw.frame()
        if opcode == 0x8:
            break
        assert opcode == 0xA, opcode
        pongs += 1
        assert pongs < sent, "every ping was answered: no bound on pongs"
    assert int.from_bytes(payload[:2], "big") == 1013
    raw.close()


def test_connection_limit(tight):
    """Past max_connections a new socket is refused; closing one frees a place."""
    open_sockets = []
    refused = None
    try:
        for _ in range(10):
            try:
                ws = WSClient(tight)
                ws.ping()
                open_sockets.append(ws)
            except Exception as error:  # refused at the handshake or closed right after
                refused = error
                break
        assert refused is not None and len(open_sockets) <= 6, len(open_sockets)
        open_sockets.pop().close()

        def can_connect():
            try:
                again = WSClient(tight)
                again.ping()
                again.close()
                return True
            except Exception:
                return False

        assert eventually(can_connect, timeout=10), "a freed place was not given to a new socket"
    finally:
        for ws in open_sockets:
            ws.close()
