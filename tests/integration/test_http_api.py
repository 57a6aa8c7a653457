"""The HTTP API, PROTOCOL section 5: publish, history, long-poll, topics, health."""

import threading
import time

import pytest


def batch_results(response):
    """The per-item results of a 207 batch answer (a list, or an object holding `results`)."""
    assert response.status_code == 207, (response.status_code, response.text)
    body = response.json()
    results = body["results"] if isinstance(body, dict) else body
    assert isinstance(results, list), body
    return results


def assert_error_body(response, status, error=None):
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers.get("Content-Type", "").startswith("application/json"), response.headers
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], body
    if error is not None:
        assert body["error"] == error, body
    return body


# -- POST /notifications -----------------------------------------------------------------------


def test_publish_answers_202_with_id_topic_epoch(server):
    first = server.publish_ok("itest.events", {"seq": 1})
    second = server.publish_ok("itest.events", {"seq": 2})
    assert second["id"] > first["id"]
    assert second["epoch"] == first["epoch"]


def test_publish_unknown_topic_is_404_with_suggestions(server):
    response = server.publish("itest.evnts", {"seq": 1})
    body = assert_error_body(response, 404, "unknown_topic")
    assert "itest.events" in str(body), body


def test_publish_schema_invalid_is_422_with_locations(server):
    response = server.publish("itest.user", {"user": 5})
    body = assert_error_body(response, 422, "invalid")
    assert body["errors"], body
    error = body["errors"][0]
    assert error["instanceLocation"] == "/data/user", error
    assert error["keywordLocation"] == "/properties/user/type", error
    assert isinstance(error["message"], str) and error["message"]


def test_publish_invalid_through_a_ref_to_defs_json(server):
    body = assert_error_body(server.publish("itest.vm.state", {"name": "a", "state": "exploded"}), 422, "invalid")
    assert any(e["instanceLocation"] == "/data/state" for e in body["errors"]), body
    server.publish_ok("itest.vm.state", {"name": "a", "state": "running"})


def test_publish_draft07_schema_is_enforced(server):
    assert_error_body(server.publish("itest.legacy", {"level": 9}), 422, "invalid")
    server.publish_ok("itest.legacy", {"level": 3})


@pytest.mark.parametrize("body", [b"not json", b"", b"[", b'{"topic": "itest.events"}', b'{"data": {}}',
                                  b'{"topic": 5, "data": {}}', b"42", b"null", b'"itest.events"'])
def test_publish_not_the_publish_shape_is_400(server, body):
    assert_error_body(server.http("POST", "/notifications", data=body, headers={"Content-Type": "application/json"}), 400)


def test_publish_body_limit_edge(server):
    """1 MiB is the default body limit: a body of exactly 1 MiB is accepted, one byte more is 413."""
    limit = 1024 * 1024
    head = b'{"topic":"itest.any","data":"'
    tail = b'"}'
    exact = head + b"x" * (limit - len(head) - len(tail)) + tail
    assert len(exact) == limit
    ok = server.http("POST", "/notifications", data=exact, headers={"Content-Type": "application/json"})
    assert ok.status_code == 202, (ok.status_code, ok.text[:200])
    over = head + b"x" * (limit + 1 - len(head) - len(tail)) + tail
    assert_error_body(server.http("POST", "/notifications", data=over, headers={"Content-Type": "application/json"}), 413)


def test_publish_batch_is_207_with_one_result_per_item_in_order(server):
    response = server.publish_batch([
        ("itest.events", {"seq": 1}),
        ("itest.nope", {}),
        ("itest.user", {"user": 1}),
        ("itest.events", {"seq": 2}),
    ])
    results = batch_results(response)
    assert len(results) == 4
    ok1, unknown, invalid, ok2 = results
    assert isinstance(ok1["id"], int) and ok2["id"] > ok1["id"], results
    assert ok1["topic"] == "itest.events" and ok1["epoch"] == ok2["epoch"]
    assert unknown["error"] == "unknown_topic", unknown
    assert invalid["error"] == "invalid" and invalid["errors"], invalid
    for result, status in zip(results, [202, 404, 422, 202]):
        if "status" in result:
            assert result["status"] == status, results


