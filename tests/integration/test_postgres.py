"""Several `wok-router serve` processes on one PostgreSQL database (`--store postgres://...`).

The database server comes from `WOK_TEST_POSTGRES_URL` (scripts/test starts a private cluster
with scripts/test-postgres and sets it); each test gets a new database on it. Without the
variable these tests fail, unless `WOK_TEST_POSTGRES_SKIP` gives the reason to leave them out.
"""

import json
import os
import socket
import subprocess
import threading
import urllib.parse
import uuid

import pytest

from harness import SSEClient, eventually, metric, router_config

pytestmark = pytest.mark.wok_router_only("the PostgreSQL history store")


def postgres_server_url():
    url = os.environ.get("WOK_TEST_POSTGRES_URL")
    if url:
        return url
    reason = os.environ.get("WOK_TEST_POSTGRES_SKIP")
    if reason:
        pytest.skip(f"WOK_TEST_POSTGRES_SKIP: {reason}")
    pytest.fail(
        "WOK_TEST_POSTGRES_URL is not set: these tests need a PostgreSQL server. Run them through scripts/test, "
        "or start one with `scripts/test-postgres start DIR` and export the URL it prints "
        "(WOK_TEST_POSTGRES_SKIP=<reason> leaves them out of a local run)."
    )


@pytest.fixture
def database():
    """The URL of a new, empty database on the test server."""
    server = postgres_server_url()
    name = "wok_itest_" + uuid.uuid4().hex
    subprocess.run(["psql", server, "-v", "ON_ERROR_STOP=1", "-qc", f"CREATE DATABASE {name}"], check=True)
    return urllib.parse.urlsplit(server)._replace(path="/" + name).geturl()


@pytest.fixture
def routers(server_factory, database):
    """Two routers, A and B, sharing one database."""
    return server_factory(store=database), server_factory(store=database)


def ids(frames):
    return [frame["id"] for frame in frames]


def sql(database, query):
    """The single value `query` selects, through psql."""
    return subprocess.run(["psql", database, "-v", "ON_ERROR_STOP=1", "-qAtc", query],
                          check=True, capture_output=True, text=True).stdout.strip()


# Bytes found only in the router's commit statement (sent whole with each commit: postgres-nio
# parses every query anew).
COMMIT_STATEMENT = b"INSERT INTO wok_notifications"


