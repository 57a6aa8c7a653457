"""Connection slots (max_connections: every TCP connection; push + SSE + long-poll) given back when a client goes away
before its answer: a hostile client must not hold slots with connections it already closed."""

import json
import select
import socket
import time

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from harness import Closed, RawHTTP, WSClient, eventually, metric, router_config
from test_auth import SECRET, token

BODY = b'{"topic":"itest.events","data":{"seq":1}}'


@pytest.fixture(scope="module")
def few_slots(server_factory):
    return server_factory(config=router_config(secret=SECRET, max_connections=5, max_wait=60))


def push_admitted(server, tok):
    """Whether a push socket gets a slot now; False when it is refused for the connection bound:
    503 at once (every TCP connection counts) or 1013 after the upgrade (the push slots are full);
    any other refusal fails the test."""
    try:
        ws = WSClient(server, token=tok)
        try:
            return ws.subscribe(["itest.events"])["type"] == "subscribed"
        finally:
            ws.close()
    except Closed as closed:
        assert closed.code == 1013, closed
    except ConnectionClosed as closed:
        assert closed.rcvd is not None and closed.rcvd.code == 1013, closed
    except InvalidStatus as refused:
        if refused.response.status_code != 503:
            raise AssertionError(f"the upgrade was refused: {refused}") from None
    return False


def fire_and_forget(server, path, *, reset=False):
    sock = socket.create_connection((server.host, server.port), timeout=5)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    if reset:  # an abortive close: RST instead of FIN
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()


@pytest.mark.wok_router_only("max_connections and long-poll slots")
@pytest.mark.parametrize("reset", [False, True], ids=["fin", "rst"])
def test_a_long_poll_whose_client_left_gives_its_slot_back(few_slots, reset):
    """Long-polls (wait=50) sent and closed at once: their slots come back long before `wait` runs
    out, and a push socket is admitted. (They used to hold their slot for the whole wait: 20 such
    requests a minute kept every push socket out.)"""
    reader = token(topics=["itest.events"])
    for i in range(8):
        fire_and_forget(few_slots, f"/notifications?topics=itest.events&wait=50&token={reader}", reset=reset)
    # Polled: the server may still be taking slots for the requests just sent when we first look.
    assert eventually(lambda: push_admitted(few_slots, reader), timeout=15, interval=0.2)
    assert eventually(lambda: metric(few_slots, "wok_router_connections", transport="longpoll") == 0, timeout=15), \
        (metric(few_slots, "wok_router_connections", transport="longpoll"), few_slots.log_tail(60))


@pytest.mark.wok_router_only("max_connections and SSE/push slots")
@pytest.mark.parametrize("path", ["/events?topics=itest.events&token={t}", "/push?token={t}"], ids=["sse", "push-upgrade"])
def test_streams_and_upgrades_whose_client_left_give_their_slot_back(few_slots, path):
    """The same for SSE streams and /push upgrades cut while their fresh token is being verified."""
    for i in range(8):
        t = token(topics=["itest.events"], jti=f"slot-{path[:4]}-{i}")
        if path.startswith("/push"):
            sock = socket.create_connection((few_slots.host, few_slots.port), timeout=5)
            sock.sendall((f"GET /push?token={t} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").encode())
            sock.close()
        else:
            fire_and_forget(few_slots, path.format(t=t))
    transport = "sse" if path.startswith("/events") else "websocket"
    assert eventually(lambda: push_admitted(few_slots, token(topics=["itest.events"])), timeout=15, interval=0.2)
    assert eventually(lambda: metric(few_slots, "wok_router_connections", transport=transport) == 0, timeout=15)


@pytest.fixture(scope="module")
def three_connections(server_factory):
    return server_factory(config=router_config(max_connections=3, linger_timeout=1), unix_socket=True)


def assert_refused(server):
    """A new TCP connection's request is answered 503 limit_exceeded, and the connection closed."""
    with RawHTTP(server, timeout=5) as raw:
        raw.send(RawHTTP.request("GET", "/healthz", None))
        status, _, body = raw.response()
        assert status == 503 and json.loads(body)["error"] == "limit_exceeded", (status, body)
        assert raw.closed_by_peer()


def unix_get(server, path):
    unix = socket.socket(socket.AF_UNIX)
    unix.settimeout(10)
    unix.connect(server.unix_socket)
    with unix:
        unix.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := unix.recv(65536):
            data += chunk
    return data


def open_connections(server, count):
    """Whether the router counts `count` TCP connections open (asked over the UNIX socket)."""
    return b"\nwok_router_open_connections %d" % count in b"\n" + unix_get(server, "/metrics")


