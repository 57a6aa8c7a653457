"""Close codes, PROTOCOL section 4: 1009 frame too large, 1013 slow consumer, 1001 shutdown."""

import signal
import threading
import time

import pytest

from harness import WSClient

FRAME_LIMIT = 64 * 1024


def padded_ping(size):
    """A valid ping frame of exactly `size` bytes (padded with JSON whitespace)."""
    frame = '{"type":"ping"' + " " * (size - len('{"type":"ping"}')) + "}"
    assert len(frame.encode()) == size
    return frame


def test_frame_at_the_limit_is_accepted(client):
    ws = client()
    ws.send_text(padded_ping(FRAME_LIMIT))
    assert ws.reply()["type"] == "pong"


def test_frame_one_byte_over_the_limit_closes_with_1009(server, client):
    ws = client()
    ws.send_text(padded_ping(FRAME_LIMIT + 1))
    assert ws.expect_close() == 1009
    assert server.alive()


def test_fragmented_message_over_the_limit_closes_with_1009(client):
    ws = client()
    text = padded_ping(FRAME_LIMIT + 1000)
    ws.ws.send([text[i:i + 8192] for i in range(0, len(text), 8192)])
    assert ws.expect_close() == 1009


def test_fragmented_message_under_the_limit_is_one_message(client):
    ws = client()
    text = padded_ping(30_000)
    ws.ws.send([text[i:i + 7000] for i in range(0, len(text), 7000)])
    assert ws.reply()["type"] == "pong"


def test_protocol_ping_from_the_client_gets_a_pong(client):
    ws = client()
    assert ws.ws.ping(b"hello").wait(10), "no protocol pong"


class Collector(threading.Thread):
    """Reads notifications as fast as they come, until it has `count` of them."""

    def __init__(self, ws, count):
        super().__init__(daemon=True)
        self.ws = ws
        self.count = count
        self.frames = []
        self.error = None

    def run(self):
        try:
            self.frames = self.ws.notifications(self.count, timeout=120)
        except Exception as error:
            self.error = error


@pytest.mark.tornado_bug("tornado aborts the stream 5 s after close(), dropping a close frame still in its write buffer")
def test_slow_consumer_is_closed_with_1013_and_others_get_everything(server, client):
    """A client that stops reading is cut off with 1013; a healthy one on the same topic misses nothing.

    The slow client stays frozen 5 s after the flood (a throttled background tab) before it reads
    again: it must then find its notifications so far and the 1013 close frame.
    """
    healthy = client()
    healthy.subscribe(["itest.any"])
    # A tiny receive buffer and a one-message queue: after a few frames this client stops reading.
    slow = client(rcvbuf=4096, max_queue=1)
    slow.subscribe(["itest.any"])
    batches, per_batch, size = 60, 50, 4000
    collector = Collector(healthy, batches * per_batch)
    collector.start()
    ids = []
    for b in range(batches):
        response = server.publish_batch([("itest.any", {"b": b, "i": i, "pad": "p" * size}) for i in range(per_batch)])
        assert response.status_code == 207, response.text[:300]
        body = response.json()
        results = body["results"] if isinstance(body, dict) else body
        ids += [r["id"] for r in results]
    collector.join(120)
    assert collector.error is None, collector.error
    assert [f["id"] for f in collector.frames] == ids, "the healthy client missed or reordered notifications"
    time.sleep(5)
    code = slow.expect_close(timeout=60)
    assert code == 1013, code
    got = [f["id"] for f in slow.backlog]
    assert len(got) < len(ids), "the slow client was never behind: the test did not test anything"
    assert got == ids[:len(got)], "what the slow client did get was not a prefix in order"
    assert server.alive()


def test_sigterm_closes_sockets_with_1001_and_exits_0(server_factory):
    router = server_factory()
    one = WSClient(router)
    one.subscribe(["itest.events"])
    two = WSClient(router)
    assert router.stop(signal.SIGTERM) == 0
    assert one.expect_close() == 1001
    assert two.expect_close() == 1001


def test_bad_origin_is_closed_with_1008(origin_server):
    bad = WSClient(origin_server, origin="https://evil.example")
    assert bad.expect_close() == 1008
    good = WSClient(origin_server, origin="https://wok.example")
    assert good.ping()["type"] == "pong"
    good.subscribe(["itest.events"])
    published = origin_server.publish_ok("itest.events", {"seq": 1})
    assert good.notifications(1)[0]["id"] == published["id"]