class PausableProxy:
    """A TCP proxy on loopback in front of the database: `pause()` holds every byte in both
    directions (a router stalled, or cut off, from the database) until `resume()`;
    `hold_listener()` holds, until `release_listener()`, what the server sends on the connections
    that sent `LISTEN` (the router's fan-out lags behind the other routers' commits while its
    reads go through); `cut_next_answer(marker)` lets the next bytes a client sends that hold
    `marker` through, then closes that connection when the server answers, without forwarding the
    answer (the server did the work; the client never hears of it). The marker picks the statement:
    the router has other connections (reads, retention passes, the listener's head checks) whose
    queries may go out meanwhile."""

    def __init__(self, database):
        target = urllib.parse.urlsplit(database)
        self.target = (target.hostname, target.port)
        self.database = database
        self.flowing = threading.Event()
        self.flowing.set()
        self.listener_flowing = threading.Event()
        self.listener_flowing.set()
        self.listening = set()  # client sockets that sent LISTEN
        self.lock = threading.Lock()
        self.cut_marker = None  # the next client bytes holding it have their answer cut
        self.doomed = set()  # client sockets whose next answer is cut
        self.cuts = 0
        self.sockets = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self):
        parts = urllib.parse.urlsplit(self.database)
        netloc = parts.netloc.rsplit("@", 1)[0] + f"@127.0.0.1:{self.listener.getsockname()[1]}"
        return parts._replace(netloc=netloc).geturl()

    def pause(self):
        self.flowing.clear()

    def cut_next_answer(self, marker):
        with self.lock:
            self.cut_marker = marker

    def resume(self):
        self.flowing.set()

    def hold_listener(self):
        self.listener_flowing.clear()

    def release_listener(self):
        self.listener_flowing.set()

    def close(self):
        self.flowing.set()
        self.listener_flowing.set()
        for sock in [self.listener, *self.sockets]:
            try:
                sock.close()
            except OSError:
                pass

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, client), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, client), daemon=True).start()

    def _pump(self, source, sink, client):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                self.flowing.wait()
                if source is client and b'LISTEN "' in data:
                    with self.lock:
                        self.listening.add(client)
                if source is not client and client in self.listening:
                    self.listener_flowing.wait()
                with self.lock:
                    if source is client and self.cut_marker is not None and self.cut_marker in data:
                        self.cut_marker = None
                        self.doomed.add(client)
                    cut = source is not client and client in self.doomed
                    if cut:
                        self.doomed.discard(client)
                        self.cuts += 1
                if cut:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def test_a_subscriber_on_b_receives_what_is_published_to_a_in_order(routers, client):
    a, b = routers
    on_b = client(to=b)
    on_a = client(to=a)
    sub_b = on_b.subscribe(["itest.events"])
    sub_a = on_a.subscribe(["itest.events"])
    assert sub_a["epoch"] == sub_b["epoch"], "one history, one epoch"

    published = []
    for seq in range(30):
        target = a if seq % 3 else b  # mostly A, some on B, interleaved
        published.append(target.publish_ok("itest.events", {"seq": seq}))
    expected = [p["id"] for p in published]
    assert expected == sorted(expected) and len(set(expected)) == 30, "one id sequence across both routers"
    assert {p["epoch"] for p in published} == {sub_a["epoch"]}

    got_b = on_b.notifications(30)
    assert ids(got_b) == expected, "B delivers A's and its own notifications once each, in id order"
    assert [f["data"]["seq"] for f in got_b] == list(range(30))
    assert ids(on_a.notifications(30)) == expected
    on_b.quiet()
    on_a.quiet()


def test_resume_with_since_works_across_routers(routers, client):
    a, b = routers
    first_socket = client(to=a)
    sub = first_socket.subscribe(["itest.vm.>"])
    first = a.publish_ok("itest.vm.other", {"n": 1})
    assert ids(first_socket.notifications(1)) == [first["id"]]
    first_socket.close()

    missed = []
    for n in range(2, 8):
        target = a if n % 2 else b
        missed.append(target.publish_ok("itest.vm.other", {"n": n})["id"])
    a.publish_ok("itest.events", {"seq": 1})  # not of these filters: not replayed

    # The tab comes back through the other router and resumes where it left off on A.
    again = client(to=b)
    answer = again.subscribe(["itest.vm.>"], since=first["id"], epoch=sub["epoch"])
    assert answer["recovered"] is True
    assert answer["epoch"] == sub["epoch"]
    assert ids(again.notifications(len(missed))) == missed, "replayed exactly what was missed, in order"
    live = a.publish_ok("itest.vm.other", {"n": 8})
    assert ids(again.notifications(1)) == [live["id"]], "then live ones published on A"
    again.quiet()

    # GET /notifications on B reads what was published on A.
    body = b.http("GET", "/notifications", params={"topics": "itest.vm.>", "since": first["id"]}).json()
    assert body["epoch"] == sub["epoch"] and body["recovered"] is True
    assert [n["id"] for n in body["notifications"]] == missed + [live["id"]]


def test_a_restarted_router_keeps_the_shared_history(routers, client):
    a, b = routers
    before = a.publish_ok("itest.events", {"seq": 1})
    b.restart()
    epoch, head = b.head()
    assert epoch == before["epoch"] and head >= before["id"]
    ws = client(to=b)
    ws.subscribe(["itest.events"])
    after = a.publish_ok("itest.events", {"seq": 2})
    assert after["id"] == before["id"] + 1
    assert ids(ws.notifications(1)) == [after["id"]]
    ws.quiet()


def test_sse_resumes_on_the_other_router_with_last_event_id(routers):
    a, b = routers
    first = a.publish_ok("itest.events", {"seq": 1})
    missed = [a.publish_ok("itest.events", {"seq": n})["id"] for n in (2, 3)]
    stream = SSEClient(b, ["itest.events"], last_event_id=first["id"])
    try:
        assert stream.status == 200
        live = a.publish_ok("itest.events", {"seq": 4})["id"]
        assert [frame["id"] for _, frame in stream.notifications(3)] == missed + [live]
    finally:
        stream.close()


