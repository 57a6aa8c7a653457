"""Resume with since/epoch, PROTOCOL sections 3 and 4: no gap, no duplicate, `recovered` right."""

import threading

import pytest


class Publisher(threading.Thread):
    """Publishes numbered notifications to `topic` until stopped; records the ids in order."""

    def __init__(self, server, topic="itest.events"):
        super().__init__(daemon=True)
        self.server = server
        self.topic = topic
        self.ids = []
        self.halt = threading.Event()
        self.error = None

    def run(self):
        seq = 0
        try:
            while not self.halt.is_set():
                self.ids.append(self.server.publish_ok(self.topic, {"seq": seq})["id"])
                seq += 1
        except Exception as error:  # reported by stop()
            self.error = error

    def stop(self):
        self.halt.set()
        self.join(30)
        assert self.error is None, self.error
        return self.ids


def drain_until(ws, last_id, timeout=20):
    """Notifications up to and including `last_id`."""
    out = []
    while not out or out[-1]["id"] < last_id:
        out.extend(ws.notifications(1, timeout=timeout))
    return out


def test_resume_after_reconnect_replays_exactly_what_was_missed(server, client):
    ws = client()
    sub = ws.subscribe(["itest.vm.>"])
    first = server.publish_ok("itest.vm.other", {"n": 1})
    assert ws.notifications(1)[0]["id"] == first["id"]
    ws.close()

    missed = [server.publish_ok("itest.vm.other", {"n": n})["id"] for n in range(2, 6)]
    server.publish_ok("itest.events", {"seq": 1})  # not of these filters: not replayed

    again = client()
    answer = again.subscribe(["itest.vm.>"], since=first["id"], epoch=sub["epoch"])
    assert answer["recovered"] is True
    assert answer["epoch"] == sub["epoch"]
    assert answer["head"] >= missed[-1]
    assert [f["id"] for f in again.notifications(4)] == missed
    live = server.publish_ok("itest.vm.other", {"n": 6})
    assert [f["id"] for f in again.notifications(1)] == [live["id"]]
    again.quiet()


def test_resume_while_publishing_has_no_gap_and_no_duplicate(server, client):
    """Replay and live delivery meet with nothing lost or doubled, under a steady publisher."""
    ws = client()
    epoch = ws.subscribe(["itest.events"])["epoch"]
    publisher = Publisher(server)
    publisher.start()
    try:
        received = ws.notifications(20)
        ws.close()
        for _ in range(3):  # reconnect a few times while the publisher runs
            again = client()
            answer = again.subscribe(["itest.events"], since=received[-1]["id"], epoch=epoch)
            assert answer["recovered"] is True
            received += drain_until(again, answer["head"])  # catch up with live, then leave
            received += again.notifications(5)
            again.close()
        final = client()
        final.subscribe(["itest.events"], since=received[-1]["id"], epoch=epoch)
    finally:
        ids = publisher.stop()
    received += drain_until(final, ids[-1])
    got = [f["id"] for f in received]
    start = ids.index(got[0])
    assert got == ids[start:start + len(got)], "gap or duplicate across reconnects"
    assert got[-1] == ids[-1]
    final.quiet()


def test_resume_replays_more_than_one_outbound_queue_of_notifications(server, client):
    """2,000 missed notifications (twice the 1,024-frame queue bound) all come back, in order."""
    ws = client()
    sub = ws.subscribe(["itest.vm.disk.io"])
    ws.close()
    _, head = server.head()
    ids = []
    for _ in range(20):
        response = server.publish_batch([("itest.vm.disk.io", {"n": i}) for i in range(100)])
        body = response.json()
        ids += [r["id"] for r in (body["results"] if isinstance(body, dict) else body)]
    again = client()
    answer = again.subscribe(["itest.vm.disk.io"], since=head, epoch=sub["epoch"])
    assert answer["recovered"] is True
    assert [f["id"] for f in again.notifications(2000, timeout=60)] == ids
    again.quiet()


def test_resume_with_a_wrong_epoch_is_not_recovered_and_replays_nothing(server, client):
    ws = client()
    ws.subscribe(["itest.events"])
    server.publish_ok("itest.events", {"seq": 1})
    server.publish_ok("itest.events", {"seq": 2})
    again = client()
    answer = again.subscribe(["itest.events"], since=1, epoch="wrong-epoch")
    assert answer["recovered"] is False
    again.quiet()
    live = server.publish_ok("itest.events", {"seq": 3})
    assert again.notifications(1)[0]["id"] == live["id"]


def test_since_head_replays_nothing_and_recovers(server, client):
    epoch, head = server.head()
    ws = client()
    answer = ws.subscribe(["itest.events"], since=head, epoch=epoch)
    assert answer["recovered"] is True
    ws.quiet()


def test_replay_of_a_new_filter_skips_what_a_held_filter_already_delivered(server, client):
    ws = client()
    sub = ws.subscribe(["itest.vm.state"])
    a = server.publish_ok("itest.vm.state", {"name": "a", "state": "running"})
    b = server.publish_ok("itest.vm.other", {})
    assert ws.notifications(1)[0]["id"] == a["id"]
    # A second filter resumed from before `a`: only `b` is new to this socket.
    ws.subscribe(["itest.vm.*"], since=a["id"] - 1, epoch=sub["epoch"])
    assert [f["id"] for f in ws.notifications(1)] == [b["id"]]
    ws.quiet()


@pytest.mark.wok_router_only("a persistent store (SQLite) that survives a restart")
def test_resume_across_a_router_restart_on_sqlite(server_factory, client):
    router = server_factory(store="sqlite")
    ws = client(to=router)
    sub = ws.subscribe(["itest.events"])
    before = [router.publish_ok("itest.events", {"seq": n})["id"] for n in range(3)]
    assert [f["id"] for f in ws.notifications(3)] == before
    router.restart()
    assert ws.expect_close() == 1001
    after = [router.publish_ok("itest.events", {"seq": n})["id"] for n in range(3, 6)]
    assert after[0] > before[-1], "ids restarted after a restart on a persistent store"
    again = client(to=router)
    answer = again.subscribe(["itest.events"], since=before[-1], epoch=sub["epoch"])
    assert answer["epoch"] == sub["epoch"], "the epoch of a persistent store changed across a restart"
    assert answer["recovered"] is True
    assert [f["id"] for f in again.notifications(3)] == after
    again.quiet()
    page = router.http("GET", "/notifications", params={"topics": "itest.events", "since": 0}).json()
    assert [n["id"] for n in page["notifications"]] == before + after


@pytest.mark.wok_router_only("a store choice (memory:) and restarts")
def test_memory_store_restart_changes_epoch_and_is_not_recovered(server_factory, client):
    router = server_factory(store="memory")
    ws = client(to=router)
    sub = ws.subscribe(["itest.events"])
    last = router.publish_ok("itest.events", {"seq": 1})
    ws.notifications(1)
    router.restart()
    again = client(to=router)
    answer = again.subscribe(["itest.events"], since=last["id"], epoch=sub["epoch"])
    assert answer["epoch"] != sub["epoch"]
    assert answer["recovered"] is False