def test_batch_items_are_delivered_in_order(server, client):
    ws = client()
    ws.subscribe(["itest.events"])
    results = batch_results(server.publish_batch([("itest.events", {"seq": i}) for i in range(50)]))
    ids = [r["id"] for r in results]
    assert ids == sorted(ids) and len(set(ids)) == 50
    frames = ws.notifications(50)
    assert [f["id"] for f in frames] == ids
    assert [f["data"]["seq"] for f in frames] == list(range(50))


def test_batch_over_body_limit_is_413(server):
    items = [("itest.any", "y" * 100_000) for _ in range(11)]
    assert_error_body(server.publish_batch(items), 413)


# -- GET /notifications -----------------------------------------------------------------------


def test_history_since_and_limit(server):
    epoch, head = server.head()
    ids = [server.publish_ok("itest.vm.other", {"n": i})["id"] for i in range(7)]
    page = server.http("GET", "/notifications", params={"topics": "itest.vm.other", "since": head, "limit": 5}).json()
    assert page["epoch"] == epoch
    assert page["head"] >= ids[-1]
    assert page["recovered"] is True
    assert [n["id"] for n in page["notifications"]] == ids[:5]
    assert [n["data"]["n"] for n in page["notifications"]] == list(range(5))
    rest = server.http("GET", "/notifications", params={"topics": "itest.vm.other", "since": ids[4]}).json()
    assert [n["id"] for n in rest["notifications"]] == ids[5:]


def test_history_filters_by_wildcards(server):
    _, head = server.head()
    a = server.publish_ok("itest.vm.state", {"name": "h", "state": "running"})["id"]
    server.publish_ok("itest.events", {"seq": 1})
    b = server.publish_ok("itest.vm.disk.io", {})["id"]
    page = server.http("GET", "/notifications", params={"topics": "itest.vm.>", "since": head}).json()
    assert [n["id"] for n in page["notifications"]] == [a, b]
    page = server.http("GET", "/notifications", params={"topics": "itest.vm.*,itest.nothing.>", "since": head}).json()
    assert [n["id"] for n in page["notifications"]] == [a]


def test_history_notifications_have_the_notification_shape(server):
    _, head = server.head()
    published = server.publish_ok("itest.events", {"seq": 11})
    (item,) = server.http("GET", "/notifications", params={"topics": "itest.events", "since": head}).json()["notifications"]
    assert item["id"] == published["id"] and item["topic"] == "itest.events" and item["plugin"] == "itest"
    assert item["data"] == {"seq": 11} and item["epoch"] == published["epoch"] and item["time"].endswith("Z")


def test_history_unknown_topic_is_404(server):
    assert_error_body(server.http("GET", "/notifications", params={"topics": "itest.nope"}), 404, "unknown_topic")


def test_history_with_a_wrong_epoch_is_not_recovered(server):
    server.publish_ok("itest.events", {"seq": 1})
    page = server.http("GET", "/notifications", params={"topics": "itest.events", "since": 1, "epoch": "not-the-epoch"}).json()
    assert page["recovered"] is False


def test_long_poll_waits_until_something_arrives(server):
    _, head = server.head()
    result = {}

    def poll():
        result["response"] = server.http("GET", "/notifications", params={"topics": "itest.events", "since": head, "wait": 20})

    thread = threading.Thread(target=poll)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive(), "the long-poll answered before anything was published"
    published = server.publish_ok("itest.events", {"seq": 99})
    thread.join(15)
    assert not thread.is_alive(), "the long-poll did not answer after a publish"
    body = result["response"].json()
    assert [n["id"] for n in body["notifications"]] == [published["id"]]


def test_long_poll_answers_at_once_when_there_is_history(server):
    _, head = server.head()
    published = server.publish_ok("itest.events", {"seq": 98})
    response = server.http("GET", "/notifications", params={"topics": "itest.events", "since": head, "wait": 30}, timeout=10)
    assert [n["id"] for n in response.json()["notifications"]] == [published["id"]]


