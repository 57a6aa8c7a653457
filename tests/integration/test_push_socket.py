"""The push socket, PROTOCOL section 4: every client frame, every server frame, filters, errors."""

import json

import pytest

from harness import check_notification


def test_subscribe_answers_subscribed_with_head_epoch_and_ref(server, client):
    ws = client()
    epoch, head = server.head()
    answer = ws.request({"type": "subscribe", "topics": ["itest.events"], "ref": "s-1"})
    assert answer["type"] == "subscribed"
    assert answer["ref"] == "s-1"
    assert answer["topics"] == ["itest.events"]
    assert answer["epoch"] == epoch
    assert answer["head"] >= head
    assert answer["recovered"] is True


@pytest.mark.parametrize("ref", ["abc", 7, 0, "", "é🙂 with spaces", 'quote " and \\ backslash', 2**53])
def test_every_reply_echoes_ref_unchanged(client, ref):
    ws = client()
    ws.send({"type": "ping", "ref": ref})
    pong = ws.reply()
    assert pong == {"type": "pong", "ref": ref}
    ws.send({"type": "subscribe", "topics": ["itest.events"], "ref": ref})
    assert ws.reply()["ref"] == ref
    ws.send({"type": "unsubscribe", "topics": ["itest.events"], "ref": ref})
    assert ws.reply()["ref"] == ref
    ws.send({"type": "subscribe", "topics": ["itest.nope"], "ref": ref})
    error = ws.reply()
    assert error["type"] == "error" and error["ref"] == ref


def test_ping_without_ref_answers_bare_pong(client):
    ws = client()
    ws.send({"type": "ping"})
    assert ws.reply() == {"type": "pong"}


def test_notification_frame_has_every_field(server, client):
    ws = client()
    ws.subscribe(["itest.events"])
    published = server.publish_ok("itest.events", {"seq": 1, "msg": "hello"})
    (frame,) = ws.notifications(1)
    check_notification(frame)
    assert set(frame) == {"type", "id", "epoch", "topic", "plugin", "time", "data"}
    assert frame["id"] == published["id"]
    assert frame["epoch"] == published["epoch"]
    assert frame["topic"] == "itest.events"
    assert frame["plugin"] == "itest"
    assert frame["data"] == {"seq": 1, "msg": "hello"}


def test_data_round_trips_exactly(server, client):
    ws = client()
    ws.subscribe(["itest.any"])
    data = {"s": "é\u2028\"\\/\n\t🙂", "i": -9007199254740991, "f": 0.1, "e": 1.5e300, "n": None,
            "b": [True, False], "nested": {"a": [{"b": []}, {}]}, "empty": ""}
    server.publish_ok("itest.any", data)
    assert ws.notifications(1)[0]["data"] == data


def test_nul_characters_in_strings_are_valid_json(server, client):
    """RFC 8259 allows \\u0000 in strings: a ref and notification data that carry one round-trip."""
    ws = client()
    ws.send_text('{"type":"ping","ref":"a\\u0000b"}')
    assert ws.reply() == {"type": "pong", "ref": "a\u0000b"}
    ws.subscribe(["itest.any"])
    server.publish_ok("itest.any", {"s": "nul\u0000inside"})
    assert ws.notifications(1)[0]["data"] == {"s": "nul\u0000inside"}


def test_exact_filter_gets_only_its_topic(server, client):
    ws = client()
    ws.subscribe(["itest.vm.state"])
    server.publish_ok("itest.vm.other", {})
    server.publish_ok("itest.events", {"seq": 1})
    wanted = server.publish_ok("itest.vm.state", {"name": "a", "state": "running"})
    (frame,) = ws.notifications(1)
    assert frame["id"] == wanted["id"]
    ws.quiet()


def test_star_matches_exactly_one_segment(server, client):
    ws = client()
    ws.subscribe(["itest.vm.*"])
    a = server.publish_ok("itest.vm.state", {"name": "a", "state": "paused"})
    server.publish_ok("itest.vm.disk.io", {})  # two segments after itest.vm: no match
    server.publish_ok("itest.events", {"seq": 2})
    b = server.publish_ok("itest.vm.other", {})
    assert [f["id"] for f in ws.notifications(2)] == [a["id"], b["id"]]
    ws.quiet()


def test_star_in_the_middle(server, client):
    ws = client()
    ws.subscribe(["itest.*.state"])
    server.publish_ok("itest.vm.other", {})
    a = server.publish_ok("itest.vm.state", {"name": "a", "state": "shutoff"})
    assert [f["id"] for f in ws.notifications(1)] == [a["id"]]
    ws.quiet()


def test_gt_matches_one_or_more_trailing_segments(server, client):
    ws = client()
    ws.subscribe(["itest.vm.>"])
    server.publish_ok("itest.events", {"seq": 3})
    a = server.publish_ok("itest.vm.state", {"name": "a", "state": "running"})
    b = server.publish_ok("itest.vm.disk.io", {})
    assert [f["id"] for f in ws.notifications(2)] == [a["id"], b["id"]]
    ws.quiet()


def test_gt_does_not_match_the_prefix_itself(server, client):
    ws = client()
    ws.subscribe(["itest.events.>"])
    server.publish_ok("itest.events", {"seq": 4})
    ws.quiet()


def test_overlapping_filters_deliver_once(server, client):
    ws = client()
    ws.subscribe(["itest.vm.state", "itest.vm.*", "itest.>"])
    ws.subscribe(["itest.*.state"])
    a = server.publish_ok("itest.vm.state", {"name": "x", "state": "running"})
    b = server.publish_ok("itest.events", {"seq": 5})
    assert [f["id"] for f in ws.notifications(2)] == [a["id"], b["id"]]
    ws.quiet()


