"""`GET /events`: Server-Sent Events carrying the same stream as the WebSocket."""

import json

import pytest

from harness import SSEClient

pytestmark = pytest.mark.wok_router_only("Server-Sent Events")


def test_sse_carries_the_same_notifications_as_the_websocket(server, client):
    ws = client()
    ws.subscribe(["itest.vm.>"])
    sse = SSEClient(server, ["itest.vm.>"])
    try:
        assert sse.status == 200
        assert sse.response.getheader("Content-Type").startswith("text/event-stream")
        ids = [server.publish_ok("itest.vm.other", {"n": n})["id"] for n in range(5)]
        server.publish_ok("itest.events", {"seq": 1})  # not of the filter
        ids.append(server.publish_ok("itest.vm.disk.io", {"n": 5})["id"])
        frames = ws.notifications(6)
        events = sse.notifications(6)
        assert [f["id"] for f in frames] == ids
        assert [frame for _, frame in events] == frames
        assert [event["id"] for event, _ in events] and all(event.get("id") for event, _ in events)
    finally:
        sse.close()


def test_sse_resumes_after_last_event_id(server):
    sse = SSEClient(server, ["itest.events"])
    first = server.publish_ok("itest.events", {"seq": 1})
    (event, frame), = sse.notifications(1)
    assert frame["id"] == first["id"]
    sse.close()
    missed = [server.publish_ok("itest.events", {"seq": n})["id"] for n in range(2, 5)]
    again = SSEClient(server, ["itest.events"], last_event_id=event["id"])
    try:
        got = [frame["id"] for _, frame in again.notifications(3)]
        assert got == missed
        live = server.publish_ok("itest.events", {"seq": 5})
        assert again.notifications(1)[0][1]["id"] == live["id"]
    finally:
        again.close()


def test_sse_unknown_topic_is_404(server):
    sse = SSEClient(server, ["itest.nope"])
    try:
        assert sse.status == 404
        assert sse.body_json()["error"] == "unknown_topic"
    finally:
        sse.close()


def test_sse_and_long_poll_and_websocket_agree(server, client):
    """The three transports deliver one stream: same ids, same frames."""
    _, head = server.head()
    ws = client()
    ws.subscribe(["itest.events"])
    sse = SSEClient(server, ["itest.events"])
    try:
        ids = [server.publish_ok("itest.events", {"seq": n})["id"] for n in range(4)]
        page = server.http("GET", "/notifications", params={"topics": "itest.events", "since": head, "wait": 5}).json()
        frames = ws.notifications(4)
        events = [frame for _, frame in sse.notifications(4)]
        assert [f["id"] for f in frames] == ids
        assert events == frames
        assert [n["id"] for n in page["notifications"]] == ids
        for item, frame in zip(page["notifications"], frames):
            assert {k: v for k, v in item.items() if k != "type"} == {k: v for k, v in frame.items() if k != "type"}
    finally:
        sse.close()


def test_sse_sends_heartbeat_comments(server_factory):
    from harness import router_config

    quick = server_factory(config=router_config(sse_heartbeat=0.2))
    sse = SSEClient(quick, ["itest.events"], timeout=10)
    try:
        assert sse.status == 200
        seen = False
        for _ in range(50):
            line = sse.response.fp.readline()
            assert line, "the event stream ended"
            if line.startswith(b":"):
                seen = True
                break
        assert seen, "no heartbeat comment"
    finally:
        sse.close()


@pytest.mark.parametrize("value", ["abc", "-1", "1 2", "1.0", "99999999999999999999999"])
def test_sse_refuses_a_last_event_id_that_is_not_an_id(server, value):
    sse = SSEClient(server, ["itest.events"], last_event_id=value)
    try:
        assert sse.status == 400
        assert sse.body_json()["error"] == "bad_request"
    finally:
        sse.close()


def test_sse_takes_an_empty_last_event_id_as_none_and_trims_spaces(server):
    """An empty id is "no id" for an event source; spaces around a header value are not part of it."""
    first = server.publish_ok("itest.events", {"seq": 1})
    empty = SSEClient(server, ["itest.events"], last_event_id="", query={"since": first["id"] - 1})
    try:
        assert empty.status == 200
        assert empty.notifications(1)[0][1]["id"] == first["id"], "since= applies when Last-Event-ID is empty"
    finally:
        empty.close()
    spaced = SSEClient(server, ["itest.events"], last_event_id=f" {first['id'] - 1} ")
    try:
        assert spaced.status == 200
        assert spaced.notifications(1)[0][1]["id"] == first["id"]
    finally:
        spaced.close()


def test_sse_event_ids_carry_the_epoch_and_a_resume_counts_in_it(server_factory):
    """An event source resends only the last event id when it reconnects, to its first URL: the id
    carries the epoch, so a resume after the history was lost (an in-memory router restarted) is
    told `recovered: false` even once the new history has passed that id; and a resume in the new
    history, on a URL still holding the old `epoch=`, is recovered and replayed."""
    router = server_factory(store="memory")
    sse = SSEClient(router, ["itest.events"])
    try:
        subscribed = sse.event()
        assert subscribed["event"] == "subscribed"
        old_epoch = json.loads(subscribed["data"])["epoch"]
        ids = [router.publish_ok("itest.events", {"seq": n})["id"] for n in range(3)]
        events = sse.notifications(3)
        assert [event["id"] for event, _ in events] == [f"{old_epoch}:{i}" for i in ids]
        last_seen = events[0][0]["id"]
    finally:
        sse.close()
    router.restart()
    new = [router.publish_ok("itest.events", {"seq": n}) for n in range(5)]
    assert new[0]["epoch"] != old_epoch and new[-1]["id"] > ids[0], "the new history passed the old id"
    again = SSEClient(router, ["itest.events"], last_event_id=last_seen, query={"epoch": old_epoch})
    try:
        frame = json.loads(again.event()["data"])
        assert frame["type"] == "subscribed" and frame["recovered"] is False and frame["epoch"] == new[0]["epoch"], frame
    finally:
        again.close()
    # The event source now holds an id of the new history; its URL still says the old epoch.
    resumed = SSEClient(router, ["itest.events"], last_event_id=f"{new[0]['epoch']}:{new[1]['id']}", query={"epoch": old_epoch})
    try:
        frame = json.loads(resumed.event()["data"])
        assert frame["type"] == "subscribed" and frame["recovered"] is True, frame
        assert [f["id"] for _, f in resumed.notifications(3)] == [n["id"] for n in new[2:]]
    finally:
        resumed.close()


@pytest.mark.parametrize("value", [":5", "epoch:", "a:b:5", "e\tx:5"])
def test_sse_refuses_a_malformed_epoch_qualified_last_event_id(server, value):
    sse = SSEClient(server, ["itest.events"], last_event_id=value)
    try:
        assert sse.status == 400 and sse.body_json()["error"] == "bad_request"
    finally:
        sse.close()