def test_long_poll_times_out_with_an_empty_page(server):
    _, head = server.head()
    response = server.http("GET", "/notifications", params={"topics": "itest.vm.disk.io", "since": head + 10**6, "wait": 1})
    assert response.status_code == 200
    assert response.json()["notifications"] == []


# -- topics and health -----------------------------------------------------------------------


def test_topics_lists_every_topic_with_its_fields(server):
    body = server.http("GET", "/topics").json()
    by_name = {t["topic"]: t for t in body["topics"]}
    for name in ["itest.events", "itest.vm.state", "itest.legacy", "itest.any", "itest.vm.disk.io"]:
        entry = by_name[name]
        assert entry["plugin"] == "itest" and entry["status"] == "ok", entry
        for field in ("draft", "$id", "description"):
            assert field in entry, entry
    assert "defs" not in by_name and "itest.defs" not in by_name
    assert by_name["itest.events"]["description"] == "A numbered test event."
    # Drafts are named as PROTOCOL section 2 (and json-schema.org) names them.
    assert by_name["itest.legacy"]["draft"] == "draft-07", by_name["itest.legacy"]
    assert by_name["itest.events"]["draft"] == "2020-12", by_name["itest.events"]


def test_topic_schema_is_the_schema_as_loaded(server, repo):
    import json

    want = json.loads((repo / "tests/integration/fixtures/plugins/itest/schemas/itest.events.json").read_text())
    response = server.http("GET", "/topics/itest.events/schema")
    assert response.status_code == 200
    got = response.json()
    assert {k: v for k, v in got.items() if k != "$id"} == {k: v for k, v in want.items() if k != "$id"}
    assert_error_body(server.http("GET", "/topics/itest.nope/schema"), 404, "unknown_topic")


def test_healthz_and_readyz(server):
    assert server.http("GET", "/healthz").status_code == 200
    assert server.http("GET", "/readyz").status_code == 200


def test_unknown_path_is_a_json_404(server):
    assert_error_body(server.http("GET", "/no/such/path"), 404)


# -- query parameters at and past their limits ---------------------------------------------------


@pytest.fixture(scope="module")
def bounded(server_factory, server_kind):
    if server_kind == "tornado":
        pytest.skip("the tornado peer has no max_filters / max_history_limit / max_wait settings")
    from harness import router_config

    return server_factory(config=router_config(max_filters=3, max_history_limit=5, max_wait=2))


@pytest.mark.wok_router_only("configurable limits")
def test_limit_past_max_history_limit_is_a_clear_400(bounded):
    _, head = bounded.head()
    ids = [bounded.publish_ok("itest.events", {"seq": n})["id"] for n in range(6)]
    page = bounded.http("GET", "/notifications", params={"topics": "itest.events", "since": head, "limit": 5}).json()
    assert [n["id"] for n in page["notifications"]] == ids[:5]
    body = assert_error_body(bounded.http("GET", "/notifications", params={"topics": "itest.events", "limit": 6}), 400, "bad_request")
    assert body["limit"] == "max_history_limit" and body["max"] == 5 and "max_history_limit" in body["message"]
    # Without limit= a page holds at most max_history_limit.
    page = bounded.http("GET", "/notifications", params={"topics": "itest.events", "since": head}).json()
    assert [n["id"] for n in page["notifications"]] == ids[:5]


@pytest.mark.wok_router_only("configurable limits")
def test_wait_past_max_wait_is_a_clear_400(bounded):
    _, head = bounded.head()
    started = time.monotonic()
    held = bounded.http("GET", "/notifications", params={"topics": "itest.vm.disk.io", "since": head, "wait": 2})
    assert held.status_code == 200 and held.json()["notifications"] == []
    assert time.monotonic() - started >= 1.5, "wait=2 (max_wait) was not held"
    for over in ["2.5", "3", "1000000"]:
        body = assert_error_body(bounded.http("GET", "/notifications", params={"topics": "itest.events", "wait": over}), 400, "bad_request")
        assert body["limit"] == "max_wait" and body["max"] == 2, body


