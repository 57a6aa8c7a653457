"""Several `wok-router serve` processes on one PostgreSQL database (`--store postgres://...`).

The database server comes from `WOK_TEST_POSTGRES_URL` (scripts/test starts a private cluster
with scripts/test-postgres and sets it); each test gets a new database on it. Without the
variable these tests fail, unless `WOK_TEST_POSTGRES_SKIP` gives the reason to leave them out.
"""

import os
import subprocess
import threading
import urllib.parse
import uuid

import pytest

from harness import SSEClient, eventually, metric

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
