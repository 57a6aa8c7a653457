"""WoK's side of the wire: clients/python/wok_router.py against a running router."""

import ast
import json
import logging
import sys

import jsonschema
import pytest

from harness import REPO

sys.path.insert(0, str(REPO / "clients" / "python"))
import wok_router  # noqa: E402

MODULE = REPO / "clients" / "python" / "wok_router.py"


@pytest.fixture
def router(server):
    with wok_router.Router(url=server.url("")) as r:
        yield r


def notification_schema():
    path = REPO / "schemas" / "topics" / "wok.notifications.json"
    schema = json.loads(path.read_text())
    return jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)(schema)


# -- the module itself -------------------------------------------------------------------------


def test_module_parses_as_python_3_8():
    ast.parse(MODULE.read_text(), feature_version=(3, 8))


def test_module_imports_only_the_standard_library():
    tree = ast.parse(MODULE.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    names.discard("wok")  # WoK's own WokMessage, imported only inside a WoK process, optional
    assert names <= set(sys.stdlib_module_names), names - set(sys.stdlib_module_names)


# -- over TCP ---------------------------------------------------------------------------------


def test_publish_over_http_reaches_a_subscriber(server, client, router):
    ws = client()
    ws.subscribe(["itest.events"])
    answer = router.publish("itest.events", {"seq": 1, "msg": "from python"})
    assert answer["topic"] == "itest.events" and answer["id"] > 0 and answer["epoch"]
    frame = ws.notifications(1)[0]
    assert frame["id"] == answer["id"] and frame["data"] == {"seq": 1, "msg": "from python"}


def test_keep_alive_connection_is_reused(server, router):
    ids = [router.publish("itest.events", {"seq": i})["id"] for i in range(50)]
    assert ids == sorted(ids) and len(set(ids)) == 50


def test_unknown_topic_raises_with_the_routers_body(router):
    with pytest.raises(wok_router.RouterError) as caught:
        router.publish("itest.evnets", {"seq": 1})
    error = caught.value
    assert error.status == 404 and error.error == "unknown_topic"
    assert error.body["error"] == "unknown_topic"
    assert "itest.events" in json.dumps(error.body)
    assert "unknown_topic" in str(error)


def test_invalid_data_raises_with_the_errors(router):
    with pytest.raises(wok_router.RouterError) as caught:
        router.publish("itest.user", {"user": 5})
    error = caught.value
    assert error.status == 422 and error.error == "invalid"
    assert error.body["errors"][0]["instanceLocation"] == "/data/user"
    assert "/data/user" in str(error)


def test_too_large_raises_413(router):
    with pytest.raises(wok_router.RouterError) as caught:
        router.publish("itest.any", "x" * (1024 * 1024))
    assert caught.value.status == 413 and caught.value.body.get("error")


def test_batch_returns_one_result_per_item(server, client, router):
    ws = client()
    ws.subscribe(["itest.events"])
    results = router.publish_batch([("itest.events", {"seq": 1}), ("itest.nope", {}), {"topic": "itest.events", "data": {"seq": 2}}])
    assert len(results) == 3
    assert results[1]["error"] == "unknown_topic"
    assert [f["id"] for f in ws.notifications(2)] == [results[0]["id"], results[2]["id"]]


def test_unreachable_router_raises_unreachable():
    from harness import free_port

    with wok_router.Router(url=f"http://127.0.0.1:{free_port()}", timeout=2) as r:
        with pytest.raises(wok_router.RouterError) as caught:
            r.publish("itest.events", {"seq": 1})
    assert caught.value.error == "unreachable" and caught.value.status is None


def test_module_level_publish_uses_configure(server, client):
    ws = client()
    ws.subscribe(["itest.events"])
    wok_router.configure(url=server.url(""))
    try:
        answer = wok_router.publish("itest.events", {"seq": 3})
    finally:
        wok_router.configure(url="http://127.0.0.1:9")  # leave no live default behind
    assert ws.notifications(1)[0]["id"] == answer["id"]


# -- add_notification --------------------------------------------------------------------------


def test_add_notification_publishes_wok_notifications_in_woks_format(server, client, router):
    ws = client()
    ws.subscribe(["wok.notifications"])
    answer = wok_router.add_notification("KCHVM0001I", {"name": "vm1"}, plugin_name="kimchi", router=router)
    assert answer is not None and answer["topic"] == "wok.notifications"
    frame = ws.notifications(1)[0]
    assert frame["topic"] == "wok.notifications" and frame["plugin"] == "wok"
    assert frame["data"] == {"code": "KCHVM0001I", "message": "KCHVM0001I", "args": {"name": "vm1"}, "plugin": "kimchi"}
    assert not list(notification_schema().iter_errors(frame["data"]))


def test_add_notification_defaults_like_woks(server, client, router):
    ws = client()
    ws.subscribe(["wok.notifications"])
    wok_router.add_notification("WOKASYNC0001I", router=router, message="Task done")
    data = ws.notifications(1)[0]["data"]
    assert data == {"code": "WOKASYNC0001I", "message": "Task done", "args": {}, "plugin": "wok"}


def test_add_notification_logs_and_returns_none_when_it_cannot_publish(caplog):
    from harness import free_port

    dead = wok_router.Router(url=f"http://127.0.0.1:{free_port()}", timeout=2)
    with caplog.at_level(logging.ERROR, logger="wok_router"):
        assert wok_router.add_notification("KCHVM0001I", {"name": "vm1"}, "kimchi", router=dead) is None
    assert "KCHVM0001I" in caplog.text
    with pytest.raises(wok_router.RouterError):
        wok_router.add_notification("KCHVM0001I", {"name": "vm1"}, "kimchi", router=dead, raise_errors=True)
    assert wok_router.add_notification("", router=dead) is None


# -- over the UNIX socket ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def unix_server(server_factory):
    return server_factory(unix_socket=True)


@pytest.mark.wok_router_only("a UNIX-socket listener")
def test_publish_over_the_unix_socket(unix_server, client):
    ws = client(to=unix_server)
    ws.subscribe(["itest.events", "wok.notifications"])
    with wok_router.Router(unix_socket=unix_server.unix_socket) as r:
        answer = r.publish("itest.events", {"seq": 1})
        with pytest.raises(wok_router.RouterError) as caught:
            r.publish("itest.user", {"user": 1})
        assert caught.value.status == 422
        results = r.publish_batch([("itest.events", {"seq": 2})])
        noted = wok_router.add_notification("WOKTEST0001I", {"a": "b"}, router=r, message="hi")
    frames = ws.notifications(3)
    assert [f["id"] for f in frames] == [answer["id"], results[0]["id"], noted["id"]]
    assert frames[2]["data"]["code"] == "WOKTEST0001I"