@pytest.mark.wok_router_only("configurable limits")
def test_topics_past_max_filters_is_a_clear_400_on_history_and_events(bounded):
    three = "itest.events,itest.vm.*,itest.user"
    assert bounded.http("GET", "/notifications", params={"topics": three}).status_code == 200
    four = three + ",itest.vm.>"
    body = assert_error_body(bounded.http("GET", "/notifications", params={"topics": four}), 400, "bad_request")
    assert body["limit"] == "max_filters" and body["max"] == 3
    body = assert_error_body(bounded.http("GET", "/events", params={"topics": four}), 400, "bad_request")
    assert body["limit"] == "max_filters"


@pytest.mark.wok_router_only("strict query parameters")
@pytest.mark.parametrize("name,value", [
    ("since", "-1"), ("since", "+5"), ("since", "1.5"), ("since", "18446744073709551616"), ("since", ""),
    ("limit", "0"), ("limit", "-3"), ("limit", "2x"),
    ("wait", "-1"), ("wait", "inf"), ("wait", "nan"), ("wait", "1e1"), ("wait", "0x10"), ("wait", ""),
])
def test_malformed_since_limit_and_wait_are_400(server, name, value):
    assert_error_body(server.http("GET", "/notifications", params={"topics": "itest.events", name: value}), 400, "bad_request")


@pytest.mark.wok_router_only("strict query parameters")
@pytest.mark.parametrize("topics", [",", "itest.events,", ",itest.events", "itest.events,,itest.vm.*"])
def test_an_empty_item_in_topics_is_400_not_a_subscription_to_nothing(server, topics):
    assert_error_body(server.http("GET", "/notifications", params={"topics": topics}), 400, "bad_request")
    assert_error_body(server.http("GET", "/events", params={"topics": topics}), 400, "bad_request")


@pytest.mark.parametrize("path", [
    "/topics/..%2F..%2Fschemas%2Fprotocol%2Fpublish/schema", "/topics/%2e%2e/schema", "/topics/itest.events%2Fx/schema",
    "/topics/ITEST.EVENTS/schema", "/topics/itest.events%00/schema",
])
def test_schema_path_tricks_are_json_404s(server, path):
    import requests

    response = requests.get(f"http://{server.host}:{server.port}{path}", timeout=10)
    body = assert_error_body(response, 404)
    assert "$schema" not in body and "properties" not in body


@pytest.mark.wok_router_only("strict query parameters")
@pytest.mark.parametrize("name,values", [
    ("topics", ["itest.events", "itest.user"]), ("since", ["1", "2"]), ("limit", ["1", "5"]), ("wait", ["0", "1"]),
    ("epoch", ["a", "b"]), ("since", ["1", "1"]),
])
def test_a_query_parameter_given_twice_is_400_not_one_of_them_picked(server, name, values):
    query = ([("topics", "itest.events")] if name != "topics" else []) + [(name, v) for v in values]
    body = assert_error_body(server.http("GET", "/notifications", params=query), 400, "bad_request")
    assert f"{name}=" in body["message"]
    if name in ("topics", "since", "epoch"):  # the parameters /events reads
        assert_error_body(server.http("GET", "/events", params=query), 400, "bad_request")


@pytest.mark.wok_router_only("405 with Allow")
@pytest.mark.parametrize("method,path,allow", [
    ("PUT", "/notifications", "GET, POST"), ("DELETE", "/notifications", "GET, POST"), ("HEAD", "/notifications", "GET, POST"),
    ("POST", "/events", "GET"), ("HEAD", "/events", "GET"), ("OPTIONS", "/topics", "GET, HEAD"),
    ("DELETE", "/topics/itest.events/schema", "GET, HEAD"), ("POST", "/healthz", "GET, HEAD"), ("PUT", "/metrics", "GET, HEAD"),
])
def test_a_method_a_resource_does_not_take_is_405_with_allow(server, method, path, allow):
    response = server.http(method, path)
    assert response.status_code == 405 and response.headers["Allow"] == allow, (response.status_code, response.headers)
    if method != "HEAD":
        assert_error_body(response, 405, "method_not_allowed")
