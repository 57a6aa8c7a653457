"""Connection slots (max_connections: push + SSE + long-poll) given back when a client goes away
before its answer: a hostile client must not hold slots with connections it already closed."""

import socket

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from harness import Closed, WSClient, eventually, metric, router_config
from test_auth import SECRET, token


@pytest.fixture(scope="module")
def few_slots(server_factory):
    return server_factory(config=router_config(secret=SECRET, max_connections=5, max_wait=60))


def push_admitted(server, tok):
    """Whether a push socket gets a slot now; False when it is refused with 1013 "too many
    connections" (any other refusal fails the test)."""
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