def raw_websocket(server, path="/push"):
    """A bare TCP socket after a hand-made WebSocket handshake: it answers nothing by itself."""
    import base64
    import os
    import socket

    sock = socket.create_connection((server.host, server.port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {server.host}:{server.port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        assert chunk, "closed during the handshake"
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def read_frame(sock):
    """(opcode, payload) of the next server frame (servers do not mask)."""
    def exactly(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    first, second = exactly(2)
    length = second & 0x7F
    if length == 126:
        length = int.from_bytes(exactly(2), "big")
    elif length == 127:
        length = int.from_bytes(exactly(8), "big")
    return first & 0x0F, exactly(length)


@pytest.fixture(scope="module")
def quick_pings(server_factory, server_kind):
    if server_kind == "tornado":
        pytest.skip("the tornado peer's ping interval is fixed at 30 s")
    from harness import router_config

    return server_factory(config=router_config(ping_interval=0.3, ping_timeout=1.5))


@pytest.mark.wok_router_only("configurable ping interval and timeout")
def test_router_pings_and_closes_a_socket_that_never_answers(quick_pings):
    sock = raw_websocket(quick_pings)
    try:
        opcode, _ = read_frame(sock)
        assert opcode == 0x9, f"expected a protocol ping, got opcode {opcode}"
        # Never answer: the router must give up on this socket.
        closed = False
        try:
            for _ in range(100):
                opcode, _ = read_frame(sock)
                assert opcode in (0x9, 0x8), opcode
                if opcode == 0x8:
                    closed = True
                    break
        except (EOFError, ConnectionResetError):
            closed = True
        assert closed, "the router kept a socket that never answered its pings"
    finally:
        sock.close()


@pytest.mark.wok_router_only("configurable ping interval and timeout")
def test_a_socket_that_answers_pings_stays_open(quick_pings):
    healthy = WSClient(quick_pings)  # websockets answers protocol pings by itself
    try:
        healthy.subscribe(["itest.events"])
        time.sleep(4)  # well past ping_timeout, answering every ping meanwhile
        published = quick_pings.publish_ok("itest.events", {"seq": 1})
        assert healthy.notifications(1)[0]["id"] == published["id"]
    finally:
        healthy.close()


@pytest.mark.wok_router_only("graceful shutdown of the router's own listeners")
def test_sigterm_answers_requests_in_flight_and_closes_idle_connections(server_factory):
    """SIGTERM with a push socket, a long-poll in flight and an idle keep-alive connection open, on
    TCP and on the UNIX socket: the push socket gets 1001, the long-poll its answer, the idle
    connection is closed, the socket file is removed, and the router exits 0."""
    import os
    import socket
    import threading

    import requests

    router = server_factory(unix_socket=True)
    ws = WSClient(router)
    ws.subscribe(["itest.events"])
    answers = {}

    def long_poll():
        try:
            answers["poll"] = requests.get(router.url("/notifications", topics="itest.events", wait=15), timeout=30)
        except Exception as error:  # reported by the assertion below
            answers["poll"] = error

    poller = threading.Thread(target=long_poll)
    poller.start()
    idle = socket.create_connection((router.host, router.port), timeout=10)
    idle.sendall(f"GET /healthz HTTP/1.1\r\nHost: {router.host}\r\n\r\n".encode())
    assert idle.recv(65536).startswith(b"HTTP/1.1 200")
    unix = socket.socket(socket.AF_UNIX)
    unix.settimeout(10)
    unix.connect(router.unix_socket)
    unix.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert unix.recv(65536).startswith(b"HTTP/1.1 200")
    time.sleep(0.3)  # the long-poll is waiting by now

    assert router.stop(signal.SIGTERM) == 0
    assert ws.expect_close() == 1001
    poller.join(10)
    poll = answers.get("poll")
    # Answered in full: its empty page, or 503 when the store had already closed for the shutdown.
    assert isinstance(poll, requests.Response) and poll.status_code in (200, 503), poll
    body = poll.json()
    assert body.get("notifications") == [] if poll.status_code == 200 else isinstance(body.get("error"), str), body
    for sock in (idle, unix):
        try:
            assert sock.recv(65536) == b"", "the idle connection was left open"
        except ConnectionResetError:
            pass
        sock.close()
    assert not os.path.exists(router.unix_socket)