def test_metrics_count_what_came_from_the_other_router(routers):
    a, b = routers
    before = metric(b, "wok_router_store_remote_notifications_total")
    for seq in range(5):
        a.publish_ok("itest.events", {"seq": seq})
    assert eventually(lambda: metric(b, "wok_router_store_remote_notifications_total") >= before + 5)
    assert metric(a, "wok_router_store_commits_total") >= 1
    assert metric(b, "wok_router_store_listens_total") >= 1


def test_a_router_killed_mid_burst_loses_nothing_it_acknowledged(routers, client):
    """kill -9 of router A while it publishes: B's subscriber gets every id A acknowledged, in
    order, and (ids being gapless) nothing is missing between them."""
    a, b = routers
    ws = client(to=b)
    ws.subscribe(["itest.events"])
    acknowledged = []

    def burst():
        for seq in range(2000):
            try:
                acknowledged.append(a.publish_ok("itest.events", {"seq": seq})["id"])
            except Exception:  # A is gone
                return

    publisher = threading.Thread(target=burst, daemon=True)
    publisher.start()
    assert eventually(lambda: len(acknowledged) >= 30, timeout=30)
    a.kill()
    publisher.join(30)
    assert not publisher.is_alive()
    marker = b.publish_ok("itest.events", {"seq": 999999})["id"]
    received = []
    while not received or received[-1] < marker:
        received.extend(ids(ws.notifications(1)))
    assert set(acknowledged) <= set(received), "every acknowledged notification reached B"
    assert received == list(range(received[0], marker + 1)), "in order, no gap, no duplicate"


def test_a_router_that_fell_behind_retention_closes_the_subscribers_that_missed_something(server_factory, database, client):
    """Router B is cut off from the database while A publishes and trims (retention keeps one
    itest.events notification): when B catches up, the ids it can no longer read must not be
    skipped silently. Its itest.events subscriber is closed (1013) before anything later, and
    its resume answers recovered: false; a subscriber of another topic keeps going."""
    proxy = PausableProxy(database)
    try:
        a = server_factory(store=database)
        b = server_factory(store=proxy.url())
        ws = client(to=b)
        sub = ws.subscribe(["itest.events"])
        bystander = client(to=b)
        bystander.subscribe(["itest.vm.other"])
        stream = SSEClient(b, ["itest.events"])
        assert stream.event()["event"] == "subscribed"
        first = a.publish_ok("itest.events", {"seq": 1})
        assert ids(ws.notifications(1)) == [first["id"]]
        assert [frame["id"] for _, frame in stream.notifications(1)] == [first["id"]]

        proxy.pause()
        later = [a.publish_ok("itest.events", {"seq": seq})["id"] for seq in range(2, 6)]
        manifest = a.root / "plugins" / "itest" / "plugin.json"
        settings = json.loads(manifest.read_text())
        settings["topics"] = {"itest.events": {"retention": {"count": 1}}}
        manifest.write_text(json.dumps(settings))
        a.restart()  # a retention pass runs at start
        assert eventually(lambda: sql(database, "SELECT count(*) FROM wok_notifications WHERE topic = 'itest.events'") == "1",
                          timeout=30), "A trimmed itest.events to one notification"
        proxy.resume()

        assert ws.expect_close(timeout=30) == 1013, "B's subscriber learns it missed notifications"
        assert ws.backlog == [], "nothing after the gap was delivered before the close"
        assert eventually(lambda: metric(b, "wok_router_store_skipped_notifications_total") >= 3)
        # The SSE stream of itest.events ends too (counted when it does), and its resume is unrecovered.
        assert eventually(lambda: metric(b, "wok_router_disconnects_total", reason="history_gap") >= 2, timeout=15)
        stream.close()
        resumed = SSEClient(b, ["itest.events"], last_event_id=first["id"])
        try:
            event = resumed.event()
            assert event["event"] == "subscribed" and json.loads(event["data"])["recovered"] is False
        finally:
            resumed.close()

        again = client(to=b)
        answer = again.subscribe(["itest.events"], since=first["id"], epoch=sub["epoch"])
        assert answer["recovered"] is False, "the resume says what was missed cannot be replayed"
        live = a.publish_ok("itest.events", {"seq": 6})
        assert ids(again.notifications(1)) == [live["id"]]

        other = a.publish_ok("itest.vm.other", {"n": 1})
        assert ids(bystander.notifications(1)) == [other["id"]], "a subscriber of another topic was not closed"
    finally:
        proxy.close()