def test_notifications_arrive_in_id_order(server, client):
    ws = client()
    ws.subscribe(["itest.events", "itest.vm.>"])
    ids = []
    for seq in range(60):
        if seq % 3:
            ids.append(server.publish_ok("itest.events", {"seq": seq})["id"])
        else:
            ids.append(server.publish_ok("itest.vm.other", {"seq": seq})["id"])
    got = [f["id"] for f in ws.notifications(60)]
    assert got == ids
    assert got == sorted(got) and len(set(got)) == 60


def test_unsubscribe_stops_delivery_of_that_filter_only(server, client):
    ws = client()
    ws.subscribe(["itest.events", "itest.vm.*"])
    answer = ws.request({"type": "unsubscribe", "topics": ["itest.vm.*"]})
    assert answer["type"] == "unsubscribed"
    assert answer["topics"] == ["itest.vm.*"]
    server.publish_ok("itest.vm.other", {})
    a = server.publish_ok("itest.events", {"seq": 6})
    assert [f["id"] for f in ws.notifications(1)] == [a["id"]]
    ws.quiet()


def test_unsubscribe_of_a_filter_not_held_is_harmless(client):
    ws = client()
    answer = ws.request({"type": "unsubscribe", "topics": ["itest.events"]})
    assert answer["type"] == "unsubscribed"
    ws.ping()


@pytest.mark.tornado_bug("the tornado peer reads a member named twice as its last value")
@pytest.mark.parametrize("text", [
    '{"type":"ping","type":"subscribe","topics":["itest.events"]}',
    '{"type":"subscribe","topics":["itest.events"],"topics":["itest.user"]}',
    '{"type":"ping","ref":1,"ref":2}',
])
def test_a_member_named_twice_is_refused_and_subscribes_nothing(server, client, text):
    """RFC 8259 leaves a repeated member name to each parser (first wins, last wins, error): a
    frame that could mean two things is refused, not read one way of the two."""
    ws = client()
    ws.send_text(text)
    error = ws.reply()
    assert error["type"] == "error" and error["code"] == "invalid_frame", error
    assert "duplicate" in error["message"] and "not JSON" not in error["message"], error
    server.publish_ok("itest.events", {"seq": 10})
    server.publish_ok("itest.user", {"user": "x"})
    ws.ping()
    ws.quiet()


def test_two_sockets_both_receive(server, client):
    one, two = client(), client()
    one.subscribe(["itest.events"])
    two.subscribe(["itest.>"])
    a = server.publish_ok("itest.events", {"seq": 7})
    assert one.notifications(1)[0]["id"] == a["id"]
    assert two.notifications(1)[0]["id"] == a["id"]


def test_unknown_exact_topic_is_refused_with_a_suggestion(server, client):
    ws = client()
    ws.send({"type": "subscribe", "topics": ["itest.evnets"], "ref": 1})
    error = ws.reply()
    assert error["type"] == "error" and error["code"] == "unknown_topic" and error["ref"] == 1
    assert "itest.evnets" in error["message"] or "itest.evnets" in json.dumps(error.get("details"))
    assert "itest.events" in json.dumps(error.get("details")), error
    # Nothing was subscribed and the socket is still usable.
    server.publish_ok("itest.events", {"seq": 8})
    ws.ping()
    ws.quiet()


def test_subscribe_with_one_unknown_topic_subscribes_nothing(server, client):
    ws = client()
    ws.send({"type": "subscribe", "topics": ["itest.events", "itest.nope"]})
    assert ws.reply()["code"] == "unknown_topic"
    server.publish_ok("itest.events", {"seq": 9})
    ws.ping()
    ws.quiet()


def test_wildcards_never_name_unknown_topics(client):
    ws = client()
    assert ws.subscribe(["nosuchplugin.>", "nosuchplugin.*"])["type"] == "subscribed"


def test_filter_limit_edge_256_accepted_257_refused(server, client):
    ws = client()
    filters = [f"itest.f{i}.>" for i in range(256)]
    for start in range(0, 256, 64):
        ws.subscribe(filters[start:start + 64])
    ws.send({"type": "subscribe", "topics": ["itest.events"], "ref": "over"})
    error = ws.reply()
    assert error["type"] == "error" and error["code"] == "limit_exceeded" and error["ref"] == "over"
    # Resubscribing a held filter adds nothing, so it is still fine.
    ws.subscribe(["itest.f0.>"])
    # After dropping one, the 257th fits.
    ws.request({"type": "unsubscribe", "topics": ["itest.f0.>"]})
    ws.subscribe(["itest.events"])
    a = server.publish_ok("itest.events", {"seq": 10})
    assert ws.notifications(1)[0]["id"] == a["id"]


def test_plugin_field_is_the_topics_first_segment_for_core_topics(server, client):
    topics = server.http("GET", "/topics").json()["topics"]
    core = [t["topic"] for t in topics if t["plugin"] == "wok" and t.get("status") == "ok"]
    assert "wok.notifications" in core, core
    ws = client()
    ws.subscribe(["wok.>"])
    server.publish_ok("wok.notifications", {"code": "WOKTEST0001I", "message": "hi", "args": {}, "plugin": "wok"})
    frame = ws.notifications(1)[0]
    assert frame["topic"] == "wok.notifications" and frame["plugin"] == "wok"