@pytest.mark.wok_router_only("max_connections over every TCP connection")
def test_every_tcp_connection_counts_against_max_connections(three_connections):
    """Idle keep-alive connections and connections that sent nothing yet count: with 3 open, the
    next one's request is answered 503 and the connection closed; once one closes, the next is served. The UNIX socket is not
    starved meanwhile, and the count is on /metrics."""
    server = three_connections
    # The fixture's health check closed its connection, but the router may not have seen that yet.
    assert eventually(lambda: open_connections(server, 0))
    keep_alive = RawHTTP(server)
    keep_alive.send(RawHTTP.request("GET", "/healthz", None))
    assert keep_alive.response()[0] == 200
    silent = [socket.create_connection((server.host, server.port), timeout=10) for _ in range(2)]
    try:
        # Counted before the next one is accepted (each connection is counted on its own event
        # loop, so accepting them in order does not count them in order).
        assert eventually(lambda: open_connections(server, 3))
        assert_refused(server)
        assert_refused(server)  # refusals do not count
        with RawHTTP(server, timeout=10) as raw:  # sends nothing: answered all the same after linger_timeout
            status, _, body = raw.response()
            assert status == 503 and json.loads(body)["error"] == "limit_exceeded", (status, body)
            assert raw.closed_by_peer()
        keep_alive.send(RawHTTP.request("GET", "/metrics", None))
        status, _, body = keep_alive.response()
        assert status == 200 and b"\nwok_router_open_connections 3" in b"\n" + body, body.decode()[-2000:]
        assert b" 200 " in unix_get(server, "/healthz").split(b"\r\n", 1)[0]
        silent.pop().close()
        third = []

        def served():
            raw = RawHTTP(server)
            try:
                raw.send(RawHTTP.request("GET", "/healthz", None))
                if raw.response()[0] == 200:
                    third.append(raw)  # kept open: it holds the freed slot
                    return True
            except (AssertionError, OSError):
                pass
            raw.close()
            return False

        assert eventually(served, timeout=10), "the slot of the closed connection was not given back"
        assert_refused(server)  # the bound again, now with the new connection
        third[0].close()
    finally:
        keep_alive.close()
        for sock in silent:
            sock.close()
    assert eventually(lambda: open_connections(server, 0), timeout=10)


@pytest.fixture(scope="module")
def slow_pings(server_factory):
    return server_factory(config=router_config(ping_interval=120, ping_timeout=240), unix_socket=True)


@pytest.mark.wok_router_only("wok_router_open_connections")
def test_a_push_socket_whose_client_closed_its_side_is_closed_at_once(slow_pings):
    """A client gone with a FIN and no close frame (its process ended) can send nothing more: the
    router closes the socket at once. It stayed open (and counted against max_connections) until
    the next ping's write failed, here 120 s later."""
    server = slow_pings
    sock = socket.create_connection((server.host, server.port), timeout=10)
    with sock:
        sock.sendall(b"GET /push HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            assert chunk, head
            head += chunk
        assert head.startswith(b"HTTP/1.1 101 "), head
        assert eventually(lambda: open_connections(server, 1))
        sock.shutdown(socket.SHUT_WR)
        rest = head.split(b"\r\n\r\n", 1)[1]
        while chunk := sock.recv(4096):  # the socket's timeout (10 s) fails the test if the router keeps it open
            rest += chunk
        assert rest == b"", rest
    assert eventually(lambda: open_connections(server, 0))


@pytest.fixture(scope="module")
def short_idle(server_factory):
    return server_factory(config=router_config(idle_timeout=2), unix_socket=True)


@pytest.mark.wok_router_only("wok_router_open_connections")
def test_a_client_that_never_reads_its_answers_does_not_hold_its_connection(short_idle):
    """A client pipelining requests and reading none of the answers: once they fill the socket,
    the router stops reading it, so no request or idle clock ran and the connection (counted
    against max_connections) stayed open for ever. It is closed once it has been unwritable for
    idle_timeout."""
    server = short_idle
    sock = socket.create_connection((server.host, server.port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    with sock:
        requests_ = b"GET /topics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * 100
        blocked_since = None
        deadline = time.monotonic() + 60
        # Send until the router stops reading (the sends block for a second), or it closes.
        while time.monotonic() < deadline:
            try:
                sock.send(requests_)
                blocked_since = None
            except BlockingIOError:
                blocked_since = blocked_since or time.monotonic()
                if time.monotonic() - blocked_since > 1:
                    break
                time.sleep(0.05)
            except OSError:
                break
        assert eventually(lambda: open_connections(server, 0), timeout=20)


@pytest.fixture(scope="module")
def one_connection(server_factory):
    return server_factory(config=router_config(max_connections=1, linger_timeout=3), unix_socket=True)


@pytest.mark.wok_router_only("max_connections and lingering close")
def test_a_refused_client_that_sends_its_request_just_after_its_503_still_reads_it(one_connection):
    """A connection past max_connections that sends nothing is answered 503 after linger_timeout
    (3 s here). A client whose request leaves just as that answer goes out (here: once the answer
    is there, unread) must not be reset: the router drains its request, as after any other early
    answer, instead of closing with it unread. (It closed at once: the request then met a closed
    socket, the router's kernel answered with a reset, and the client's next send failed with
    EPIPE before it read anything.)"""
    server = one_connection
    assert eventually(lambda: open_connections(server, 0))  # the fixture's health check has closed
    held = socket.create_connection((server.host, server.port), timeout=10)  # the one slot: silent, counted
    try:
        assert eventually(lambda: open_connections(server, 1))
        with socket.create_connection((server.host, server.port), timeout=10) as sock:
            readable, _, _ = select.select([sock], [], [], 20)
            assert readable, "no answer after linger_timeout"
            head = b"POST /notifications HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n" % len(BODY)
            sock.sendall(head)
            time.sleep(0.5)  # a reset from a closed socket would be back by now (loopback)
            try:
                sock.sendall(BODY)
            except (BrokenPipeError, ConnectionResetError) as error:
                raise AssertionError(f"the router reset the refused connection under its 503: {error!r}") from None
            sock.shutdown(socket.SHUT_WR)
            received = b""
            try:
                while chunk := sock.recv(65536):
                    received += chunk
            except ConnectionResetError as error:
                raise AssertionError(f"reset after {received!r}") from None
            head, _, body = received.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 503 "), received
            assert json.loads(body)["error"] == "limit_exceeded", received
    finally:
        held.close()