def test_a_resume_answered_past_resume_wait_gets_nothing_twice(server_factory, database, client):
    """Router B's LISTEN connection is held back (its fan-out lags behind A's commits; its reads
    go through) while a tab that got ids from A resumes on B. Past `resume_wait` B answers; when
    its fan-out catches up, what the tab already has (ids at or below `since`) is not sent again,
    neither to a Python `websockets` client nor on an SSE stream resumed with Last-Event-ID, and
    the next notification is. Nothing is missing either, so the answer is `recovered: true`, with
    the lower head B had fanned out."""
    proxy = PausableProxy(database)
    try:
        a = server_factory(store=database)
        b = server_factory(store=proxy.url(), config=router_config(resume_wait=0.3))
        on_a = client(to=a)
        sub = on_a.subscribe(["itest.events"])
        watcher = client(to=b)  # shows how far B's fan-out got
        watcher.subscribe(["itest.events"])
        first = a.publish_ok("itest.events", {"seq": 1})
        assert ids(watcher.notifications(1)) == [first["id"]]

        proxy.hold_listener()
        seen = [a.publish_ok("itest.events", {"seq": seq})["id"] for seq in (2, 3)]
        assert ids(on_a.notifications(3)) == [first["id"]] + seen
        watcher.quiet()  # B's fan-out is held at `first`
        since = seen[-1]
        again = client(to=b)
        answer = again.subscribe(["itest.events"], since=since, epoch=sub["epoch"])
        stream = SSEClient(b, ["itest.events"], last_event_id=since)
        try:
            event = stream.event()
            assert event["event"] == "subscribed"
            sse_answer = json.loads(event["data"])
            proxy.release_listener()
            assert ids(watcher.notifications(2)) == seen, "B's fan-out caught up"

            live = a.publish_ok("itest.events", {"seq": 4})
            assert ids(again.notifications(1)) == [live["id"]], "nothing at or below since came again"
            assert [frame["id"] for _, frame in stream.notifications(1)] == [live["id"]]
            again.quiet()
        finally:
            stream.close()
        for frame in (answer, sse_answer):
            assert frame["head"] == first["id"] < since, "answered past resume_wait, before B's fan-out got to since"
            assert frame["recovered"] is True, "nothing was missed, nothing came twice"
    finally:
        proxy.close()


def test_a_publish_whose_commit_answer_is_lost_is_answered_with_its_id(server_factory, database, client):
    """The connection to the database drops after the commit reached the server but before its
    answer came back: the publisher still gets 202 with the stored id (not 503, which would make
    it publish a duplicate), and the notification is stored and delivered once."""
    proxy = PausableProxy(database)
    try:
        router = server_factory(store=proxy.url())
        ws = client(to=router)
        ws.subscribe(["itest.events"])
        first = router.publish_ok("itest.events", {"seq": 1})
        proxy.cut_next_answer(COMMIT_STATEMENT)
        second = router.publish_ok("itest.events", {"seq": 2})
        assert proxy.cuts == 1, "the commit's answer was cut off"
        assert second["id"] == first["id"] + 1
        assert sql(database, "SELECT count(*) FROM wok_notifications WHERE data LIKE '%\"seq\":2%'") == "1", "stored once"
        assert ids(ws.notifications(2)) == [first["id"], second["id"]]
        ws.quiet()
        assert metric(router, "wok_router_store_recovered_commits_total") == 1
    finally:
        proxy.close()
